"""Online payments through Mollie, imported bank statements with their entries, and payment plans."""

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from payt.models import TenantModel
from payt.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS


class MolliePaymentStatus(models.TextChoices):
    """Mollie's payment statuses, plus one of ours for a payment Mollie never created."""

    OPEN = "open", pgettext_lazy("payment status", "Open")
    PENDING = "pending", _("Pending")
    AUTHORIZED = "authorized", _("Authorized")
    PAID = "paid", pgettext_lazy("payment status", "Paid")
    CANCELED = "canceled", _("Canceled")
    EXPIRED = "expired", _("Expired")
    FAILED = "failed", _("Failed")
    CREATE_FAILED = "create_failed", _("Could not be created at Mollie")


class RefundState(models.TextChoices):
    NONE = "", _("Not refunded")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
    REFUNDED = "refunded", _("Refunded")


class MolliePayment(TenantModel):
    """A Mollie payment started from the portal for one or more invoices.

    ``status`` mirrors Mollie's status, which stays "paid" after refunds and
    chargebacks. ``refunded_amount`` and ``charged_back_amount`` are the
    totals already applied here, so a webhook only acts on what is new.
    """

    debtor = models.ForeignKey("debtors.Debtor", on_delete=models.PROTECT, related_name="mollie_payments")
    mollie_id = models.CharField(max_length=40, unique=True, null=True, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=20, choices=MolliePaymentStatus.choices, default=MolliePaymentStatus.OPEN
    )
    checkout_url = models.URLField(max_length=500, blank=True)
    payment = models.OneToOneField(
        "invoices.Payment", null=True, blank=True, on_delete=models.SET_NULL, related_name="mollie_payment"
    )
    refunded_amount = models.DecimalField(
        _("refunded amount"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    charged_back_amount = models.DecimalField(
        _("charged-back amount"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    charged_back_at = models.DateTimeField(_("first chargeback received at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["organization", "charged_back_at"],
                condition=models.Q(charged_back_at__isnull=False),
                name="molliepayment_org_chargeback",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mollie_id or self.pk} ({self.status})"

    @property
    def refundable_amount(self) -> Decimal:
        """What can still be refunded, by the totals recorded here."""
        if self.status != MolliePaymentStatus.PAID:
            return Decimal("0.00")
        return max(self.amount - self.refunded_amount - self.charged_back_amount, Decimal("0.00"))

    @property
    def net_amount(self) -> Decimal:
        """The amount the creditor keeps: paid minus refunded and charged back."""
        if self.status != MolliePaymentStatus.PAID:
            return Decimal("0.00")
        return self.amount - self.refunded_amount - self.charged_back_amount

    @property
    def refund_state(self) -> str:
        if self.refunded_amount <= 0:
            return RefundState.NONE
        if self.refunded_amount < self.amount:
            return RefundState.PARTIALLY_REFUNDED
        return RefundState.REFUNDED


class MolliePaymentLine(TenantModel):
    """The open amount of one invoice that a Mollie payment was asked to cover."""

    mollie_payment = models.ForeignKey(MolliePayment, on_delete=models.CASCADE, related_name="lines")
    invoice = models.ForeignKey("invoices.Invoice", on_delete=models.PROTECT, related_name="mollie_lines")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)


class MollieRefundSource(models.TextChoices):
    REQUESTED = "requested", _("Requested here")
    MOLLIE = "mollie", _("Made at Mollie")


# Mollie's refund statuses in which the money is on its way back to the payer.
ACTIVE_REFUND_STATUSES = frozenset({"queued", "pending", "processing", "refunded"})

# Refunds on their way to the payer whose money is not taken off the invoices or the payment yet.
PENDING_REFUNDS = models.Q(applied_amount=0, status__in=ACTIVE_REFUND_STATUSES)


class MollieRefund(TenantModel):
    """A refund on a Mollie payment, requested here or found in what Mollie reports.

    ``credit_note`` is the credit note that settles the refunded money, so
    the invoice stays paid. Without one the refund reopens the invoices.
    ``applied_amount`` is what the webhook already took off the payment.
    It returns to zero when Mollie reports the refund failed or canceled,
    so a repeated webhook acts only on what changed.
    """

    mollie_payment = models.ForeignKey(MolliePayment, on_delete=models.CASCADE, related_name="refunds")
    mollie_id = models.CharField(max_length=40)
    amount = models.DecimalField(_("amount"), max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES)
    status = models.CharField(_("Mollie status"), max_length=12)
    source = models.CharField(_("source"), max_length=10, choices=MollieRefundSource.choices)
    credit_note = models.ForeignKey(
        "invoices.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="mollie_refunds"
    )
    description = models.CharField(_("description"), max_length=255, blank=True)
    applied_amount = models.DecimalField(
        max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, default=Decimal("0.00")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "mollie_id"], name="mollierefund_unique_mollie_id"),
        ]

    def __str__(self) -> str:
        return f"{self.mollie_id}: {self.amount} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_REFUND_STATUSES


# Bank statements


class BankFileFormat(models.TextChoices):
    CAMT053 = "camt.053", "CAMT.053"
    CAMT054 = "camt.054", "CAMT.054"
    MT940 = "mt940", "MT940"


class BankStatement(TenantModel):
    """One imported bank file: a CAMT.053 statement, a CAMT.054 notification or an MT940 file.

    A file is imported once. ``message_id`` is the CAMT group header's MsgId, or
    for MT940 the transaction reference, account and statement number, and is
    unique per account. The content hash catches the same bytes under another name.
    """

    file_format = models.CharField(_("format"), max_length=10, choices=BankFileFormat.choices)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    message_id = models.CharField(_("message id"), max_length=200)
    content_sha256 = models.CharField(max_length=64)
    content = models.BinaryField(editable=False)
    account_iban = models.CharField(_("account"), max_length=34, blank=True)
    created_at_bank = models.DateTimeField(_("created by the bank at"), null=True, blank=True)
    entry_count = models.PositiveIntegerField(_("entries"), default=0)
    # Entries that could not be read, as [{"position": ..., "message": ...}].
    rejected_entries = models.JSONField(default=list, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Banks number messages per account, so two accounts may send the same message id.
            models.UniqueConstraint(
                fields=["organization", "account_iban", "message_id"], name="bankstatement_unique_account_message"
            ),
            models.UniqueConstraint(fields=["organization", "content_sha256"], name="bankstatement_unique_content"),
        ]

    def __str__(self) -> str:
        return f"{self.get_file_format_display()} {self.message_id}"


class CreditDebit(models.TextChoices):
    CREDIT = "CRDT", _("Credit")
    DEBIT = "DBIT", _("Debit")


class BankEntryStatus(models.TextChoices):
    """Where an entry stands in reconciliation."""

    APPLIED = "applied", _("Applied automatically")
    CONFIRMED = "confirmed", _("Confirmed by a person")
    REVIEW = "review", _("Waiting for review")
    REVERSED = "reversed", _("Reversal applied")
    IGNORED = "ignored", _("Ignored")
    DUPLICATE = "duplicate", _("Already imported")


class BankEntryNote(models.TextChoices):
    """Why an entry has its status, shown beside it on the reconciliation pages."""

    NONE = "", ""
    NOT_BOOKED = "not_booked", _("Not booked yet: the bank reports it as pending or for information.")
    DUPLICATE = "duplicate", _("The same booking was imported from an earlier file.")
    DEBIT = "debit", _("Money paid out; only payments received are matched.")
    DEBIT_REVERSAL = "debit_reversal", _("Reversal of money paid out; it concerns no invoice.")
    OWN_PAYMENT_RETURNED = "own_payment_returned", _("A payment of ours that came back; it concerns no invoice.")
    NO_MATCH = "no_match", _("No invoice fits this payment.")
    UNSURE = "unsure", _("The match is not certain enough to apply without a person.")
    APPLY_FAILED = "apply_failed", _("The match could not be applied; choose the invoices by hand.")
    ORIGINAL_NOT_FOUND = "original_not_found", _("The payment this reversal undoes was not found.")
    ALREADY_REVERSED = "already_reversed", _("The original payment was already reversed in full.")
    DISMISSED = "dismissed", _("Set aside by a person.")


class MatchMethod(models.TextChoices):
    REFERENCE = "reference", _("Payment reference")
    INVOICE_NUMBER = "invoice_number", _("Invoice number in the description")
    PAYER_IBAN = "payer_iban", _("Amount and payer account")
    PAYER_NAME = "payer_name", _("Amount and payer name")
    AMOUNT = "amount", _("Amount only")
    ORIGINAL_PAYMENT = "original_payment", _("Original payment of the reversal")
    MANUAL = "manual", _("Chosen by a person")
    NONE = "", _("No match")


class BankStatementEntry(TenantModel):
    """One booked amount of a bank file: a CAMT entry, or one transaction of a batch entry.

    ``amount`` is positive; ``credit_debit`` says which way the money went. A
    reversal (the bank's reversal indicator, or a return reason such as AC06)
    undoes the payment of the credit it reverses.
    """

    statement = models.ForeignKey(BankStatement, on_delete=models.CASCADE, related_name="entries")
    position = models.CharField(_("position"), max_length=40)
    sequence = models.PositiveIntegerField()
    booking_date = models.DateField(_("booking date"), null=True, blank=True)
    value_date = models.DateField(_("value date"), null=True, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    credit_debit = models.CharField(_("credit or debit"), max_length=4, choices=CreditDebit.choices)
    is_reversal = models.BooleanField(_("reversal"), default=False)
    booking_status = models.CharField(_("bank status"), max_length=10, blank=True)
    structured_reference = models.CharField(_("structured reference"), max_length=140, blank=True)
    reference_type = models.CharField(_("reference type"), max_length=35, blank=True)
    remittance_text = models.TextField(_("description"), blank=True)
    additional_info = models.TextField(_("additional information"), blank=True)
    end_to_end_id = models.CharField(_("end-to-end id"), max_length=140, blank=True)
    mandate_id = models.CharField(_("mandate id"), max_length=140, blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=140, blank=True)
    counterparty_name = models.CharField(_("counterparty"), max_length=140, blank=True)
    counterparty_iban = models.CharField(_("counterparty account"), max_length=34, blank=True)
    bank_transaction_code = models.CharField(_("bank transaction code"), max_length=70, blank=True)
    return_reason = models.CharField(_("return reason"), max_length=35, blank=True)

    status = models.CharField(_("status"), max_length=10, choices=BankEntryStatus.choices)
    match_method = models.CharField(_("matched by"), max_length=20, choices=MatchMethod.choices, blank=True)
    # 0-100: how sure the matcher is that the suggested invoices are the ones paid.
    match_confidence = models.PositiveSmallIntegerField(_("confidence"), default=0)
    note = models.CharField(_("note"), max_length=30, choices=BankEntryNote.choices, blank=True)
    payment = models.ForeignKey(
        "invoices.Payment", null=True, blank=True, on_delete=models.SET_NULL, related_name="bank_entries"
    )
    reversed_payment = models.ForeignKey(
        "invoices.Payment", null=True, blank=True, on_delete=models.SET_NULL, related_name="bank_reversals"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["statement", "sequence"]
        indexes = [
            models.Index(fields=["organization", "status"], name="bankentry_org_status"),
            models.Index(fields=["organization", "end_to_end_id"], name="bankentry_org_e2e"),
            models.Index(fields=["organization", "bank_reference"], name="bankentry_org_bankref"),
        ]

    def __str__(self) -> str:
        return f"{self.position}: {self.credit_debit} {self.currency} {self.amount}"

    @property
    def is_credit(self) -> bool:
        return self.credit_debit == CreditDebit.CREDIT


class BankEntrySuggestion(TenantModel):
    """An invoice the matcher proposes for an entry, with the amount to allocate to it."""

    entry = models.ForeignKey(BankStatementEntry, on_delete=models.CASCADE, related_name="suggestions")
    invoice = models.ForeignKey("invoices.Invoice", on_delete=models.CASCADE, related_name="bank_suggestions")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    rank = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["entry", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "entry", "invoice"], name="banksuggestion_unique"),
        ]


# Payment plans


# The most instalments a debtor can ask for at all; the organisation's own
# maximum for automatic acceptance is at most this.
INSTALMENTS_HARD_LIMIT = 24


class PlanInterval(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    FORTNIGHTLY = "fortnightly", _("Every two weeks")
    MONTHLY = "monthly", _("Monthly")


class PaymentPlanPolicy(TenantModel):
    """An organisation's rules for payment plans: which proposals are accepted at once.

    A proposal that breaks any rule goes to a credit controller for review.
    An organisation without a saved policy uses the field defaults.
    """

    max_instalments = models.PositiveSmallIntegerField(
        _("maximum number of instalments"),
        default=6,
        validators=[MinValueValidator(2), MaxValueValidator(INSTALMENTS_HARD_LIMIT)],
    )
    min_instalment_amount = models.DecimalField(
        _("minimum amount per instalment"),
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
        default=Decimal("25.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    max_auto_accept_total = models.DecimalField(
        _("maximum total accepted at once"),
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
        null=True,
        blank=True,
        default=Decimal("2500.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text=_("Leave empty for no limit."),
    )
    broken_plan_lookback_days = models.PositiveSmallIntegerField(
        _("days a broken plan counts against the debtor"),
        default=365,
        validators=[MaxValueValidator(3650)],
        help_text=_("A debtor who broke a plan within this many days needs review. 0 turns the rule off."),
    )
    max_days_to_first_instalment = models.PositiveSmallIntegerField(
        _("maximum days until the first instalment"),
        default=30,
        validators=[MaxValueValidator(365)],
    )
    grace_days = models.PositiveSmallIntegerField(
        _("grace days after a missed instalment"),
        default=7,
        validators=[MaxValueValidator(90)],
        help_text=_("The plan ends and dunning resumes when an instalment is still unpaid after this many days."),
    )
    interval = models.CharField(
        _("time between instalments"), max_length=12, choices=PlanInterval.choices, default=PlanInterval.MONTHLY
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="paymentplanpolicy_one_per_organization"),
        ]

    def __str__(self) -> str:
        return f"Payment plan rules of {self.organization_id}"


class PlanStatus(models.TextChoices):
    PROPOSED = "proposed", _("Waiting for review")
    ACCEPTED = "accepted", _("Active")
    REJECTED = "rejected", _("Rejected")
    BROKEN = "broken", _("Broken")
    COMPLETED = "completed", _("Completed")


# Statuses in which a plan still binds the debtor; a debtor has at most one such plan.
OPEN_PLAN_STATUSES = (PlanStatus.PROPOSED, PlanStatus.ACCEPTED)


class PlanProposer(models.TextChoices):
    DEBTOR = "debtor", _("Debtor")
    CREDIT_CONTROLLER = "credit_controller", _("Credit controller")


class PaymentPlan(TenantModel):
    """A debtor's arrangement to pay invoices in instalments.

    ``total`` is the open amount of the covered invoices when the plan was
    proposed. ``review_reasons`` lists the rules the proposal broke, as
    ``{"code", "params"}`` items rendered in the reader's language. An
    automatic decision has ``decided_at`` set and ``decided_by`` empty.
    """

    debtor = models.ForeignKey("debtors.Debtor", on_delete=models.PROTECT, related_name="payment_plans")
    invoices = models.ManyToManyField(
        "invoices.Invoice", through="PaymentPlanInvoice", related_name="payment_plans"
    )
    total = models.DecimalField(_("total"), max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES)
    currency = models.CharField(_("currency"), max_length=3)
    instalment_count = models.PositiveSmallIntegerField(_("number of instalments"))
    first_due_date = models.DateField(_("first instalment due"))
    interval = models.CharField(_("interval"), max_length=12, choices=PlanInterval.choices)
    status = models.CharField(_("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.PROPOSED)
    proposed_by = models.CharField(_("proposed by"), max_length=20, choices=PlanProposer.choices)
    proposed_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_reasons = models.JSONField(_("reasons for review"), default=list, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "debtor"],
                condition=models.Q(status__in=["proposed", "accepted"]),
                name="paymentplan_one_open_per_debtor",
            ),
        ]
        indexes = [models.Index(fields=["organization", "status", "created_at"], name="paymentplan_org_status")]

    def __str__(self) -> str:
        return f"{self.currency} {self.total} in {self.instalment_count} ({self.status})"

    @property
    def decided_automatically(self) -> bool:
        return self.decided_at is not None and self.decided_by_id is None


class PaymentPlanInvoice(TenantModel):
    """An invoice covered by a plan, its open amount at the proposal, and the hold the plan put on it."""

    plan = models.ForeignKey(PaymentPlan, on_delete=models.CASCADE, related_name="plan_invoices")
    invoice = models.ForeignKey("invoices.Invoice", on_delete=models.PROTECT, related_name="payment_plan_lines")
    open_amount = models.DecimalField(
        _("open amount at proposal"), max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES
    )
    hold = models.ForeignKey("dunning.Hold", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "plan", "invoice"], name="paymentplaninvoice_unique"),
        ]


class InstalmentStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("instalment status", "Open")
    PAID = "paid", pgettext_lazy("instalment status", "Paid")
    CANCELED = "canceled", _("Canceled")


class Instalment(TenantModel):
    """One part of a payment plan, due on its own date.

    ``paid_amount`` is derived: the money that reached the plan's invoices
    since the proposal, counted towards the instalments in sequence.
    ``mollie_payment`` is the latest checkout started for it.
    """

    plan = models.ForeignKey(PaymentPlan, on_delete=models.CASCADE, related_name="instalments")
    sequence = models.PositiveSmallIntegerField(_("number"))
    due_date = models.DateField(_("due date"))
    amount = models.DecimalField(_("amount"), max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES)
    paid_amount = models.DecimalField(
        _("paid"), max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, default=Decimal("0.00")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=InstalmentStatus.choices, default=InstalmentStatus.OPEN
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    mollie_payment = models.ForeignKey(
        MolliePayment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["plan", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "plan", "sequence"], name="instalment_unique_sequence"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="instalment_amount_positive"),
        ]
        indexes = [models.Index(fields=["organization", "status", "due_date"], name="instalment_org_status_due")]

    def __str__(self) -> str:
        return f"{self.sequence}: {self.amount} due {self.due_date}"

    @property
    def open_amount(self) -> Decimal:
        return max(self.amount - self.paid_amount, Decimal("0.00"))


class PlanNoticeKind(models.TextChoices):
    PLAN_ACCEPTED = "plan_accepted", _("Plan accepted")
    PLAN_REJECTED = "plan_rejected", _("Plan rejected")
    PLAN_REVIEW = "plan_review", _("Plan to review")
    INSTALMENT_REMINDER = "instalment_reminder", _("Missed instalment reminder")
    PLAN_BROKEN = "plan_broken", _("Plan ended (debtor)")
    PLAN_BROKEN_CONTROLLER = "plan_broken_controller", _("Plan ended (credit controller)")


class PlanNoticeStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Skipped")
    FAILED = "failed", _("Failed")


class PlanNotice(TenantModel):
    """An e-mail about a payment plan, written before it is sent (outbox row).

    ``key`` is unique per organisation, so each notice (one reminder per
    instalment, one break notice per plan) is created at most once however
    often the daily task runs. A sender claims a queued row before sending.
    """

    plan = models.ForeignKey(PaymentPlan, on_delete=models.CASCADE, related_name="notices")
    instalment = models.ForeignKey(Instalment, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24, choices=PlanNoticeKind.choices)
    key = models.CharField(max_length=100)
    recipients = ArrayField(models.EmailField(), default=list, blank=True)
    language = models.CharField(max_length=2)
    status = models.CharField(max_length=10, choices=PlanNoticeStatus.choices, default=PlanNoticeStatus.QUEUED)
    status_reason = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="plannotice_unique_key"),
        ]
        indexes = [models.Index(fields=["organization", "status"], name="plannotice_org_status")]

    def __str__(self) -> str:
        return f"{self.kind} ({self.status})"
