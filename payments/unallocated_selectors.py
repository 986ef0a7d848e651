"""Reads of payment money that no invoice holds: Mollie surpluses and unmatched bank money.

A payment's unallocated amount is its amount minus what went back to the
payer (``reversed_amount``) minus its allocations. It is above zero when a
debtor paid an invoice twice, paid more than was open, or paid an invoice
that was settled or cancelled in the meantime.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from debtors.models import Debtor
from invoices.models import Allocation, Invoice, Payment
from invoices.selectors import receivable_invoices
from payments.models import PENDING_REFUNDS, MollieRefund
from payt.models import Organization
from payt.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, ZERO

UNALLOCATED_PAGE_LIMIT = 200


@dataclass
class UnallocatedPayment:
    """A payment with money left, the debtor's open invoices it can go to, and what Mollie can refund."""

    payment: Payment
    unallocated: Decimal
    open_invoices: list[Invoice] = field(default_factory=list)
    # Money of a Mollie payment that a refund can still return: the unallocated
    # amount minus refunds requested but not yet reported, capped at what Mollie
    # still counts as refundable. Zero for bank and other payments.
    refundable: Decimal = ZERO
    refund_pending: Decimal = ZERO

    @property
    def allocatable(self) -> Decimal:
        """Unallocated money that no requested refund holds."""
        return max(self.unallocated - self.refund_pending, ZERO)


def _with_unallocated(organization: Organization, payments: QuerySet[Payment]) -> QuerySet[Payment]:
    money = DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES)
    allocated = (
        Allocation.objects.for_organization(organization)
        .filter(payment=OuterRef("pk"))
        .values("payment")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return payments.annotate(
        unallocated=F("amount") - F("reversed_amount") - Coalesce(Subquery(allocated), Value(ZERO), output_field=money)
    ).filter(unallocated__gt=0)


def unallocated_payments(organization: Organization, debtor: Debtor | None = None) -> list[UnallocatedPayment]:
    """Return the organisation's payments with unallocated money, newest first, at most 200.

    Four queries whatever the number of rows: payments, open invoices of
    their debtors, Mollie refunds still on their way.
    """
    payments = Payment.objects.for_organization(organization).select_related("debtor", "mollie_payment")
    if debtor is not None:
        payments = payments.filter(debtor=debtor)
    newest = _with_unallocated(organization, payments).order_by("-payment_date", "-created_at")
    rows = [
        UnallocatedPayment(payment=payment, unallocated=payment.unallocated)
        for payment in newest[:UNALLOCATED_PAGE_LIMIT]
    ]
    _add_open_invoices(organization, rows)
    _add_refundable(organization, rows)
    return rows


def unallocated_total(organization: Organization, debtor: Debtor) -> list[tuple[str, Decimal]]:
    """Return the debtor's unallocated payment money per currency, as (currency, amount) pairs."""
    payments = _with_unallocated(organization, Payment.objects.for_organization(organization).filter(debtor=debtor))
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for currency, amount in payments.values_list("currency", "unallocated"):
        totals[currency] += amount
    return sorted(totals.items())


def unallocated_payment_in_organization(organization: Organization, payment_id) -> UnallocatedPayment | None:
    """Return one payment of the organisation with its unallocated money, or None when it has none."""
    payments = Payment.objects.for_organization(organization).select_related("debtor", "mollie_payment")
    payment = _with_unallocated(organization, payments).filter(pk=payment_id).first()
    if payment is None:
        return None
    row = UnallocatedPayment(payment=payment, unallocated=payment.unallocated)
    _add_refundable(organization, [row])
    return row


def _add_open_invoices(organization: Organization, rows: list[UnallocatedPayment]) -> None:
    debtor_ids = {row.payment.debtor_id for row in rows if row.payment.debtor_id is not None}
    if not debtor_ids:
        return
    invoices = receivable_invoices(Invoice.objects.for_organization(organization)).filter(debtor_id__in=debtor_ids)
    by_debtor: dict[tuple, list[Invoice]] = defaultdict(list)
    for invoice in invoices.order_by("due_date", "number"):
        by_debtor[(invoice.debtor_id, invoice.currency)].append(invoice)
    for row in rows:
        row.open_invoices = by_debtor.get((row.payment.debtor_id, row.payment.currency), [])


def _add_refundable(organization: Organization, rows: list[UnallocatedPayment]) -> None:
    mollie_payments = {row.payment.pk: getattr(row.payment, "mollie_payment", None) for row in rows}
    mollie_ids = [mollie_payment.pk for mollie_payment in mollie_payments.values() if mollie_payment is not None]
    if not mollie_ids:
        return
    # A refund paired with a credit note is taken off the invoices, not off the
    # unallocated money. So it keeps none of this row's money back, but it still
    # lowers what Mollie can refund.
    pending = {
        mollie_payment_id: (reserved or ZERO, total or ZERO)
        for mollie_payment_id, reserved, total in MollieRefund.objects.for_organization(organization)
        .filter(PENDING_REFUNDS, mollie_payment_id__in=mollie_ids)
        .values("mollie_payment_id")
        .annotate(reserved=Sum("amount", filter=Q(credit_note__isnull=True)), total=Sum("amount"))
        .values_list("mollie_payment_id", "reserved", "total")
    }
    for row in rows:
        mollie_payment = mollie_payments[row.payment.pk]
        if mollie_payment is None:
            continue
        reserved, total = pending.get(mollie_payment.pk, (ZERO, ZERO))
        row.refund_pending = reserved
        refundable_at_mollie = mollie_payment.refundable_amount - total
        row.refundable = max(min(row.unallocated - reserved, refundable_at_mollie), ZERO)


def refunds_pending_for_payment(payment: Payment) -> Decimal:
    """Return the unallocated money of a payment that requested Mollie refunds will take but have not taken yet.

    Refunds paired with a credit note are left out, because they are taken off
    the invoices. Zero for a payment that did not come from Mollie.
    """
    return (
        MollieRefund.objects.for_organization(payment.organization_id)
        .filter(PENDING_REFUNDS, mollie_payment__payment_id=payment.pk, credit_note__isnull=True)
        .aggregate(total=Sum("amount"))["total"]
        or ZERO
    )
