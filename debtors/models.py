"""Debtors (the creditor's customers) and their timeline."""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from payt.models import DEBTOR_LANGUAGE_CHOICES, TenantModel


class DebtorKind(models.TextChoices):
    COMPANY = "company", _("Company")
    CONSUMER = "consumer", _("Consumer")


class Debtor(TenantModel):
    kind = models.CharField(_("kind"), max_length=10, choices=DebtorKind.choices, default=DebtorKind.COMPANY)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=DEBTOR_LANGUAGE_CHOICES, default="nl")
    address_line = models.CharField(_("address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("ISO 3166 alpha-2 code"))
    kvk_number = models.CharField(_("KvK number"), max_length=20, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True, verbose_name=_("tags"))
    # Set by hand to override the workflow rules; empty lets the rules decide.
    workflow = models.ForeignKey(
        "dunning.Workflow",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("workflow"),
    )
    # An e-mail to the address bounced; reminders go by phone or post until it is corrected.
    email_doubtful = models.BooleanField(_("e-mail address doubtful"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=~models.Q(external_id=""),
                name="debtor_unique_external_id",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "name"], name="debtor_org_name"),
            models.Index(fields=["organization", "vat_number"], name="debtor_org_vat"),
        ]

    def __str__(self) -> str:
        return self.name


class TimelineKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")
    MESSAGE = "message", _("Message sent")
    QUESTION = "question", _("Question")
    ANSWER = "answer", _("Answer")
    PAYMENT = "payment", _("Payment")
    NOTE = "note", _("Note")
    HOLD = "hold", _("Hold")
    CALL = "call", _("Call")
    CHARGE = "charge", _("Costs and interest")


class TimelineEvent(TenantModel):
    """One entry on a debtor's timeline; written by the service that made the change."""

    debtor = models.ForeignKey(Debtor, on_delete=models.CASCADE, related_name="timeline")
    invoice = models.ForeignKey("invoices.Invoice", null=True, blank=True, on_delete=models.SET_NULL)
    kind = models.CharField(max_length=20, choices=TimelineKind.choices)
    summary = models.CharField(max_length=300)
    data = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["organization", "debtor", "occurred_at"], name="timeline_org_debtor")]
