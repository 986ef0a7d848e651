"""Imports of invoices and payments sent by accounting packages: UBL documents and API JSON.

Each function checks what the core services leave to their callers (an ISO
4217 currency, a plausible date, the column lengths), resolves references
within the organisation, and calls ``invoices.services`` in one transaction.
"""

import datetime as dt
import json
import logging
import uuid
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from rest_framework import status

from debtors.models import Debtor, DebtorKind
from debtors.selectors import debtor_match_party
from debtors.services import debtor_create
from invoices.currencies import is_iso_4217_currency
from invoices.lines import LineInput
from invoices.models import DocumentKind, Invoice, Payment, PaymentSource, SourceFormat
from invoices.services import credit_allocate_to_numbers, invoice_register, payment_register, sha256_of
from invoices.ubl import UblDocument, UblError, UblParty, parse_ubl
from payt.api_base import API_MAX_BODY_BYTES
from payt.api_errors import DomainError
from payt.models import Organization
from payt.money import ZERO, format_amount

logger = logging.getLogger(__name__)

# Dates outside this range are typing errors (2205 for 2025), and a far date
# would overflow when the payment term is added to it.
EARLIEST_DOCUMENT_DATE = dt.date(2000, 1, 1)
LATEST_DOCUMENT_DATE = dt.date(2099, 12, 31)

BUYER_PATH = "cac:AccountingCustomerParty/cac:Party"
_UBL_FIELD_PATHS = {
    "number": "cbc:ID",
    "currency": "cbc:DocumentCurrencyCode",
    "issue_date": "cbc:IssueDate",
    "due_date": "cbc:DueDate",
    "payment_reference": "cac:PaymentMeans/cbc:PaymentID",
    "preceding_number": "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID",
    "name": f"{BUYER_PATH}/cac:PartyLegalEntity/cbc:RegistrationName",
}


def max_length_of(model, field: str) -> int:
    return model._meta.get_field(field).max_length


# --- Checks shared by the JSON serializers and the UBL import -------------------------


def normalize_currency(code: str) -> str:
    """Return the upper-case ISO 4217 code, or raise ValueError naming the code."""
    normalized = code.strip().upper()
    if not is_iso_4217_currency(normalized):
        raise ValueError(f"{code[:20]!r} is not an ISO 4217 currency code; use a code such as EUR, GBP or SEK.")
    return normalized


def check_document_date(value: dt.date) -> None:
    """Raise ValueError when ``value`` lies outside the supported range."""
    if not EARLIEST_DOCUMENT_DATE <= value <= LATEST_DOCUMENT_DATE:
        raise ValueError(
            f"{value.isoformat()} is outside the supported range "
            f"{EARLIEST_DOCUMENT_DATE.isoformat()} to {LATEST_DOCUMENT_DATE.isoformat()}; "
            "check the year."
        )


def check_due_after_issue(issue_date: dt.date, due_date: dt.date | None) -> None:
    if due_date is not None and due_date < issue_date:
        raise ValueError(
            f"due date {due_date.isoformat()} is before the issue date {issue_date.isoformat()}; "
            "send a due date on or after the issue date, or none to use the payment term."
        )


# --- UBL ------------------------------------------------------------------------------


@transaction.atomic
def invoice_import_ubl(*, organization: Organization, content: bytes) -> tuple[Invoice, bool]:
    """Import a UBL 2.1 Invoice or CreditNote and return the document and whether it is new.

    The buyer party becomes the debtor: an existing one found by
    ``debtor_match_party`` or a new one. The exact bytes are stored, so the
    same file sent again returns the existing document, and other content
    under an existing number is rejected with 409 by ``invoice_register``.
    A credit document is allocated to the invoices it references, in order.
    """
    document = _parse_or_reject(content)
    _check_ubl_document(document)
    _lock_ubl_imports(organization)

    existing = (
        Invoice.objects.for_organization(organization)
        .filter(kind=document.kind, number=document.number, source_sha256=sha256_of(content))
        .first()
    )
    if existing is not None:
        return existing, False

    debtor = _debtor_for_buyer(organization, document)
    invoice, created = invoice_register(
        organization=organization,
        debtor=debtor,
        kind=document.kind,
        number=document.number,
        issue_date=document.issue_date,
        due_date=document.due_date,
        currency=document.currency,
        total_amount=document.total_amount,
        vat_amount=document.vat_amount if document.vat_amount is not None else ZERO,
        payment_reference=document.payment_reference,
        preceding_number=document.preceding_numbers[0] if document.preceding_numbers else "",
        source_format=SourceFormat.UBL,
        source_document=content,
        lines=[
            LineInput(
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                vat_rate=line.vat_rate,
                line_net=line.line_net,
            )
            for line in document.lines
        ],
    )
    if created and invoice.is_credit:
        credit_allocate_to_numbers(credit=invoice, numbers=document.preceding_numbers[1:])
    logger.info(
        "Imported UBL %s %s as %s for organization %s",
        document.kind,
        document.number,
        invoice.pk,
        organization.pk,
    )
    return invoice, created


def _parse_or_reject(content: bytes) -> UblDocument:
    try:
        return parse_ubl(content, max_bytes=API_MAX_BODY_BYTES)
    except UblError as error:
        too_large = error.code == "too_large"
        raise DomainError(
            str(error),
            code=error.code,
            field=error.field,
            status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE if too_large else status.HTTP_400_BAD_REQUEST,
        ) from None


def _reject_ubl_field(field: str, message: str) -> DomainError:
    path = _UBL_FIELD_PATHS[field]
    return DomainError(f"{path}: {message}", code="invalid", field=path)


def _check_ubl_document(document: UblDocument) -> None:
    try:
        normalize_currency(document.currency)
    except ValueError as error:
        raise _reject_ubl_field("currency", str(error)) from None

    for field in ("issue_date", "due_date"):
        value = getattr(document, field)
        try:
            if value is not None:
                check_document_date(value)
        except ValueError as error:
            raise _reject_ubl_field(field, str(error)) from None
    try:
        check_due_after_issue(document.issue_date, document.due_date)
    except ValueError as error:
        raise _reject_ubl_field("due_date", str(error)) from None

    # TODO: Invoice.payment_reference has room for 40 characters while SEPA
    # remittance information allows 140, so a longer payment id rejects the document.
    values = [
        ("number", document.number),
        ("payment_reference", document.payment_reference),
        *[("preceding_number", number) for number in document.preceding_numbers],
    ]
    for field, value in values:
        limit = max_length_of(Invoice, field)
        if len(value) > limit:
            raise _reject_ubl_field(field, f"{len(value)} characters where at most {limit} are supported.")


def _lock_ubl_imports(organization: Organization) -> None:
    # Serialise the imports of one organisation until the transaction ends, so
    # that two documents of a new buyer sent at once cannot create two debtors.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
            [f"ubl-import:{organization.pk}"],
        )


def _debtor_for_buyer(organization: Organization, document: UblDocument) -> Debtor:
    buyer = document.buyer
    # A company id without a scheme is most often the KvK number in Dutch documents.
    kvk_number = buyer.kvk_number or ("" if buyer.company_id_scheme else buyer.company_id)
    debtor = debtor_match_party(
        organization,
        name=buyer.name,
        vat_number=buyer.vat_number,
        kvk_number=kvk_number,
        endpoint_id=buyer.endpoint_id,
        endpoint_scheme=buyer.endpoint_scheme,
    )
    if debtor is not None:
        return debtor

    name_limit = max_length_of(Debtor, "name")
    if len(buyer.name) > name_limit:
        raise _reject_ubl_field(
            "name",
            f"the buyer name has {len(buyer.name)} characters where at most {name_limit} are supported.",
        )
    details, left_out = _buyer_details(buyer)
    if left_out:
        logger.info(
            "Left out buyer fields %s of UBL document %s for organization %s: invalid or too long",
            ", ".join(left_out),
            document.number,
            organization.pk,
        )
    try:
        return debtor_create(organization=organization, kind=DebtorKind.COMPANY, name=buyer.name, **details)
    except DjangoValidationError as error:
        reasons = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
        raise DomainError(
            f"{BUYER_PATH}: the buyer cannot be stored as a debtor ({reasons}).",
            code="invalid",
            field=BUYER_PATH,
        ) from None


def _buyer_details(buyer: UblParty) -> tuple[dict[str, str], list[str]]:
    """Return the buyer's optional debtor fields and the names of those left out.

    A contact detail that is too long or not an e-mail address must not
    block the invoice, so it is left out of the new debtor.
    """
    country = buyer.country_code.upper()
    details = {
        "address_line": ", ".join(part for part in (buyer.street, buyer.additional_street) if part),
        "postal_code": buyer.postal_code,
        "city": buyer.city,
        "country": country if len(country) == 2 and country.isalpha() else "",
        "vat_number": buyer.vat_number,
        "kvk_number": buyer.kvk_number,
        "email": buyer.contact_email,
        "phone": buyer.contact_phone,
    }
    accepted = {}
    left_out = []
    for field, value in details.items():
        too_long = len(value) > max_length_of(Debtor, field)
        if too_long or (field == "email" and value and not _is_email(value)):
            left_out.append(field)
        else:
            accepted[field] = value
    return accepted, left_out


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except DjangoValidationError:
        return False
    return True


# --- JSON invoices --------------------------------------------------------------------


def invoice_import_json(
    *,
    organization: Organization,
    debtor: Debtor,
    number: str,
    issue_date: dt.date,
    total_amount: Decimal,
    currency: str = "EUR",
    kind: str = DocumentKind.INVOICE,
    due_date: dt.date | None = None,
    vat_amount: Decimal = ZERO,
    payment_reference: str = "",
    external_id: str = "",
    preceding_number: str = "",
    lines: Sequence[LineInput] = (),
) -> tuple[Invoice, bool]:
    """Register an invoice sent as API JSON and return it and whether it is new.

    The validated fields, lines included, are stored as the source document,
    so a retry of the same request returns the existing invoice (200) while
    other content under the same number is rejected with 409. The serializer
    has already checked the totals against the lines.
    """
    fields = {
        "debtor": str(debtor.pk),
        "number": number,
        "kind": kind,
        "issue_date": issue_date.isoformat(),
        "due_date": due_date.isoformat() if due_date else None,
        "currency": currency,
        "total_amount": format_amount(total_amount),
        "vat_amount": format_amount(vat_amount),
        "payment_reference": payment_reference,
        "external_id": external_id,
        "preceding_number": preceding_number,
    }
    if lines:
        # Only when given, so invoices sent before lines existed keep their fingerprint.
        fields["lines"] = [_line_fingerprint(line) for line in lines]
    return invoice_register(
        organization=organization,
        debtor=debtor,
        number=number,
        issue_date=issue_date,
        total_amount=total_amount,
        currency=currency,
        kind=kind,
        due_date=due_date,
        vat_amount=vat_amount,
        payment_reference=payment_reference,
        external_id=external_id,
        preceding_number=preceding_number,
        source_format=SourceFormat.JSON,
        source_document=json.dumps(fields, sort_keys=True).encode(),
        lines=lines,
    )


def _line_fingerprint(line: LineInput) -> dict:
    # normalize() makes 2.5 and 2.50 the same line, as they are the same amount.
    return {
        "description": line.description,
        "quantity": str(line.quantity.normalize()),
        "unit_price": str(line.unit_price.normalize()),
        "vat_rate": str(line.vat_rate.normalize()),
    }


# --- Payments -------------------------------------------------------------------------


@transaction.atomic
def payment_import(
    *,
    organization: Organization,
    amount: Decimal,
    payment_date: dt.date,
    currency: str = "EUR",
    invoice_id: uuid.UUID | None = None,
    payment_reference: str = "",
    invoice_number: str = "",
    reference: str = "",
    external_id: str = "",
) -> tuple[Payment, bool]:
    """Record a payment sent through the API against the invoice(s) it names.

    The payment names its invoice by id, by number, or by payment reference
    (which may select several invoices, paid oldest due first). A repeated
    ``external_id`` returns the first payment, unless amount, currency or date
    differ, which is rejected with 409.
    """
    if external_id:
        existing = _api_payment(organization, external_id)
        if existing is not None:
            _check_same_payment(existing, amount=amount, currency=currency, payment_date=payment_date)
            return existing, False

    invoices = _payment_targets(
        organization,
        invoice_id=invoice_id,
        invoice_number=invoice_number,
        payment_reference=payment_reference,
    )
    _check_payment_currency(invoices, currency)
    try:
        return payment_register(
            organization=organization,
            amount=amount,
            payment_date=payment_date,
            currency=currency,
            invoices=invoices,
            source=PaymentSource.API,
            reference=reference or payment_reference,
            external_id=external_id,
        )
    except IntegrityError:
        # A concurrent request with the same external id committed first.
        existing = _api_payment(organization, external_id) if external_id else None
        if existing is None:
            raise
        _check_same_payment(existing, amount=amount, currency=currency, payment_date=payment_date)
        return existing, False


def _api_payment(organization: Organization, external_id: str) -> Payment | None:
    return (
        Payment.objects.for_organization(organization).filter(source=PaymentSource.API, external_id=external_id).first()
    )


def _check_same_payment(existing: Payment, *, amount: Decimal, currency: str, payment_date: dt.date) -> None:
    if (existing.amount, existing.currency, existing.payment_date) == (
        amount,
        currency,
        payment_date,
    ):
        return
    raise DomainError(
        f"A payment with external id {existing.external_id!r} already exists with amount "
        f"{existing.currency} {format_amount(existing.amount)} "
        f"on {existing.payment_date.isoformat()}; "
        "send a new external id for a different payment.",
        code="duplicate_external_id",
        field="external_id",
        status_code=status.HTTP_409_CONFLICT,
    )


def _payment_targets(
    organization: Organization,
    *,
    invoice_id: uuid.UUID | None,
    invoice_number: str,
    payment_reference: str,
) -> list[Invoice]:
    invoices = Invoice.objects.for_organization(organization).filter(kind=DocumentKind.INVOICE)
    if invoice_id is not None:
        field, value, found = "invoice", str(invoice_id), list(invoices.filter(pk=invoice_id))
    elif invoice_number:
        field, value, found = (
            "invoice_number",
            invoice_number,
            list(invoices.filter(number=invoice_number)),
        )
    else:
        field, value, found = (
            "payment_reference",
            payment_reference,
            list(invoices.filter(payment_reference=payment_reference)),
        )

    if not found:
        raise DomainError(f"No invoice with {field} {value!r} was found.", code="not_found", field=field)
    credits = [invoice.number for invoice in found if invoice.is_credit]
    if credits:
        raise DomainError(
            f"Invoice {credits[0]!r} is a credit document (negative total); a payment cannot be allocated to it.",
            code="credit_document",
            field=field,
        )
    return found


def _check_payment_currency(invoices: list[Invoice], currency: str) -> None:
    for invoice in invoices:
        if invoice.currency != currency:
            raise DomainError(
                f"Payment currency {currency} differs from currency {invoice.currency} "
                f"of invoice {invoice.number!r}; "
                f"send the payment in {invoice.currency}.",
                code="currency_mismatch",
                field="currency",
            )
