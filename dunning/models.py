"""Dunning workflows, holds, phone tasks, collection charges, the actions the planner creates,
outgoing messages, and statutory interest rates."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dunning.calculation import LegalDebtorKind
from dunning.interest import CapitalisationRule, DayCount, RateFixing
from invoices.models import money_field
from payt.models import COUNTRY_CHOICES, DEBTOR_LANGUAGE_CHOICES, TenantModel


class SegmentKind(models.TextChoices):
    ANY = "", _("Any")
    CONSUMER = "consumer", _("Consumer")
    COMPANY = "company", _("Business")


class Workflow(TenantModel):
    """An ordered list of dunning steps, with the rule that picks it for a debtor.

    A debtor set to a workflow by hand gets that one. Otherwise the first
    workflow (by ``priority``) whose rule matches the debtor applies, and the
    default workflow when none does. An empty rule field matches everything.
    """

    name = models.CharField(_("name"), max_length=100)
    is_default = models.BooleanField(_("default"), default=False)
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=100, help_text=_("Lower numbers are tried first.")
    )
    match_kind = models.CharField(_("debtor kind"), max_length=10, choices=SegmentKind.choices, blank=True)
    match_country = models.CharField(_("debtor country"), max_length=2, blank=True)
    match_language = models.CharField(_("debtor language"), max_length=2, choices=DEBTOR_LANGUAGE_CHOICES, blank=True)
    match_tag = models.CharField(_("debtor tag"), max_length=50, blank=True)
    min_open_amount = money_field(_("open amount from"), null=True, blank=True)
    max_open_amount = money_field(_("open amount below"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["priority", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="workflow_unique_name"),
            models.UniqueConstraint(
                fields=["organization"], condition=models.Q(is_default=True), name="workflow_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StepTemplate(models.TextChoices):
    PRE_DUE_NOTICE = "pre_due_notice", _("Payment due soon")
    FRIENDLY_REMINDER = "friendly_reminder", _("Friendly reminder")
    SECOND_REMINDER = "second_reminder", _("Second reminder")
    FOURTEEN_DAY_LETTER = "fourteen_day_letter", _("14-day letter")
    FINAL_NOTICE = "final_notice", _("Final notice")
    PHONE_CALL = "phone_call", _("Phone call")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    LETTER = "letter", _("Letter")
    SMS = "sms", _("SMS")
    PHONE = "phone", _("Phone task")


class OffsetFrom(models.TextChoices):
    DUE_DATE = "due_date", _("the due date")
    PREVIOUS_STEP = "previous_step", _("the previous step")


class StepCosts(models.TextChoices):
    NONE = "none", _("No costs")
    FIXED = "fixed", _("Fixed fee")
    STATUTORY = "statutory", _("Statutory collection costs")


class WorkflowStep(TenantModel):
    """One step of a workflow.

    ``days_after_due`` is the offset in days: from the due date (negative for
    a notice before it) or, with ``offset_from`` set to the previous step,
    from the day the previous step went out.
    """

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("position"))
    days_after_due = models.IntegerField(_("offset in days"))
    offset_from = models.CharField(
        _("counted from"), max_length=16, choices=OffsetFrom.choices, default=OffsetFrom.DUE_DATE
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    template = models.CharField(_("template"), max_length=30, choices=StepTemplate.choices)
    costs = models.CharField(_("costs"), max_length=10, choices=StepCosts.choices, default=StepCosts.NONE)
    fixed_fee = money_field(_("fixed fee"), null=True, blank=True)
    show_interest = models.BooleanField(_("show statutory interest"), default=False)
    next_business_day = models.BooleanField(
        _("wait for a business day"),
        default=True,
        help_text=_("Move the step off weekends and public holidays of the organisation's country."),
    )

    class Meta:
        ordering = ["workflow", "position"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "workflow", "position"], name="step_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.get_template_display()} ({self.days_after_due:+d})"


class TemplateText(TenantModel):
    """An organisation's own wording for one template in one language, replacing the built-in text."""

    template = models.CharField(_("template"), max_length=30, choices=StepTemplate.choices)
    language = models.CharField(_("language"), max_length=2, choices=DEBTOR_LANGUAGE_CHOICES)
    subject = models.CharField(_("subject"), max_length=200)
    intro = models.TextField(_("opening paragraph"))
    request = models.TextField(_("payment request"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "template", "language"], name="template_text_unique"),
        ]


class HoldReason(models.TextChoices):
    DISPUTE = "dispute", _("Dispute")
    PAYMENT_PLAN = "payment_plan", _("Payment plan")
    PROMISE_TO_PAY = "promise_to_pay", _("Promise to pay")
    CONSULTATION = "consultation", _("In consultation")
    DECEASED = "deceased", _("Deceased")
    INSOLVENCY = "insolvency", _("Insolvency")
    BOUNCED = "bounced", _("Undeliverable contact details")


class Hold(TenantModel):
    """A pause on dunning for a whole debtor (``invoice`` empty) or one invoice.

    The planner skips held items while ``released_at`` is empty and today is
    on or before ``until``; after ``until`` dunning resumes by itself.
    """

    debtor = models.ForeignKey("debtors.Debtor", on_delete=models.CASCADE, related_name="holds")
    invoice = models.ForeignKey(
        "invoices.Invoice", null=True, blank=True, on_delete=models.CASCADE, related_name="holds"
    )
    reason = models.CharField(_("reason"), max_length=20, choices=HoldReason.choices)
    until = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)
    release_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "debtor", "released_at"], name="hold_org_debtor")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} ({self.until or '-'})"


class PhoneTaskStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("task status", "Open")
    DONE = "done", _("Done")


class CallOutcome(models.TextChoices):
    REACHED = "reached", _("Reached")
    PROMISE_TO_PAY = "promise_to_pay", _("Promise to pay")
    DISPUTE = "dispute", _("Dispute")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    NO_ANSWER = "no_answer", _("No answer")


class PhoneTaskSource(models.TextChoices):
    WORKFLOW = "workflow", _("Workflow step")
    BOUNCE = "bounce", _("Undeliverable e-mail")
    RISK = "risk", _("Risk alert")
    MANUAL = "manual", _("Added by hand")


class PhoneTask(TenantModel):
    """A call on the credit controller's worklist, with a script and the outcome of the call."""

    debtor = models.ForeignKey("debtors.Debtor", on_delete=models.CASCADE, related_name="phone_tasks")
    invoice = models.ForeignKey(
        "invoices.Invoice", null=True, blank=True, on_delete=models.SET_NULL, related_name="phone_tasks"
    )
    message = models.OneToOneField(
        "Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="phone_task"
    )
    source = models.CharField(_("source"), max_length=10, choices=PhoneTaskSource.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    # Reason codes with their figures of a risk-alert call (see forecasting.alerts). The call list
    # renders them in the reader's language, and ``reason`` keeps an English copy. None for a call
    # whose ``reason`` is free text.
    reason_codes = models.JSONField(null=True, blank=True, default=None)
    script = models.TextField(_("script"), blank=True)
    due_date = models.DateField(_("call on"))
    status = models.CharField(max_length=6, choices=PhoneTaskStatus.choices, default=PhoneTaskStatus.OPEN)
    outcome = models.CharField(_("outcome"), max_length=16, choices=CallOutcome.choices, blank=True)
    outcome_note = models.CharField(_("note"), max_length=500, blank=True)
    promised_date = models.DateField(_("promised payment date"), null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "created_at"]
        indexes = [models.Index(fields=["organization", "status", "due_date"], name="phonetask_org_status")]


class ChargeKind(models.TextChoices):
    COLLECTION_COSTS = "collection_costs", _("Collection costs")
    FIXED_FEE = "fixed_fee", _("Reminder fee")
    INTEREST = "interest", _("Statutory interest")


class Charge(TenantModel):
    """Collection costs, a fee or interest claimed on one invoice, as a line of its own.

    Each kind is charged at most once per invoice (a waived charge does not
    count). Payments go to open charges before the principal (art. 6:44 BW):
    costs first, then interest.
    """

    invoice = models.ForeignKey("invoices.Invoice", on_delete=models.CASCADE, related_name="charges")
    kind = models.CharField(_("kind"), max_length=20, choices=ChargeKind.choices)
    amount = money_field(_("amount"))
    open_amount = money_field(_("open amount"))
    currency = models.CharField(max_length=3, default="EUR")
    charged_on = models.DateField(_("charged on"))
    basis = models.JSONField(_("calculation"), default=dict, blank=True)
    waived_at = models.DateTimeField(null=True, blank=True)
    waived_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    waive_reason = models.CharField(_("reason for waiving"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["invoice", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "invoice", "kind"],
                condition=models.Q(waived_at__isnull=True),
                name="charge_once_per_invoice",
            ),
        ]
        indexes = [models.Index(fields=["organization", "invoice"], name="charge_org_invoice")]


class FourteenDayLetter(TenantModel):
    """The record a court requires: what was sent, how, when, and when the 14-day term ends.

    Collection costs on a consumer's claims may only be charged after
    ``term_ends_on`` has passed unpaid.
    """

    debtor = models.ForeignKey("debtors.Debtor", on_delete=models.CASCADE, related_name="fourteen_day_letters")
    message = models.OneToOneField("Message", on_delete=models.CASCADE, related_name="fourteen_day_letter")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    sent_on = models.DateField(_("sent on"))
    assumed_receipt_on = models.DateField(_("assumed receipt"))
    term_ends_on = models.DateField(_("term ends on"))
    currency = models.CharField(max_length=3, default="EUR")
    principal_total = money_field(_("principal"))
    costs_amount = money_field(_("collection costs stated"))
    vat_added = models.BooleanField(default=False)
    invoice_numbers = ArrayField(models.CharField(max_length=100), default=list)
    costs_charged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_on"]


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Skipped")
    FAILED = "failed", _("Failed")


class LetterBatch(TenantModel):
    """The letters of one day, as one PDF with a cover list, posted when a person records the posting date."""

    batch_date = models.DateField(_("date"))
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    letter_count = models.PositiveIntegerField(default=0)
    posted_on = models.DateField(_("posted on"), null=True, blank=True)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-batch_date"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "batch_date"], name="letterbatch_one_per_day"),
        ]


class Message(TenantModel):
    """An outgoing message (outbox row), written before it is sent.

    The sender claims it once; only a worker that dies mid-send can cause a
    second send, after the claim times out.
    """

    debtor = models.ForeignKey("debtors.Debtor", on_delete=models.CASCADE, related_name="messages")
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    run_date = models.DateField()
    template = models.CharField(max_length=30, choices=StepTemplate.choices)
    language = models.CharField(max_length=2)
    recipient = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    status_reason = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # When a sender last claimed the row (queued -> sending); a claim older than
    # DUNNING_SEND_CLAIM_TIMEOUT_MINUTES belongs to a dead worker and is released.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The day the message is taken to have reached the debtor: delivery for
    # e-mail and SMS, posting plus the organisation's delivery days for letters.
    delivered_on = models.DateField(null=True, blank=True)
    letter_batch = models.ForeignKey(
        LetterBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    provider_id = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "debtor", "channel", "run_date"], name="message_one_per_debtor_day"
            ),
        ]
        indexes = [models.Index(fields=["organization", "status"], name="message_org_status")]


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Skipped")


class DunningAction(TenantModel):
    """One dunning step for one invoice; the unique constraint makes it happen at most once."""

    invoice = models.ForeignKey("invoices.Invoice", on_delete=models.CASCADE, related_name="dunning_actions")
    step = models.ForeignKey(WorkflowStep, on_delete=models.PROTECT, related_name="actions")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions")
    run_date = models.DateField()
    status = models.CharField(max_length=10, choices=ActionStatus.choices, default=ActionStatus.PLANNED)
    status_reason = models.CharField(max_length=300, blank=True)
    open_amount = models.DecimalField(max_digits=14, decimal_places=2)
    days_past_due = models.IntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-run_date"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "invoice", "step"], name="action_once_per_step"),
        ]


class RunOutcome(models.TextChoices):
    PLANNED = "planned", _("Planned")
    SKIPPED = "skipped", _("Skipped")
    HELD = "held", _("On hold")
    CHARGED = "charged", _("Costs charged")


class DunningRun(TenantModel):
    """One planning run of one organisation, for the run log."""

    run_date = models.DateField(_("run date"))
    started_at = models.DateTimeField(auto_now_add=True)
    actions_planned = models.PositiveIntegerField(default=0)
    invoices_skipped = models.PositiveIntegerField(default=0)
    messages_created = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["organization", "run_date"], name="dunningrun_org_date")]


class RunLogEntry(TenantModel):
    """The outcome of one run for one invoice, with the reason."""

    run = models.ForeignKey(DunningRun, on_delete=models.CASCADE, related_name="entries")
    invoice = models.ForeignKey("invoices.Invoice", null=True, blank=True, on_delete=models.CASCADE)
    debtor = models.ForeignKey("debtors.Debtor", null=True, blank=True, on_delete=models.CASCADE)
    outcome = models.CharField(max_length=10, choices=RunOutcome.choices)
    step = models.ForeignKey(WorkflowStep, null=True, blank=True, on_delete=models.SET_NULL)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["run", "pk"]
        indexes = [models.Index(fields=["organization", "run"], name="runlog_org_run")]


class InterestRegime(models.Model):
    """The statutory late-payment interest regime of one country and debtor kind, with its conventions.

    Rates are law, not tenant data: this table and ``InterestRate`` have no
    organisation column and no row-level security, so every tenant reads the
    same rows. Organisation administrators change them through
    ``dunning.rate_services``, which records each change in the audit log of
    the administrator's organisation.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    country = models.CharField(_("country"), max_length=2, choices=COUNTRY_CHOICES)
    debtor_kind = models.CharField(_("debtor kind"), max_length=10, choices=LegalDebtorKind.choices)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    day_count = models.CharField(_("day count"), max_length=10, choices=DayCount.choices, default=DayCount.ACT_365)
    capitalisation = models.CharField(
        _("capitalisation"), max_length=10, choices=CapitalisationRule.choices, default=CapitalisationRule.SIMPLE
    )
    rate_fixing = models.CharField(
        _("rate fixing"), max_length=10, choices=RateFixing.choices, default=RateFixing.RUNNING
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["country", "debtor_kind"]
        constraints = [
            models.UniqueConstraint(fields=["country", "debtor_kind"], name="interest_regime_one_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_country_display()} · {self.get_debtor_kind_display()} ({self.legal_basis})"


class InterestRate(models.Model):
    """A rate of a regime in percent per year, in force from ``effective_from`` until the next row.

    ``verified`` is False for a figure that was derived or taken from a
    single unofficial source; calculations still use it and flag it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    regime = models.ForeignKey(InterestRegime, on_delete=models.CASCADE, related_name="rates")
    effective_from = models.DateField(_("effective from"))
    rate = models.DecimalField(
        _("rate (% per year)"),
        max_digits=6,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    source = models.CharField(_("source"), max_length=500)
    verified = models.BooleanField(_("verified"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["regime", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["regime", "effective_from"], name="interest_rate_one_per_day"),
            models.CheckConstraint(
                condition=models.Q(rate__gte=0) & models.Q(rate__lte=100), name="interest_rate_percent_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.regime.code} {self.effective_from.isoformat()}: {self.rate}%"
