"""Reads of the debtor portal: the link behind a token and the invoices shown to the debtor."""

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from debtors.models import Debtor
from dunning.selectors import AmountDue, amounts_due
from invoices.models import DocumentKind, Invoice, InvoiceStatus
from invoices.selectors import invoice_status, receivable_invoices
from payments.selectors import charged_back_invoice_ids
from payt.tenancy import lookup_key
from portal.models import Dispute, PaymentPromise, PortalLink, Question
from portal.tokens import hash_code, hash_token

logger = logging.getLogger(__name__)

# Settled documents are history; the page lists the most recent ones only.
SETTLED_LIST_LIMIT = 50
MESSAGE_LIST_LIMIT = 20

# Statuses the portal and dashboard show beside ``InvoiceStatus``.
CHARGED_BACK = "charged_back"
CANCELLED = "cancelled"
REPLACED = "replaced"
DISPLAY_STATUS_LABELS = {
    CHARGED_BACK: _("Charged back"),
    CANCELLED: _("Cancelled"),
    REPLACED: _("Replaced"),
}


def status_label(status: str) -> str:
    """Return the translated label of an invoice status or of a display-only status."""
    if status in DISPLAY_STATUS_LABELS:
        return str(DISPLAY_STATUS_LABELS[status])
    return InvoiceStatus(status).label if status in InvoiceStatus.values else status


def display_status(invoice: Invoice, today: dt.date, charged_back_ids: set) -> str:
    """Return the invoice's status, or cancelled, replaced or charged back where one applies."""
    if invoice.cancelled_at is not None:
        return REPLACED if invoice.replaced_by_id else CANCELLED
    status = invoice_status(invoice, today)
    if invoice.pk in charged_back_ids and invoice.open_amount > 0 and status != InvoiceStatus.DISPUTED:
        return CHARGED_BACK
    return status


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
    return link if _is_active(link) else None


def portal_link_for_code(code: str) -> PortalLink | None:
    """Return the active link whose short code is ``code`` (canonical form), or None.

    Two links sharing a code (a 50-bit collision) open neither, so a code
    never shows one debtor another's page.
    """
    code_hash = hash_code(code)
    with lookup_key("portal_code_hash", code_hash):
        links = list(PortalLink.objects_unscoped.select_related("organization").filter(code_hash=code_hash)[:2])
    active = [link for link in links if _is_active(link)]
    if len(active) != 1:
        if len(active) > 1:
            logger.error("Two active portal links share one short code; neither is opened")
        return None
    return active[0]


def _is_active(link: PortalLink | None) -> bool:
    if link is None or link.revoked_at is not None:
        return False
    return link.expires_at is None or link.expires_at > timezone.now()


@dataclass
class PortalInvoiceRow:
    """One invoice as the portal shows it, with its status for today."""

    invoice: Invoice
    status: str
    days_overdue: int
    due_today: bool
    due: AmountDue | None = None

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def is_payable(self) -> bool:
        return self.invoice.open_amount > 0 and self.status not in (
            InvoiceStatus.PAID,
            InvoiceStatus.CREDITED,
            CANCELLED,
            REPLACED,
        )

    @property
    def amount_due(self):
        return self.due.total if self.due is not None else self.invoice.open_amount


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
    documents = list(
        Invoice.objects.filter(debtor=debtor)
        .select_related("replaced_by")
        .defer("source_document", "replaced_by__source_document")
        .order_by("due_date", "number")
    )
    due = amounts_due(documents, today)
    charged_back = charged_back_invoice_ids(invoice.pk for invoice in documents)
    for invoice in documents:
        row = invoice_row(invoice, today, charged_back, due[invoice.pk])
        if invoice.is_credit:
            result.credit_notes.append(row)
        elif row.is_payable:
            result.to_pay.append(row)
            totals[invoice.currency] += row.amount_due
        else:
            result.settled.append(row)
    result.settled = sorted(result.settled, key=lambda row: row.invoice.issue_date, reverse=True)[
        :SETTLED_LIST_LIMIT
    ]
    result.open_totals = dict(sorted(totals.items()))
    return result


def invoice_row(invoice: Invoice, today: dt.date, charged_back_ids: set, due: AmountDue) -> PortalInvoiceRow:
    return PortalInvoiceRow(
        invoice=invoice,
        status=display_status(invoice, today, charged_back_ids),
        days_overdue=max((today - invoice.due_date).days, 0),
        due_today=invoice.due_date == today,
        due=due,
    )


def portal_invoice(debtor: Debtor, invoice_id, today: dt.date) -> PortalInvoiceRow | None:
    """Return one of the debtor's documents as a portal row, or None for any other id."""
    invoice = (
        Invoice.objects.filter(debtor=debtor, pk=invoice_id)
        .select_related("replaced_by")
        .defer("source_document")
        .first()
    )
    if invoice is None:
        return None
    due = amounts_due([invoice], today)[invoice.pk]
    return invoice_row(invoice, today, charged_back_invoice_ids([invoice.pk]), due)


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


@dataclass(frozen=True)
class DebtorMessage:
    """A question, dispute or promise of the debtor, with our answer, for the portal's message list."""

    kind: str
    created_at: dt.datetime
    subject: str
    text: str
    status_label: str
    answer: str
    record: object


def debtor_messages(debtor: Debtor) -> list[DebtorMessage]:
    """Return the debtor's newest questions, disputes and promises with their answers, newest first."""
    questions = Question.objects.filter(debtor=debtor).select_related("invoice").order_by("-created_at")
    disputes = Dispute.objects.filter(debtor=debtor).select_related("invoice").order_by("-created_at")
    promises = PaymentPromise.objects.filter(debtor=debtor).prefetch_related("lines__invoice").order_by("-created_at")
    messages = [
        *(_question_message(question) for question in questions[:MESSAGE_LIST_LIMIT]),
        *(_dispute_message(dispute) for dispute in disputes[:MESSAGE_LIST_LIMIT]),
        *(_promise_message(promise) for promise in promises[:MESSAGE_LIST_LIMIT]),
    ]
    return sorted(messages, key=lambda message: message.created_at, reverse=True)[:MESSAGE_LIST_LIMIT]


def _question_message(question: Question) -> DebtorMessage:
    subject = question.invoice.number if question.invoice else ""
    status = question.get_status_display()
    return DebtorMessage("question", question.created_at, subject, question.text, status, question.answer, question)


def _dispute_message(dispute: Dispute) -> DebtorMessage:
    status = dispute.get_outcome_display() if dispute.outcome else dispute.get_status_display()
    text = f"{dispute.get_category_display()}. {dispute.text}".strip()
    return DebtorMessage("dispute", dispute.created_at, dispute.invoice.number, text, status, dispute.answer, dispute)


def _promise_message(promise: PaymentPromise) -> DebtorMessage:
    numbers = ", ".join(line.invoice.number for line in promise.lines.all())
    return DebtorMessage(
        "promise", promise.created_at, numbers, promise.text, promise.get_status_display(), promise.answer, promise
    )
