"""Online payments through Mollie."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from payt.models import TenantModel


class MolliePayment(TenantModel):
    """A Mollie payment started from the portal for one or more invoices."""

    debtor = models.ForeignKey("debtors.Debtor", on_delete=models.PROTECT, related_name="mollie_payments")
    mollie_id = models.CharField(max_length=40, unique=True, null=True, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, default="open")
    checkout_url = models.URLField(max_length=500, blank=True)
    payment = models.OneToOneField(
        "invoices.Payment", null=True, blank=True, on_delete=models.SET_NULL, related_name="mollie_payment"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]


class MolliePaymentLine(TenantModel):
    """The open amount of one invoice that a Mollie payment was asked to cover."""

    mollie_payment = models.ForeignKey(MolliePayment, on_delete=models.CASCADE, related_name="lines")
    invoice = models.ForeignKey("invoices.Invoice", on_delete=models.PROTECT, related_name="mollie_lines")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
