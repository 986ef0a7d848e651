"""Reads of invoices: status, filters, balances."""

import datetime as dt
from decimal import Decimal

from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from invoices.models import DocumentKind, Invoice, InvoiceStatus, SettlementStatus
from payt.money import ZERO


def invoice_status(invoice: Invoice, today: dt.date) -> str:
    """Return the displayed status: settlement status plus overdue and disputed."""
    if invoice.is_credit:
        return SettlementStatus.PAID if invoice.open_amount == 0 else SettlementStatus.OPEN
    if invoice.settlement_status in (SettlementStatus.PAID, SettlementStatus.CREDITED):
        return invoice.settlement_status
    if invoice.disputed_at is not None:
        return InvoiceStatus.DISPUTED
    if invoice.settlement_status == SettlementStatus.PARTIALLY_PAID:
        return InvoiceStatus.PARTIALLY_PAID
    if invoice.due_date < today:
        return InvoiceStatus.OVERDUE
    return InvoiceStatus.OPEN


def status_condition(status: str, today: dt.date) -> Q:
    """Return the filter that selects invoices whose ``invoice_status`` is ``status``."""
    receivable = Q(kind=DocumentKind.INVOICE, total_amount__gt=0)
    unsettled = receivable & Q(settlement_status__in=[SettlementStatus.OPEN, SettlementStatus.PARTIALLY_PAID])
    conditions = {
        InvoiceStatus.PAID: receivable & Q(settlement_status=SettlementStatus.PAID),
        InvoiceStatus.CREDITED: receivable & Q(settlement_status=SettlementStatus.CREDITED),
        InvoiceStatus.DISPUTED: unsettled & Q(disputed_at__isnull=False),
        InvoiceStatus.PARTIALLY_PAID: unsettled
        & Q(disputed_at__isnull=True, settlement_status=SettlementStatus.PARTIALLY_PAID),
        InvoiceStatus.OVERDUE: unsettled
        & Q(disputed_at__isnull=True, settlement_status=SettlementStatus.OPEN, due_date__lt=today),
        InvoiceStatus.OPEN: unsettled
        & Q(disputed_at__isnull=True, settlement_status=SettlementStatus.OPEN, due_date__gte=today),
    }
    return conditions[status]


def receivable_invoices(queryset: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Invoices that still ask for money (not credit documents, open amount above zero)."""
    return queryset.filter(kind=DocumentKind.INVOICE, total_amount__gt=0, open_amount__gt=0)


def unallocated_credit(queryset: QuerySet[Invoice]) -> Decimal:
    """Sum of credit documents not yet allocated to an invoice."""
    credits = queryset.filter(Q(kind=DocumentKind.CREDIT_NOTE) | Q(total_amount__lt=0))
    return credits.aggregate(total=Sum("open_amount"))["total"] or ZERO


def debtor_net_balance(debtor, currency: str | None = None) -> Decimal:
    """Open receivables minus unallocated credit notes and unallocated payments of one debtor."""
    from invoices.models import Payment

    invoices = Invoice.objects.filter(debtor=debtor)
    payments = Payment.objects.filter(debtor=debtor)
    if currency:
        invoices = invoices.filter(currency=currency)
        payments = payments.filter(currency=currency)
    owed = receivable_invoices(invoices).aggregate(total=Sum("open_amount"))["total"] or ZERO
    paid = payments.aggregate(total=Sum(F("amount") - F("reversed_amount")))["total"] or ZERO
    allocated = Payment.objects.filter(pk__in=payments.values("pk")).aggregate(
        total=Sum("allocations__amount")
    )["total"] or ZERO
    return owed - unallocated_credit(invoices) - (paid - allocated)


def get_invoice_in_organization(invoice_id, organization) -> Invoice:
    return Invoice.objects.for_organization(organization).select_related("debtor").get(pk=invoice_id)


def credits_to_allocate(organization) -> list[tuple[Invoice, list[Invoice]]]:
    """Return each credit document with credit left whose debtor has open invoices in its currency.

    The pairs feed the "allocate credit" worklist: (credit document, the
    debtor's open invoices oldest due first).
    """
    documents = Invoice.objects.for_organization(organization)
    credits = documents.filter(Q(kind=DocumentKind.CREDIT_NOTE) | Q(total_amount__lt=0), open_amount__gt=0)
    rows = []
    for credit in credits.select_related("debtor").order_by("debtor__name", "issue_date"):
        invoices = receivable_invoices(documents).filter(debtor=credit.debtor, currency=credit.currency)
        open_invoices = list(invoices.order_by("due_date", "number"))
        if open_invoices:
            rows.append((credit, open_invoices))
    return rows


def net_balances(organization, debtor_ids) -> dict[tuple, Decimal]:
    """Return {(debtor id, currency): net balance} for many debtors in three grouped queries.

    The same figure as ``debtor_net_balance``: open receivables minus
    unallocated credit notes and unallocated payments.
    """
    from invoices.models import Allocation, Payment

    balances: dict[tuple, Decimal] = {}
    documents = Invoice.objects.for_organization(organization).filter(debtor_id__in=debtor_ids)
    owed = receivable_invoices(documents).values("debtor_id", "currency").annotate(total=Sum("open_amount"))
    for row in owed:
        key = (row["debtor_id"], row["currency"])
        balances[key] = balances.get(key, ZERO) + row["total"]

    credits = documents.filter(Q(kind=DocumentKind.CREDIT_NOTE) | Q(total_amount__lt=0))
    for row in credits.values("debtor_id", "currency").annotate(total=Sum("open_amount")):
        key = (row["debtor_id"], row["currency"])
        balances[key] = balances.get(key, ZERO) - row["total"]

    allocated = (
        Allocation.objects.filter(payment=OuterRef("pk"))
        .values("payment")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    payments = (
        Payment.objects.for_organization(organization)
        .filter(debtor_id__in=debtor_ids)
        .annotate(unallocated=F("amount") - F("reversed_amount") - Coalesce(Subquery(allocated), ZERO))
        .values("debtor_id", "currency")
        .annotate(total=Sum("unallocated"))
    )
    for row in payments:
        key = (row["debtor_id"], row["currency"])
        balances[key] = balances.get(key, ZERO) - row["total"]
    return balances
