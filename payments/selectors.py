"""Reads of Mollie payments."""

import uuid

from django.db.models import Prefetch, QuerySet

from debtors.models import Debtor
from payments.models import MolliePayment, MolliePaymentLine
from payt.models import Organization
from payt.tenancy import lookup_key


def mollie_payment_by_mollie_id(mollie_id: str) -> MolliePayment | None:
    """Find a payment by Mollie's id before the tenant is known (for the webhook)."""
    with lookup_key("mollie_payment_id", mollie_id):
        return (
            MolliePayment.objects_unscoped.select_related("organization")
            .filter(mollie_id=mollie_id)
            .first()
        )


def mollie_payment_of_debtor(debtor: Debtor, payment_id: uuid.UUID) -> MolliePayment | None:
    """Return the debtor's payment with our id ``payment_id``; None for any other id."""
    return MolliePayment.objects.filter(pk=payment_id, debtor=debtor).first()


def chargeback_worklist(organization: Organization) -> QuerySet[MolliePayment]:
    """Payments with a chargeback, newest first: the operator's chargeback work-list."""
    lines = MolliePaymentLine.objects.for_organization(organization).select_related("invoice")
    return (
        MolliePayment.objects.for_organization(organization)
        .filter(charged_back_at__isnull=False)
        .select_related("debtor")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("-charged_back_at")
    )
