"""Writes of bank statements: import a file, apply what matches, and the decisions of a person.

``bank_statement_import`` reads a CAMT.053, CAMT.054 or MT940 file, stores its
entries and settles each one in the same transaction:

- a credit whose match is confident (see ``payments.bank_matching``) becomes
  a bank ``Payment`` allocated through ``invoices.services.payment_register``;
- a reversal or returned direct debit reverses the payment of the credit it
  undoes, found by end-to-end id, through ``payment_reverse``;
- debits, pending entries and copies of bookings imported before are stored
  and left alone;
- everything else waits for a person on the reconciliation page, who confirms
  or splits it with ``bank_entry_confirm``, picks the original of a reversal
  with ``bank_entry_reverse``, or sets it aside with ``bank_entry_dismiss``.
"""

import hashlib
import logging
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status as http_status

from debtors.models import TimelineKind
from debtors.services import debtor_iban_remember, timeline_record
from invoices.models import Invoice, Payment, PaymentSource
from invoices.services import payment_allocate, payment_register, payment_reverse
from payments.bank_files import BankFileError, ParsedBankFile, ParsedEntry, same_bookings
from payments.bank_matching import MatchResult, OpenInvoiceIndex, match_credit
from payments.bank_reader import parse_bank_file
from payments.bank_selectors import (
    bank_references_imported_before,
    earlier_copy_of,
    open_invoice_index,
    original_payment_of,
    statement_by_message_or_content,
)
from payments.models import (
    BankEntryNote,
    BankEntryStatus,
    BankEntrySuggestion,
    BankStatement,
    BankStatementEntry,
    MatchMethod,
)
from payt.api_errors import DomainError
from payt.models import Organization
from payt.money import ZERO, format_amount, to_money
from payt.services import audit_record

logger = logging.getLogger(__name__)

BOOKED = "BOOK"
PAYMENT_REFERENCE_MAX_LENGTH = 140
FILE_NAME_MAX_LENGTH = 255
UTC_ZONE = zoneinfo.ZoneInfo("UTC")


@dataclass
class ImportResult:
    """The statement a file produced, or the one imported before from the same file."""

    statement: BankStatement
    created: bool
    counts: dict[str, int] = field(default_factory=dict)


# --- Import ---------------------------------------------------------------------------


@transaction.atomic
def bank_statement_import(
    *,
    organization: Organization,
    content: bytes,
    file_name: str = "",
    user: User | None = None,
    time_zone: zoneinfo.ZoneInfo = UTC_ZONE,
) -> ImportResult:
    """Import a bank file once and settle its entries; return the statement and whether it is new.

    A file imported before (the same bytes, or the same account and message id
    with the same entries) changes nothing and returns the earlier statement
    with ``created`` False. A file that reuses the message id of an earlier
    import for the same account with other entries raises DomainError
    (``conflict``, 409), because banks give a corrected statement a new
    message id. Another account's statement may reuse the message id. A file that cannot be read
    raises DomainError naming what is wrong. Entries that cannot be read are
    listed in ``rejected_entries``, and the others are kept. Error messages
    give times in ``time_zone`` and name it.
    """
    parsed = _parse_or_reject(content)
    digest = hashlib.sha256(content).hexdigest()
    _lock_imports(organization)

    existing = statement_by_message_or_content(
        organization, account_iban=parsed.account_iban, message_id=parsed.message_id, content_sha256=digest
    )
    if existing is not None and not _same_file(existing, parsed, digest):
        logger.warning(
            "Bank file %s rejected: statement %s has the same message id and other content",
            parsed.message_id,
            existing.pk,
        )
        raise _message_id_conflict(existing, time_zone)
    if existing is not None:
        logger.info("Bank file %s was imported before as statement %s", parsed.message_id, existing.pk)
        return ImportResult(existing, False, entry_counts(existing))

    statement = BankStatement.objects.create(
        organization=organization,
        file_format=parsed.file_format,
        file_name=file_name[:FILE_NAME_MAX_LENGTH],
        message_id=parsed.message_id,
        content_sha256=digest,
        content=content,
        account_iban=parsed.account_iban,
        created_at_bank=parsed.created_at,
        entry_count=len(parsed.entries),
        rejected_entries=[rejected.as_dict() for rejected in parsed.rejected],
        imported_by=user,
    )
    entries = _store_entries(statement, parsed)
    index = open_invoice_index(organization)
    known_references = bank_references_imported_before(statement, [entry.bank_reference for entry in entries])
    for entry in entries:
        _settle_entry(organization, entry, index, known_references)

    counts = entry_counts(statement)
    logger.info(
        "Imported bank statement %s (%s, %s) for organization %s: %s, %d rejected",
        statement.pk,
        parsed.file_format,
        parsed.message_id,
        organization.pk,
        counts,
        len(parsed.rejected),
    )
    return ImportResult(statement, True, counts)


def entry_counts(statement: BankStatement) -> dict[str, int]:
    """Return the number of entries of the statement per status."""
    counts = dict.fromkeys(BankEntryStatus.values, 0)
    for status in BankStatementEntry.objects.for_organization(statement.organization_id).filter(
        statement=statement
    ).values_list("status", flat=True):
        counts[status] += 1
    return counts


def _parse_or_reject(content: bytes) -> ParsedBankFile:
    try:
        return parse_bank_file(content)
    except BankFileError as error:
        too_large = error.code == "too_large"
        status_code = http_status.HTTP_413_REQUEST_ENTITY_TOO_LARGE if too_large else http_status.HTTP_400_BAD_REQUEST
        raise DomainError(error.message, code=error.code, field="file", status_code=status_code) from None


def _same_file(earlier: BankStatement, parsed: ParsedBankFile, digest: str) -> bool:
    if earlier.content_sha256 == digest:
        return True
    content = BankStatement.objects.for_organization(earlier.organization_id).values_list("content", flat=True).get(
        pk=earlier.pk
    )
    try:
        earlier_parsed = parse_bank_file(bytes(content))
    except BankFileError:
        # The reader no longer accepts the earlier file, so its entries cannot be compared.
        return False
    return same_bookings(earlier_parsed, parsed)


def _message_id_conflict(earlier: BankStatement, time_zone: zoneinfo.ZoneInfo) -> DomainError:
    values = {
        "message_id": earlier.message_id,
        "date": earlier.created_at.astimezone(time_zone).strftime("%Y-%m-%d %H:%M"),
        "time_zone": time_zone.key,
        "file_name": earlier.file_name,
    }
    if earlier.file_name:
        message = _(
            "Message id %(message_id)s was already imported on %(date)s (%(time_zone)s) from file %(file_name)s, "
            "with other content; nothing was imported. A corrected statement needs a new message id: "
            "export it again from your bank."
        )
    else:
        message = _(
            "Message id %(message_id)s was already imported on %(date)s (%(time_zone)s), with other content; "
            "nothing was imported. A corrected statement needs a new message id: export it again from your bank."
        )
    return DomainError(message % values, code="conflict", field="file", status_code=http_status.HTTP_409_CONFLICT)


def _lock_imports(organization: Organization) -> None:
    # One import per organisation at a time, so the same file uploaded twice at
    # once is stored once and matching starts from the allocations of the import before.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"bank-import:{organization.pk}"])


def _store_entries(statement: BankStatement, parsed: ParsedBankFile) -> list[BankStatementEntry]:
    entries = [
        BankStatementEntry(
            organization_id=statement.organization_id,
            statement=statement,
            sequence=sequence,
            status=BankEntryStatus.REVIEW,
            **_entry_fields(parsed_entry),
        )
        for sequence, parsed_entry in enumerate(parsed.entries, start=1)
    ]
    return BankStatementEntry.objects.bulk_create(entries)


def _entry_fields(entry: ParsedEntry) -> dict:
    fields = vars(entry).copy()
    for name in ("structured_reference", "end_to_end_id", "mandate_id", "bank_reference", "counterparty_name"):
        fields[name] = fields[name][:140]
    fields["booking_status"] = fields["booking_status"][:10]
    fields["reference_type"] = fields["reference_type"][:35]
    return fields


# --- Settling one entry ---------------------------------------------------------------


def _settle_entry(
    organization: Organization, entry: BankStatementEntry, index: OpenInvoiceIndex, known_references: set[str]
) -> None:
    if entry.booking_status and entry.booking_status != BOOKED:
        _finish(entry, BankEntryStatus.IGNORED, BankEntryNote.NOT_BOOKED)
    elif entry.bank_reference in known_references and earlier_copy_of(entry) is not None:
        _finish(entry, BankEntryStatus.DUPLICATE, BankEntryNote.DUPLICATE)
    elif entry.is_reversal and not entry.is_credit:
        _settle_reversal(entry)
    elif not entry.is_credit:
        _finish(entry, BankEntryStatus.IGNORED, BankEntryNote.DEBIT)
    elif entry.is_reversal:
        _finish(entry, BankEntryStatus.IGNORED, BankEntryNote.DEBIT_REVERSAL)
    elif entry.return_reason:
        _finish(entry, BankEntryStatus.IGNORED, BankEntryNote.OWN_PAYMENT_RETURNED)
    else:
        _settle_credit(organization, entry, index)


def _settle_credit(organization: Organization, entry: BankStatementEntry, index: OpenInvoiceIndex) -> None:
    result = match_credit(entry, index)
    entry.match_method = result.method
    entry.match_confidence = result.confidence
    _store_suggestions(entry, result)

    if not result.is_confident:
        _finish(entry, BankEntryStatus.REVIEW, BankEntryNote.UNSURE if result.allocations else BankEntryNote.NO_MATCH)
        return
    invoice_ids = [invoice.id for invoice, _amount in result.allocations]
    try:
        # A savepoint, so a failed allocation leaves the entry for a person and the import goes on.
        with transaction.atomic():
            invoices = list(Invoice.objects.for_organization(organization).filter(pk__in=invoice_ids))
            payment = _register_payment(organization, entry, invoices)
    except DomainError as error:
        logger.warning("Bank entry %s matched but could not be applied: %s", entry.pk, error.message)
        _finish(entry, BankEntryStatus.REVIEW, BankEntryNote.APPLY_FAILED)
        return

    index.consume(result.allocations)
    entry.payment = payment
    _finish(entry, BankEntryStatus.APPLIED)
    if result.method in (MatchMethod.REFERENCE, MatchMethod.INVOICE_NUMBER) and payment.debtor is not None:
        debtor_iban_remember(debtor=payment.debtor, iban=entry.counterparty_iban)


def _settle_reversal(entry: BankStatementEntry) -> None:
    payment = original_payment_of(entry)
    if payment is None:
        _finish(entry, BankEntryStatus.REVIEW, BankEntryNote.ORIGINAL_NOT_FOUND)
        return
    entry.match_method = MatchMethod.ORIGINAL_PAYMENT
    entry.match_confidence = 100
    _reverse_payment(entry, payment)


def _reverse_payment(entry: BankStatementEntry, payment: Payment) -> None:
    payment = Payment.objects.for_organization(entry.organization_id).select_for_update().get(pk=payment.pk)
    entry.reversed_payment = payment
    if payment.amount - payment.reversed_amount <= 0:
        _finish(entry, BankEntryStatus.REVIEW, BankEntryNote.ALREADY_REVERSED)
        return

    reason = entry.return_reason or "reversal"
    released = payment_reverse(payment=payment, amount=entry.amount, reason=f"Bank return {reason}, entry {entry.pk}")
    _finish(entry, BankEntryStatus.REVERSED)
    if payment.debtor is not None:
        money = f"{entry.currency} {format_amount(entry.amount)}"
        timeline_record(
            debtor=payment.debtor,
            kind=TimelineKind.PAYMENT,
            summary=f"Payment returned by the bank: {money} ({reason}). The invoices are open again.",
            data={
                "event": "bank_return",
                "amount": format_amount(entry.amount),
                "currency": entry.currency,
                "reason": reason,
                "released": format_amount(released),
                "payment_id": str(payment.pk),
            },
        )


def _register_payment(
    organization: Organization, entry: BankStatementEntry, invoices: list[Invoice], debtor=None
) -> Payment:
    payment, _created = payment_register(
        organization=organization,
        debtor=debtor,
        amount=entry.amount,
        payment_date=entry.booking_date or entry.value_date,
        currency=entry.currency,
        invoices=invoices,
        source=PaymentSource.BANK,
        reference=(entry.structured_reference or entry.remittance_text)[:PAYMENT_REFERENCE_MAX_LENGTH],
        external_id=str(entry.pk),
    )
    return payment


def _store_suggestions(entry: BankStatementEntry, result: MatchResult) -> None:
    BankEntrySuggestion.objects.bulk_create(
        BankEntrySuggestion(
            organization_id=entry.organization_id,
            entry=entry,
            invoice_id=invoice.id,
            amount=amount,
            rank=rank,
        )
        for rank, (invoice, amount) in enumerate(result.allocations)
    )


def _finish(entry: BankStatementEntry, status: str, note: str = BankEntryNote.NONE) -> None:
    entry.status = status
    entry.note = note
    entry.save(
        update_fields=["status", "note", "match_method", "match_confidence", "payment", "reversed_payment"]
    )


# --- Decisions of a person ------------------------------------------------------------


@transaction.atomic
def bank_entry_confirm(
    *, entry: BankStatementEntry, allocations: list[tuple[Invoice, Decimal]], user: User | None
) -> BankStatementEntry:
    """Apply a waiting credit to the invoices and amounts a person chose, and mark it confirmed.

    The amounts may add up to less than the credit; the rest stays unallocated
    on the first invoice's debtor. Raises DomainError when the entry was
    decided already, is not a credit, or an amount does not fit.
    """
    entry = _claim_waiting(entry)
    if not entry.is_credit or entry.is_reversal:
        raise DomainError(
            _("Entry %(position)s is not a payment received; pick the original payment of a reversal instead.")
            % {"position": entry.position},
            code="not_a_credit",
            field="entry",
        )
    _check_allocations(entry, allocations)

    organization = entry.statement.organization
    debtor = allocations[0][0].debtor
    payment = _register_payment(organization, entry, [], debtor=debtor)
    for invoice, amount in allocations:
        payment_allocate(payment=payment, invoice=invoice, amount=amount)

    suggested = {suggestion.invoice_id for suggestion in entry.suggestions.all()}
    if {invoice.pk for invoice, _amount in allocations} != suggested:
        entry.match_method = MatchMethod.MANUAL
    entry.payment = payment
    _decide(entry, BankEntryStatus.CONFIRMED, user)
    debtor_iban_remember(debtor=debtor, iban=entry.counterparty_iban)
    audit_record(
        organization=organization,
        actor=user,
        action="bank_entry.confirmed",
        target=str(entry.pk),
        data={"allocations": [[invoice.number, format_amount(amount)] for invoice, amount in allocations]},
    )
    return entry


@transaction.atomic
def bank_entry_reverse(*, entry: BankStatementEntry, payment: Payment, user: User | None) -> BankStatementEntry:
    """Reverse the payment a person picked as the original of a waiting reversal."""
    entry = _claim_waiting(entry)
    if not entry.is_reversal or entry.is_credit:
        raise DomainError(
            _("Entry %(position)s is not a reversal; confirm it with the invoices it pays instead.")
            % {"position": entry.position},
            code="not_a_reversal",
            field="entry",
        )
    if payment.currency != entry.currency:
        raise DomainError(
            _("The payment is in %(currency)s but the reversal in %(entry_currency)s; pick another payment.")
            % {"currency": payment.currency, "entry_currency": entry.currency},
            code="currency_mismatch",
            field="payment",
        )
    entry.match_method = MatchMethod.MANUAL
    entry.match_confidence = 100
    _reverse_payment(entry, payment)
    if entry.status != BankEntryStatus.REVERSED:
        raise DomainError(
            _("That payment was already reversed in full; pick another payment."),
            code="already_reversed",
            field="payment",
        )
    _decide(entry, BankEntryStatus.REVERSED, user)
    audit_record(
        organization=entry.statement.organization,
        actor=user,
        action="bank_entry.reversed",
        target=str(entry.pk),
        data={"payment": str(payment.pk)},
    )
    return entry


@transaction.atomic
def bank_entry_dismiss(*, entry: BankStatementEntry, user: User | None) -> BankStatementEntry:
    """Set a waiting entry aside: it concerns no invoice, or was settled outside the product."""
    entry = _claim_waiting(entry)
    entry.note = BankEntryNote.DISMISSED
    _decide(entry, BankEntryStatus.IGNORED, user)
    audit_record(
        organization=entry.statement.organization, actor=user, action="bank_entry.dismissed", target=str(entry.pk)
    )
    return entry


def _claim_waiting(entry: BankStatementEntry) -> BankStatementEntry:
    """Lock the entry and check that it still waits for a decision."""
    locked = (
        BankStatementEntry.objects.for_organization(entry.organization_id)
        .select_for_update(of=("self",))
        .select_related("statement__organization")
        .get(pk=entry.pk)
    )
    if locked.status != BankEntryStatus.REVIEW:
        raise DomainError(
            _("Entry %(position)s was already handled (%(status)s); reload the page.")
            % {"position": locked.position, "status": locked.get_status_display()},
            code="already_decided",
            field="entry",
            status_code=http_status.HTTP_409_CONFLICT,
        )
    return locked


def _check_allocations(entry: BankStatementEntry, allocations: list[tuple[Invoice, Decimal]]) -> None:
    if not allocations:
        raise DomainError(
            _("Choose at least one invoice to apply the payment to."), code="no_invoices", field="allocations"
        )
    numbers = [invoice.number for invoice, _amount in allocations]
    if len(set(numbers)) != len(numbers):
        raise DomainError(
            _("An invoice is listed twice; give each invoice one amount."),
            code="duplicate_invoice",
            field="allocations",
        )
    for invoice, amount in allocations:
        _check_allocation(entry, invoice, to_money(amount))
    total = sum((to_money(amount) for _invoice, amount in allocations), start=ZERO)
    if total > entry.amount:
        raise DomainError(
            _("The amounts add up to %(total)s, more than the %(amount)s received; lower them.")
            % {"total": format_amount(total), "amount": format_amount(entry.amount)},
            code="over_allocation",
            field="allocations",
        )


def _check_allocation(entry: BankStatementEntry, invoice: Invoice, amount: Decimal) -> None:
    """Reject in the user's language what ``payment_allocate`` would reject anyway."""
    if invoice.is_credit:
        message = _("%(number)s is a credit note; choose an invoice.")
    elif invoice.currency != entry.currency:
        message = _("Invoice %(number)s is in %(currency)s but the payment in %(entry_currency)s.")
    elif amount <= 0:
        message = _("The amount for invoice %(number)s must be above zero.")
    elif amount > invoice.open_amount:
        message = _("%(amount)s is more than the %(open)s still open on invoice %(number)s.")
    else:
        return
    raise DomainError(
        message
        % {
            "number": invoice.number,
            "currency": invoice.currency,
            "entry_currency": entry.currency,
            "amount": format_amount(amount),
            "open": format_amount(invoice.open_amount),
        },
        code="invalid_allocation",
        field="allocations",
    )


def _decide(entry: BankStatementEntry, status: str, user: User | None) -> None:
    entry.status = status
    entry.decided_by = user
    entry.decided_at = timezone.now()
    entry.save(
        update_fields=[
            "status",
            "note",
            "match_method",
            "match_confidence",
            "payment",
            "reversed_payment",
            "decided_by",
            "decided_at",
        ]
    )
