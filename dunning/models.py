"""Dunning workflows, the actions the planner creates, outgoing messages, and statutory interest rates."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from dunning.calculation import LegalDebtorKind
from dunning.interest import CapitalisationRule, DayCount, RateFixing
from payt.models import COUNTRY_CHOICES, TenantModel


class Workflow(TenantModel):
    name = models.CharField(_("name"), max_length=100)
    is_default = models.BooleanField(_("default"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="workflow_unique_name"),
            models.UniqueConstraint(
                fields=["organization"], condition=models.Q(is_default=True), name="workflow_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StepTemplate(models.TextChoices):
    FRIENDLY_REMINDER = "friendly_reminder", _("Friendly reminder")
    SECOND_REMINDER = "second_reminder", _("Second reminder")
    FINAL_NOTICE = "final_notice", _("Final notice")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")


class WorkflowStep(TenantModel):
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    days_after_due = models.IntegerField(_("days after due date"))
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    template = models.CharField(max_length=30, choices=StepTemplate.choices)

    class Meta:
        ordering = ["workflow", "position"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "workflow", "position"], name="step_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.get_template_display()} (+{self.days_after_due})"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Skipped")
    FAILED = "failed", _("Failed")


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
