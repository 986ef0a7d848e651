"""Reads of bank statements and entries, and the open invoices that entries are matched against."""

import uuid

from django.db.models import Count, Prefetch, Q, QuerySet

from debtors.models import Debtor
from invoices.models import DocumentKind, Invoice, Payment
from payments.bank_matching import OpenInvoice, OpenInvoiceIndex
from payments.models import BankEntryStatus, BankEntrySuggestion, BankStatement, BankStatementEntry
from payt.models import Organization

# Reversals without an identifiable original offer at most this many payments to choose from.
REVERSAL_CANDIDATE_LIMIT = 20
# Order of the waiting entries. The id makes the order total, so an entry's place in it is fixed.
WAITING_ORDER = ("booking_date", "statement__created_at", "sequence", "id")


def open_invoice_index(organization: Organization) -> OpenInvoiceIndex:
    """Load the organisation's open invoices and payer accounts for one import."""
    rows = (
        Invoice.objects.for_organization(organization)
        .filter(kind=DocumentKind.INVOICE, total_amount__gt=0, open_amount__gt=0, cancelled_at__isnull=True)
        .values_list("id", "number", "debtor_id", "currency", "open_amount", "due_date", "payment_reference")
    )
    invoices = [OpenInvoice(*row) for row in rows]
    debtor_ibans: dict[str, list[uuid.UUID]] = {}
    for debtor_id, iban in Debtor.objects.for_organization(organization).exclude(iban="").values_list("id", "iban"):
        debtor_ibans.setdefault(iban, []).append(debtor_id)
    debtor_ids = {invoice.debtor_id for invoice in invoices}
    debtor_names = dict(
        Debtor.objects.for_organization(organization).filter(pk__in=debtor_ids).values_list("id", "name")
    )
    return OpenInvoiceIndex(invoices=invoices, debtor_ibans=debtor_ibans, debtor_names=debtor_names)


def statement_by_message_or_content(
    organization: Organization, *, account_iban: str, message_id: str, content_sha256: str
) -> BankStatement | None:
    """Return the statement imported earlier for this account with this message id, or with these exact bytes.

    A bank numbers its messages per account, so another account's statement
    may carry the same message id.
    """
    statements = BankStatement.objects.for_organization(organization).defer("content")
    return (
        statements.filter(account_iban=account_iban, message_id=message_id).first()
        or statements.filter(content_sha256=content_sha256).first()
    )


def statements_of(organization: Organization) -> QuerySet[BankStatement]:
    """Return the organisation's statements, newest first, without their file content."""
    return (
        BankStatement.objects.for_organization(organization)
        .defer("content")
        .select_related("imported_by")
        .order_by("-created_at", "id")
    )


def get_statement_in_organization(statement_id, organization: Organization) -> BankStatement | None:
    try:
        statement_id = uuid.UUID(str(statement_id))
    except ValueError:
        return None
    return statements_of(organization).filter(pk=statement_id).first()


def entries_of(organization: Organization) -> QuerySet[BankStatementEntry]:
    """Return entries with what the pages and the API show of them, in file order."""
    suggestions = BankEntrySuggestion.objects.for_organization(organization).select_related("invoice")
    return (
        BankStatementEntry.objects.for_organization(organization)
        .select_related("statement", "payment", "reversed_payment", "decided_by")
        .defer("statement__content")
        .prefetch_related(Prefetch("suggestions", queryset=suggestions.order_by("rank")))
        .order_by("statement__created_at", "statement_id", "sequence")
    )


def get_entry_in_organization(entry_id, organization: Organization) -> BankStatementEntry | None:
    try:
        entry_id = uuid.UUID(str(entry_id))
    except ValueError:
        return None
    return entries_of(organization).filter(pk=entry_id).first()


def entries_waiting(organization: Organization) -> QuerySet[BankStatementEntry]:
    """Return the entries a person must decide on, oldest booking first."""
    return entries_of(organization).filter(status=BankEntryStatus.REVIEW).order_by(*WAITING_ORDER)


def waiting_index(organization: Organization, entry: BankStatementEntry) -> int | None:
    """Return the entry's 0-based place in ``entries_waiting``, or None when it no longer waits for review."""
    counts = entries_waiting(organization).aggregate(
        found=Count("pk", filter=Q(pk=entry.pk)), before=Count("pk", filter=_ordered_before(entry))
    )
    return counts["before"] if counts["found"] else None


def _ordered_before(entry: BankStatementEntry) -> Q:
    """Match the entries that ``WAITING_ORDER`` puts before ``entry``; PostgreSQL sorts NULL last."""
    values = {
        "booking_date": entry.booking_date,
        "statement__created_at": entry.statement.created_at,
        "sequence": entry.sequence,
        "id": entry.pk,
    }
    before = Q(pk__in=[])
    same_so_far = Q()
    for name in WAITING_ORDER:
        value = values[name]
        if value is None:
            earlier, equal = Q(**{f"{name}__isnull": False}), Q(**{f"{name}__isnull": True})
        else:
            earlier, equal = Q(**{f"{name}__lt": value}), Q(**{name: value})
        before |= same_so_far & earlier
        same_so_far &= equal
    return before


def waiting_count(organization: Organization) -> int:
    return BankStatementEntry.objects.for_organization(organization).filter(status=BankEntryStatus.REVIEW).count()


def original_payment_of(entry: BankStatementEntry) -> Payment | None:
    """Return the payment a reversal undoes, found by the end-to-end id of its original credit.

    The original is a credit entry applied from an earlier statement, or a
    payment recorded through the API with the end-to-end id as its external id.
    """
    # TODO: a return without end-to-end id (some MT940 banks) could be found by mandate id and
    # amount; until then it waits on the reconciliation page for a person to pick the payment.
    if not entry.end_to_end_id:
        return None
    original = (
        BankStatementEntry.objects.for_organization(entry.organization_id)
        .filter(
            end_to_end_id=entry.end_to_end_id,
            credit_debit="CRDT",
            is_reversal=False,
            payment__isnull=False,
            currency=entry.currency,
        )
        .exclude(pk=entry.pk)
        .select_related("payment")
        .order_by("-booking_date")
        .first()
    )
    if original is not None:
        return original.payment
    return (
        Payment.objects.for_organization(entry.organization_id)
        .filter(external_id=entry.end_to_end_id, currency=entry.currency)
        .order_by("-payment_date")
        .first()
    )


def reversal_candidates(entry: BankStatementEntry) -> list[Payment]:
    """Return payments a person may pick as the original of a reversal: same amount and currency."""
    payments = (
        Payment.objects.for_organization(entry.organization_id)
        .filter(amount=entry.amount, currency=entry.currency, reversed_amount=0)
        .select_related("debtor")
        .order_by("-payment_date", "-created_at")
    )
    return list(payments[:REVERSAL_CANDIDATE_LIMIT])


def bank_references_imported_before(statement: BankStatement, references: list[str]) -> set[str]:
    """Return which of these bank references entries of other statements already carry."""
    wanted = {reference for reference in references if reference}
    if not wanted:
        return set()
    return set(
        BankStatementEntry.objects.for_organization(statement.organization_id)
        .filter(bank_reference__in=wanted)
        .exclude(statement=statement)
        .values_list("bank_reference", flat=True)
    )


def earlier_copy_of(entry: BankStatementEntry) -> BankStatementEntry | None:
    """Return the same booking imported from another file, recognised by the bank's own reference.

    Banks that send both CAMT.054 notifications and CAMT.053 statements report
    each booking twice. Without a bank reference an entry is never taken for a
    copy, because two equal payments on one day are common.
    """
    if not entry.bank_reference:
        return None
    return (
        BankStatementEntry.objects.for_organization(entry.organization_id)
        .filter(
            bank_reference=entry.bank_reference,
            amount=entry.amount,
            currency=entry.currency,
            credit_debit=entry.credit_debit,
            end_to_end_id=entry.end_to_end_id,
            structured_reference=entry.structured_reference,
            counterparty_iban=entry.counterparty_iban,
            statement__account_iban=entry.statement.account_iban,
        )
        .exclude(statement_id=entry.statement_id)
        .exclude(status=BankEntryStatus.DUPLICATE)
        .select_related("statement")
        .first()
    )
