"""Invoices and credit notes, payments, and the allocations that link them.

The open amount of an invoice is derived from its allocations and stored
only as a cache that ``invoices.services.invoice_refresh_balance`` rewrites
in the same transaction as every allocation change.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from invoices.lines import QUANTITY_PLACES, UNIT_PRICE_PLACES
from payt.models import TenantModel
from payt.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS


def money_field(verbose_name, **kwargs) -> models.DecimalField:
    return models.DecimalField(
        verbose_name, max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, **kwargs
    )


class DocumentKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class SettlementStatus(models.TextChoices):
    """The part of the status that follows from allocations alone."""

    OPEN = "open", pgettext_lazy("invoice status", "Open")
    PARTIALLY_PAID = "partially_paid", _("Partially paid")
    PAID = "paid", pgettext_lazy("invoice status", "Paid")
    CREDITED = "credited", _("Credited")


class InvoiceStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("invoice status", "Open")
    OVERDUE = "overdue", _("Overdue")
    PARTIALLY_PAID = "partially_paid", _("Partially paid")
    PAID = "paid", pgettext_lazy("invoice status", "Paid")
    CREDITED = "credited", _("Credited")
    DISPUTED = "disputed", _("Disputed")
    CANCELLED = "cancelled", _("Cancelled")


class SourceFormat(models.TextChoices):
    JSON = "json", "JSON"
    UBL = "ubl", "UBL"
    PDF = "pdf", "PDF"
    CSV = "csv", "CSV"


class Invoice(TenantModel):
    """An invoice or a credit note (a negative invoice is a credit document too)."""

    debtor = models.ForeignKey("debtors.Debtor", on_delete=models.PROTECT, related_name="invoices")
    kind = models.CharField(_("kind"), max_length=12, choices=DocumentKind.choices, default=DocumentKind.INVOICE)
    number = models.CharField(_("number"), max_length=100)
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    issue_date = models.DateField(_("issue date"))
    due_date = models.DateField(_("due date"))
    due_date_derived = models.BooleanField(_("due date derived"), default=False)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    total_amount = money_field(_("total incl. VAT"))
    vat_amount = money_field(_("VAT amount"), default=0)
    payment_reference = models.CharField(_("payment reference"), max_length=40, blank=True)
    preceding_number = models.CharField(_("preceding invoice number"), max_length=100, blank=True)
    open_amount = money_field(_("open amount"), default=0)
    settlement_status = models.CharField(
        max_length=16, choices=SettlementStatus.choices, default=SettlementStatus.OPEN
    )
    disputed_at = models.DateTimeField(null=True, blank=True)
    # A cancelled invoice asks for nothing any more; ``replaced_by`` names the invoice issued in its place.
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    replaced_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaces",
        verbose_name=_("replaced by"),
    )
    source_format = models.CharField(max_length=8, choices=SourceFormat.choices, default=SourceFormat.JSON)
    source_document = models.BinaryField(null=True, blank=True, editable=False)
    source_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issue_date", "number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind", "number"], name="invoice_unique_number"),
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=~models.Q(external_id=""),
                name="invoice_unique_external_id",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "due_date"], name="invoice_org_due"),
            models.Index(fields=["organization", "settlement_status"], name="invoice_org_settlement"),
            models.Index(fields=["organization", "debtor"], name="invoice_org_debtor"),
            models.Index(fields=["organization", "payment_reference"], name="invoice_org_reference"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_credit(self) -> bool:
        """True for documents that reduce what the debtor owes."""
        return self.kind == DocumentKind.CREDIT_NOTE or self.total_amount < 0

    @property
    def credit_amount(self):
        return abs(self.total_amount)

    @property
    def balance(self):
        """What the debtor owes on this document: negative for credit not yet allocated."""
        return -self.open_amount if self.is_credit else self.open_amount


class InvoiceLine(TenantModel):
    """One line of an invoice or credit note, in the order of the original document.

    ``line_net`` is quantity × unit price rounded half up, or the amount a
    UBL document states, which may include line allowances and charges.
    """

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    description = models.CharField(_("description"), max_length=500)
    quantity = models.DecimalField(_("quantity"), max_digits=16, decimal_places=QUANTITY_PLACES)
    unit_price = models.DecimalField(_("unit price"), max_digits=20, decimal_places=UNIT_PRICE_PLACES)
    vat_rate = models.DecimalField(
        _("VAT rate"), max_digits=5, decimal_places=2, help_text=_("Percent, for example 21.00.")
    )
    line_net = money_field(_("line total excl. VAT"))

    class Meta:
        ordering = ["invoice", "position"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "invoice", "position"], name="invoiceline_unique_position"),
            models.CheckConstraint(
                condition=models.Q(vat_rate__gte=0) & models.Q(vat_rate__lte=100), name="invoiceline_vat_rate_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.description}"


class PaymentSource(models.TextChoices):
    API = "api", _("API")
    MOLLIE = "mollie", "Mollie"
    BANK = "bank", _("Bank statement")
    MANUAL = "manual", _("Manual")


class Payment(TenantModel):
    """Money received from a debtor; allocated to invoices through Allocation rows."""

    debtor = models.ForeignKey(
        "debtors.Debtor", null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    amount = money_field(_("amount"))
    # Money that went back to the payer (a chargeback, a returned direct debit
    # or a refund); it no longer counts towards what the debtor paid.
    reversed_amount = money_field(_("reversed amount"), default=0)
    currency = models.CharField(max_length=3, default="EUR")
    payment_date = models.DateField(_("payment date"))
    source = models.CharField(max_length=10, choices=PaymentSource.choices, default=PaymentSource.API)
    reference = models.CharField(max_length=140, blank=True)
    external_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-payment_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "source", "external_id"],
                condition=~models.Q(external_id=""),
                name="payment_unique_external_id",
            ),
        ]


class Allocation(TenantModel):
    """Part of a payment or of a credit document applied to one invoice."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="allocations")
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.CASCADE, related_name="allocations")
    credit_document = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.CASCADE, related_name="credit_allocations"
    )
    # Set when the money went to collection costs or interest on the invoice
    # rather than to its principal (art. 6:44 BW: costs, then interest, then principal).
    charge = models.ForeignKey(
        "dunning.Charge", null=True, blank=True, on_delete=models.CASCADE, related_name="allocations"
    )
    amount = money_field(_("amount"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(payment__isnull=False, credit_document__isnull=True)
                    | models.Q(payment__isnull=True, credit_document__isnull=False)
                ),
                name="allocation_one_source",
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="allocation_amount_positive"),
        ]
        indexes = [models.Index(fields=["organization", "invoice"], name="allocation_org_invoice")]
