"""Reads of the debtor portal: the link behind a token and the invoices shown to the debtor."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from debtors.models import Debtor
from invoices.models import DocumentKind, Invoice, InvoiceStatus
from invoices.selectors import invoice_status, receivable_invoices
from payt.tenancy import lookup_key
from portal.models import PortalLink, Question
from portal.tokens import hash_token

# Settled documents are history; the page lists the most recent ones only.
SETTLED_LIST_LIMIT = 50


def portal_link_for_token(token: str) -> PortalLink | None:
    """Return the active link whose token is ``token``, or None.

    Unknown, revoked and expired tokens all return None, so callers cannot
    tell them apart and neither can a visitor guessing tokens.
    """
    token_hash = hash_token(token)
    with lookup_key("portal_token_hash", token_hash):
        link = (
            PortalLink.objects_unscoped.select_related("organization")
            .filter(token_hash=token_hash)
            .first()
        )
    if link is None or link.revoked_at is not None:
        return None
    if link.expires_at is not None and link.expires_at <= timezone.now():
        return None
    return link


@dataclass
class PortalInvoiceRow:
    """One invoice as the portal shows it, with its status for today."""

    invoice: Invoice
    status: str
    days_overdue: int
    due_today: bool

    @property
    def status_label(self) -> str:
        return InvoiceStatus(self.status).label

    @property
    def is_payable(self) -> bool:
        return self.invoice.open_amount > 0 and self.status not in (
            InvoiceStatus.PAID,
            InvoiceStatus.CREDITED,
        )


@dataclass
class PortalInvoices:
    """The debtor's invoices split into those to pay and those settled, with totals per currency."""

    to_pay: list[PortalInvoiceRow] = field(default_factory=list)
    settled: list[PortalInvoiceRow] = field(default_factory=list)
    credit_notes: list[PortalInvoiceRow] = field(default_factory=list)
    open_totals: dict[str, Decimal] = field(default_factory=dict)

    @property
    def to_pay_count(self) -> int:
        return len(self.to_pay)


def portal_invoices(debtor: Debtor, today: dt.date) -> PortalInvoices:
    """Return the debtor's documents for the portal page, read in one query.

    A fully credited invoice has open amount 0 and status "credited", so it
    lands in ``settled``: it is neither counted nor offered as one to pay.
    """
    result = PortalInvoices()
    totals: dict[str, Decimal] = defaultdict(Decimal)
    # The original document can be large and the page never shows it.
    documents = (
        Invoice.objects.filter(debtor=debtor)
        .defer("source_document")
        .order_by("due_date", "number")
    )
    for invoice in documents:
        row = PortalInvoiceRow(
            invoice=invoice,
            status=invoice_status(invoice, today),
            days_overdue=max((today - invoice.due_date).days, 0),
            due_today=invoice.due_date == today,
        )
        if invoice.is_credit:
            result.credit_notes.append(row)
        elif row.is_payable:
            result.to_pay.append(row)
            totals[invoice.currency] += invoice.open_amount
        else:
            result.settled.append(row)
    result.settled = sorted(result.settled, key=lambda row: row.invoice.issue_date, reverse=True)[
        :SETTLED_LIST_LIMIT
    ]
    result.open_totals = dict(sorted(totals.items()))
    return result


def payable_invoices(debtor: Debtor) -> QuerySet[Invoice]:
    """Return the invoices of this debtor that can still be paid: the pay form's only choices."""
    return receivable_invoices(Invoice.objects.filter(debtor=debtor, kind=DocumentKind.INVOICE))


def debtor_invoices(debtor: Debtor) -> QuerySet[Invoice]:
    """Return every document of this debtor, the choices of the question form and PDF links."""
    return Invoice.objects.filter(debtor=debtor)


def debtor_questions(debtor: Debtor) -> list[Question]:
    return list(
        Question.objects.filter(debtor=debtor)
        .select_related("invoice")
        .order_by("-created_at")[:20]
    )
