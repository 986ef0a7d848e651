"""Reads of Mollie payments, and of the payment methods Mollie offers."""

import logging
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Prefetch, QuerySet
from mollie.api.error import Error as MollieError

from debtors.models import Debtor
from payments.models import MolliePayment, MolliePaymentLine
from payments.mollie_client import mollie_client
from payt.models import Organization
from payt.money import format_amount
from payt.tenancy import lookup_key

logger = logging.getLogger(__name__)

METHODS_CACHE_SECONDS = 600


@dataclass(frozen=True)
class PaymentMethodChoice:
    """A payment method as Mollie lists it: its id (``ideal``) and Mollie's name for it."""

    id: str
    description: str


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


def charged_back_invoice_ids(invoice_ids) -> set:
    """Return the ids among ``invoice_ids`` of invoices that a Mollie chargeback reopened."""
    return set(
        MolliePaymentLine.objects.filter(
            invoice_id__in=list(invoice_ids), mollie_payment__charged_back_at__isnull=False
        )
        .values_list("invoice_id", flat=True)
        .distinct()
    )


def payment_methods(amount: Decimal, currency: str, locale: str) -> list[PaymentMethodChoice]:
    """Return the methods the organisation enabled in Mollie for this amount, through the client's methods call.

    An unreachable Mollie returns an empty list, so the portal offers the
    choice on Mollie's checkout page instead of failing. A successful answer
    is cached for ``METHODS_CACHE_SECONDS``, so a page view rarely waits for Mollie.
    """
    params = {"amount[value]": format_amount(amount), "amount[currency]": currency, "locale": locale}
    cache_key = "mollie-methods:" + ":".join([settings.MOLLIE_API_ENDPOINT, *params.values()])
    cached = cache.get(cache_key)
    if cached is not None:
        return cached
    try:
        methods = mollie_client().methods.list(**params)
    except MollieError as error:
        logger.warning("Listing Mollie payment methods failed: %s", error)
        return []
    choices = [PaymentMethodChoice(id=method.id, description=method.description) for method in methods]
    cache.set(cache_key, choices, METHODS_CACHE_SECONDS)
    return choices
