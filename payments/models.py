"""Online payments through Mollie, and imported bank statements with their entries."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from payt.models import TenantModel


class MolliePaymentStatus(models.TextChoices):
    """Mollie's payment statuses, plus one of ours for a payment Mollie never created."""

    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending")
    AUTHORIZED = "authorized", _("Authorized")
    PAID = "paid", _("Paid")
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


# Bank statements


class BankFileFormat(models.TextChoices):
    CAMT053 = "camt.053", "CAMT.053"
    CAMT054 = "camt.054", "CAMT.054"
    MT940 = "mt940", "MT940"


class BankStatement(TenantModel):
    """One imported bank file: a CAMT.053 statement, a CAMT.054 notification or an MT940 file.

    A file is imported once. ``message_id`` is the CAMT group header's MsgId, or
    for MT940 the transaction reference, account and statement number; the
    content hash catches the same bytes under another name.
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
            models.UniqueConstraint(fields=["organization", "message_id"], name="bankstatement_unique_message"),
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
