"""Online payments through Mollie."""

from decimal import Decimal

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
