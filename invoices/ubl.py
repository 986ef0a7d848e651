"""Parse UBL 2.1 Invoice and CreditNote documents (Peppol BIS Billing 3.0) for import.

``parse_ubl`` reads the fields that accounts receivable needs: number, dates, the
amount due, the payment reference, both parties and the invoice lines. It only reads XML. It uses no
Django models and no database, and it does not run the UBL schema or the Peppol
Schematron rules.

Every problem with the input raises ``UblError``, which names the element and
carries a short machine-readable ``code``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree
from stdnum import iban as stdnum_iban
from stdnum import vatin

from payt.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, to_money

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC_NS = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC_NS = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NAMESPACES = {"cac": CAC_NS, "cbc": CBC_NS}

# Peppol access points may deliver the document inside this envelope (SBDH).
SBDH_NS = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"

DEFAULT_MAX_BYTES = 5 * 1024 * 1024

# ISO 6523 ICD scheme of the Dutch Chamber of Commerce (KvK) number.
KVK_SCHEME_ID = "0106"

KIND_INVOICE = "invoice"
KIND_CREDIT_NOTE = "credit_note"
_ROOT_KINDS = {
    f"{{{INVOICE_NS}}}Invoice": KIND_INVOICE,
    f"{{{CREDIT_NOTE_NS}}}CreditNote": KIND_CREDIT_NOTE,
}
_TYPE_CODE_PATHS = {
    KIND_INVOICE: "cbc:InvoiceTypeCode",
    KIND_CREDIT_NOTE: "cbc:CreditNoteTypeCode",
}

# Peppol rule PEPPOL-EN16931-F001: a date is exactly YYYY-MM-DD, without a time zone.
_DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The xsd:decimal lexical form. Decimal() alone would also accept "NaN", "1e3" and "1_000".
_DECIMAL_PATTERN = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_MAX_AMOUNT_CHARS = 40
_CURRENCY_PATTERN = re.compile(r"[A-Z]{3}")

# A DOCTYPE is rejected before parsing when it is spelled in UTF-8 or any other
# ASCII-compatible encoding, or in UTF-16 or UTF-32. The check after parsing covers
# the remaining encodings.
_FORBIDDEN_MARKUP = ("<!DOCTYPE", "<!ENTITY")
_FORBIDDEN_CODECS = ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
_UTF8_BOM = b"\xef\xbb\xbf"

_MAX_VALUE_IN_MESSAGE = 40

_LINE_PATHS = {
    KIND_INVOICE: ("cac:InvoiceLine", "cbc:InvoicedQuantity"),
    KIND_CREDIT_NOTE: ("cac:CreditNoteLine", "cbc:CreditedQuantity"),
}
# The columns of invoices.models.InvoiceLine.
LINE_QUANTITY_PLACES = 4
LINE_PRICE_PLACES = 6
LINE_DESCRIPTION_MAX = 500


class UblError(ValueError):
    """Invalid or unsupported UBL input.

    ``field`` names the element or attribute, for example ``cbc:IssueDate``, or
    ``document`` for problems with the file as a whole. ``code`` is one of
    ``too_large``, ``not_xml``, ``malformed_xml``, ``forbidden_dtd``, ``wrong_root``,
    ``missing``, ``invalid``, ``duplicate`` and ``currency_mismatch``.
    """

    def __init__(self, field: str, message: str, code: str = "invalid") -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.code = code


@dataclass(frozen=True)
class UblParty:
    """Seller or buyer party. Each field is '' when the document leaves it out."""

    name: str = ""
    trading_name: str = ""
    company_id: str = ""
    company_id_scheme: str = ""
    vat_number: str = ""
    endpoint_id: str = ""
    endpoint_scheme: str = ""
    identifier: str = ""
    identifier_scheme: str = ""
    street: str = ""
    additional_street: str = ""
    city: str = ""
    postal_code: str = ""
    country_code: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    contact_name: str = ""

    @property
    def kvk_number(self) -> str:
        """KvK number when the legal registration uses scheme 0106, else ''."""
        return self.company_id if self.company_id_scheme == KVK_SCHEME_ID else ""

    @property
    def vat_number_is_valid(self) -> bool:
        """Whether the VAT number passes python-stdnum's country check (format and check digits)."""
        return bool(self.vat_number) and vatin.is_valid(self.vat_number)


@dataclass(frozen=True)
class UblLine:
    """One invoice or credit note line (BG-25).

    ``unit_price`` is the net price (BT-146) divided by its base quantity
    (BT-149); ``line_net`` is the stated line amount (BT-131), which may
    include line allowances and charges.
    """

    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal
    line_net: Decimal


@dataclass(frozen=True)
class UblDocument:
    """Fields of one UBL Invoice or CreditNote. Optional text fields are '' when absent.

    Amounts are in ``currency``, rounded half up to the cent. ``total_amount`` is
    the amount due (BT-115, cbc:PayableAmount), which already subtracts prepaid
    amounts, so it is the open receivable.
    """

    kind: str
    number: str
    issue_date: date
    due_date: date | None
    type_code: str
    currency: str
    total_amount: Decimal
    tax_inclusive_amount: Decimal | None
    vat_amount: Decimal | None
    payment_reference: str
    payee_iban: str
    preceding_numbers: tuple[str, ...]
    buyer: UblParty
    seller: UblParty
    payment_terms_note: str
    buyer_reference: str
    order_reference: str
    customization_id: str
    lines: tuple[UblLine, ...] = ()

    @property
    def payee_iban_is_valid(self) -> bool:
        """Whether ``payee_iban`` is a valid IBAN. UBL also allows other account numbers there."""
        return bool(self.payee_iban) and stdnum_iban.is_valid(self.payee_iban)


def parse_ubl(content: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> UblDocument:
    """Parse a UBL 2.1 Invoice or CreditNote and return its import fields.

    The document may also arrive wrapped in a Peppol StandardBusinessDocument.
    Raises UblError for input that is too large, not well-formed XML, contains a
    DOCTYPE, or lacks or garbles a required field. Raises TypeError when
    ``content`` is not bytes.
    """
    root = _parse_xml(content, max_bytes)
    root = _unwrap_envelope(root)
    kind = _document_kind(root)

    number = _text(_find_one(root, "cbc:ID"))
    if not number:
        raise UblError(
            "cbc:ID",
            "missing; the document must state its invoice or credit note number.",
            "missing",
        )

    currency = _parse_currency(root)
    payment_means = root.findall("cac:PaymentMeans", NAMESPACES)

    return UblDocument(
        kind=kind,
        number=number,
        issue_date=_parse_issue_date(root),
        due_date=_parse_due_date(root, kind),
        type_code=_text(_find_one(root, _TYPE_CODE_PATHS[kind])),
        currency=currency,
        total_amount=_parse_payable_amount(root, currency),
        tax_inclusive_amount=_parse_amount(
            _find_one(root, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount"),
            "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount",
            currency,
        ),
        vat_amount=_parse_vat_amount(root, currency),
        payment_reference=_find_first_text(payment_means, "cbc:PaymentID"),
        payee_iban=_find_first_text(payment_means, "cac:PayeeFinancialAccount/cbc:ID"),
        preceding_numbers=_parse_preceding_numbers(root),
        buyer=_parse_buyer(root),
        seller=_parse_party(_find_one(root, "cac:AccountingSupplierParty/cac:Party")),
        payment_terms_note=_join_texts(root, "cac:PaymentTerms/cbc:Note"),
        buyer_reference=_text(_find_one(root, "cbc:BuyerReference")),
        order_reference=_text(_find_one(root, "cac:OrderReference/cbc:ID")),
        customization_id=_text(_find_one(root, "cbc:CustomizationID")),
        lines=_parse_lines(root, kind, currency),
    )


# --- XML reading and safety checks -------------------------------------------------


def _parse_xml(content: bytes, max_bytes: int) -> etree._Element:
    if not isinstance(content, (bytes, bytearray, memoryview)):
        raise TypeError(
            f"parse_ubl() expects bytes, got {type(content).__name__}; "
            "read the file in binary mode."
        )
    content = bytes(content)

    if len(content) > max_bytes:
        raise UblError(
            "document",
            f"the file is {len(content):,} bytes and the maximum is {max_bytes:,} bytes; "
            "upload a smaller file (embedded attachments count towards the size).",
            "too_large",
        )
    if not _looks_like_xml(content):
        raise UblError(
            "document",
            "the file is empty or not XML; upload a UBL 2.1 Invoice or CreditNote XML file.",
            "not_xml",
        )
    _reject_doctype_bytes(content)

    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
    )
    try:
        root = etree.fromstring(content, parser)
    except etree.LxmlError as exc:
        raise UblError(
            "document",
            f"the file is not well-formed XML ({_summarize_error(exc)}); "
            "export the invoice again as UBL XML.",
            "malformed_xml",
        ) from None

    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise _build_doctype_error()
    return root


def _looks_like_xml(content: bytes) -> bool:
    head = content[len(_UTF8_BOM) :] if content.startswith(_UTF8_BOM) else content
    head = head.lstrip(b" \t\r\n")
    if head.startswith(b"<"):
        return True
    # UTF-16 and UTF-32 documents start with a byte order mark or contain NUL bytes.
    return head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head[:4]


def _reject_doctype_bytes(content: bytes) -> None:
    # NOTE: the marker is also rejected inside a comment or CDATA section, where it
    # would be harmless. Invoices have no reason to contain it.
    for codec in _FORBIDDEN_CODECS:
        for markup in _FORBIDDEN_MARKUP:
            if markup.encode(codec) in content:
                raise _build_doctype_error()


def _build_doctype_error() -> UblError:
    return UblError(
        "document",
        "the file contains a DOCTYPE or ENTITY declaration, which UBL invoices never need "
        "and which is rejected for security; export the invoice again without a DOCTYPE.",
        "forbidden_dtd",
    )


def _summarize_error(exc: etree.LxmlError) -> str:
    if isinstance(exc, etree.XMLSyntaxError) and exc.msg:
        return exc.msg
    return str(exc) or type(exc).__name__


def _unwrap_envelope(root: etree._Element) -> etree._Element:
    if root.tag != f"{{{SBDH_NS}}}StandardBusinessDocument":
        return root
    for child in root:
        if isinstance(child.tag, str) and child.tag in _ROOT_KINDS:
            return child
    raise UblError(
        "root element",
        "the StandardBusinessDocument envelope contains no UBL Invoice or CreditNote.",
        "wrong_root",
    )


def _document_kind(root: etree._Element) -> str:
    kind = _ROOT_KINDS.get(root.tag)
    if kind is None:
        qname = etree.QName(root)
        found = (
            f"{qname.localname} in namespace {qname.namespace!r}"
            if qname.namespace
            else f"{qname.localname} without a namespace"
        )
        raise UblError(
            "root element",
            f"found {found}; expected Invoice in {INVOICE_NS!r} "
            f"or CreditNote in {CREDIT_NOTE_NS!r}. "
            "Upload a UBL 2.1 (Peppol BIS Billing 3.0) invoice or credit note.",
            "wrong_root",
        )
    return kind


def _find_one(parent: etree._Element | None, path: str, field: str = "") -> etree._Element | None:
    """Return the element at ``path`` or None.

    Raises UblError naming ``field`` (default ``path``) when there are several.
    """
    if parent is None:
        return None
    matches = parent.findall(path, NAMESPACES)
    if len(matches) > 1:
        raise UblError(
            field or path,
            f"found {len(matches)} elements where the document may contain only one.",
            "duplicate",
        )
    return matches[0] if matches else None


def _text(element: etree._Element | None) -> str:
    # itertext() skips comments and processing instructions inside the element.
    if element is None:
        return ""
    return "".join(element.itertext()).strip()


def _find_first_text(parents: list[etree._Element], path: str) -> str:
    for parent in parents:
        value = _text(parent.find(path, NAMESPACES))
        if value:
            return value
    return ""


def _join_texts(parent: etree._Element, path: str) -> str:
    texts = [_text(element) for element in parent.findall(path, NAMESPACES)]
    return "\n".join(text for text in texts if text)


def _shorten(value: str) -> str:
    if len(value) <= _MAX_VALUE_IN_MESSAGE:
        return repr(value)
    return repr(value[:_MAX_VALUE_IN_MESSAGE] + "…")


# --- Header fields -------------------------------------------------------------------


def _parse_currency(root: etree._Element) -> str:
    field = "cbc:DocumentCurrencyCode"
    currency = _text(_find_one(root, field))
    if not currency:
        raise UblError(
            field,
            "missing; the document must state its currency as an ISO 4217 code such as EUR.",
            "missing",
        )
    if not _CURRENCY_PATTERN.fullmatch(currency):
        raise UblError(
            field,
            f"invalid currency {_shorten(currency)}; use a three-letter ISO 4217 code such as EUR.",
        )
    return currency


def _parse_date(element: etree._Element | None, field: str) -> date | None:
    if element is None:
        return None
    value = _text(element)
    if not value:
        raise UblError(
            field,
            "empty; give the date as YYYY-MM-DD, for example 2017-11-13, or leave the element out.",
            "missing",
        )
    if not _DATE_PATTERN.fullmatch(value):
        raise UblError(
            field, f"invalid date {_shorten(value)}; use YYYY-MM-DD, for example 2017-11-13."
        )
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UblError(
            field, f"invalid date {_shorten(value)}: no such calendar day; use YYYY-MM-DD."
        ) from None


def _parse_issue_date(root: etree._Element) -> date:
    field = "cbc:IssueDate"
    issue_date = _parse_date(_find_one(root, field), field)
    if issue_date is None:
        raise UblError(
            field, "missing; the document must state its issue date as YYYY-MM-DD.", "missing"
        )
    return issue_date


def _parse_due_date(root: etree._Element, kind: str) -> date | None:
    field = "cbc:DueDate"
    due_date = _parse_date(_find_one(root, field), field)
    if due_date is not None or kind != KIND_CREDIT_NOTE:
        return due_date

    # The UBL 2.1 CreditNote schema has no cbc:DueDate, so credit notes carry the
    # due date (BT-9) in PaymentMeans. NOTE: this path is taken from other EN 16931
    # implementations and was not checked against the Peppol CreditNote syntax.
    field = "cac:PaymentMeans/cbc:PaymentDueDate"
    for element in root.findall(field, NAMESPACES):
        due_date = _parse_date(element, field)
        if due_date is not None:
            return due_date
    return None


def _parse_preceding_numbers(root: etree._Element) -> tuple[str, ...]:
    path = "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"
    numbers = (_text(element) for element in root.findall(path, NAMESPACES))
    return tuple(number for number in numbers if number)


# --- Amounts -------------------------------------------------------------------------


def _parse_amount(element: etree._Element | None, field: str, currency: str) -> Decimal | None:
    """Return the amount as a Decimal with two places, or None when ``element`` is None."""
    if element is None:
        return None

    raw = _text(element)
    if not raw:
        raise UblError(
            field,
            "empty; give the amount with a dot as decimal separator, for example 1656.25.",
            "missing",
        )
    if len(raw) > _MAX_AMOUNT_CHARS or not _DECIMAL_PATTERN.fullmatch(raw):
        raise UblError(
            field,
            f"invalid amount {_shorten(raw)}; use digits with a dot as decimal separator, "
            "for example 1656.25.",
        )

    currency_field = f"{field}/@currencyID"
    amount_currency = (element.get("currencyID") or "").strip()
    if not amount_currency:
        raise UblError(
            currency_field,
            f"missing; every UBL amount must state its currency, here {currency}.",
            "missing",
        )
    if amount_currency != currency:
        raise UblError(
            currency_field,
            f"currency {_shorten(amount_currency)} differs from "
            f"cbc:DocumentCurrencyCode {currency!r}; "
            "the amount must be in the document currency.",
            "currency_mismatch",
        )

    # EN 16931 allows at most two decimals in document totals (rules BR-DEC-*),
    # so a third significant decimal is an error, not something to round away.
    if "." in raw and len(raw.split(".", 1)[1].rstrip("0")) > MONEY_DECIMAL_PLACES:
        raise UblError(
            field,
            f"amount {_shorten(raw)} has more than {MONEY_DECIMAL_PLACES} decimals; "
            "send the amount rounded to the cent.",
        )

    # Amounts must fit the money columns (MONEY_MAX_DIGITS digits, two of them decimals).
    # to_money() raises ValueError only when the value exceeds Decimal's precision.
    max_integer_digits = MONEY_MAX_DIGITS - MONEY_DECIMAL_PLACES
    try:
        amount = to_money(raw)
    except ValueError:
        amount = None
    if amount is None or amount.adjusted() >= max_integer_digits:
        raise UblError(
            field,
            f"amount {_shorten(raw)} is too large; at most {max_integer_digits} digits "
            "before the decimal point are supported.",
        )
    # "-0" and "-0.001" would otherwise give Decimal("-0.00").
    if amount.is_zero():
        amount = abs(amount)
    return amount


def _parse_payable_amount(root: etree._Element, currency: str) -> Decimal:
    field = "cac:LegalMonetaryTotal/cbc:PayableAmount"
    totals = _find_one(root, "cac:LegalMonetaryTotal")
    amount = _parse_amount(_find_one(totals, "cbc:PayableAmount", field), field, currency)
    if amount is None:
        raise UblError(
            field, "missing; the document must state the amount due for payment.", "missing"
        )
    return amount


def _parse_vat_amount(root: etree._Element, currency: str) -> Decimal | None:
    # A document may carry a second TaxTotal in the VAT accounting currency (BT-111);
    # only the total in the document currency (BT-110) is returned.
    field = "cac:TaxTotal/cbc:TaxAmount"
    in_document_currency = []
    for tax_total in root.findall("cac:TaxTotal", NAMESPACES):
        element = _find_one(tax_total, "cbc:TaxAmount", field)
        if element is None:
            continue
        amount_currency = (element.get("currencyID") or "").strip()
        if not amount_currency:
            raise UblError(
                f"{field}/@currencyID",
                "missing; every UBL amount must state its currency.",
                "missing",
            )
        if amount_currency == currency:
            in_document_currency.append(element)

    if len(in_document_currency) > 1:
        raise UblError(
            field,
            f"found {len(in_document_currency)} VAT totals in {currency}; "
            "the document may contain only one.",
            "duplicate",
        )
    if not in_document_currency:
        return None
    return _parse_amount(in_document_currency[0], field, currency)


# --- Parties -------------------------------------------------------------------------


def _parse_buyer(root: etree._Element) -> UblParty:
    party_path = "cac:AccountingCustomerParty/cac:Party"
    party_element = _find_one(root, party_path)
    if party_element is None:
        raise UblError(
            party_path, "missing; the document must name the buyer who owes the amount.", "missing"
        )

    buyer = _parse_party(party_element)
    if not buyer.name:
        raise UblError(
            f"{party_path}/cac:PartyLegalEntity/cbc:RegistrationName",
            "missing; the buyer needs a registration name or a cac:PartyName/cbc:Name.",
            "missing",
        )
    return buyer


def _parse_party(party: etree._Element | None) -> UblParty:
    if party is None:
        return UblParty()

    def text(path: str) -> str:
        return _text(party.find(path, NAMESPACES))

    def attribute(path: str, name: str) -> str:
        element = party.find(path, NAMESPACES)
        return "" if element is None else (element.get(name) or "").strip()

    trading_name = text("cac:PartyName/cbc:Name")
    return UblParty(
        name=text("cac:PartyLegalEntity/cbc:RegistrationName") or trading_name,
        trading_name=trading_name,
        company_id=text("cac:PartyLegalEntity/cbc:CompanyID"),
        company_id_scheme=attribute("cac:PartyLegalEntity/cbc:CompanyID", "schemeID"),
        vat_number=_find_vat_number(party),
        endpoint_id=text("cbc:EndpointID"),
        endpoint_scheme=attribute("cbc:EndpointID", "schemeID"),
        identifier=text("cac:PartyIdentification/cbc:ID"),
        identifier_scheme=attribute("cac:PartyIdentification/cbc:ID", "schemeID"),
        street=text("cac:PostalAddress/cbc:StreetName"),
        additional_street=text("cac:PostalAddress/cbc:AdditionalStreetName"),
        city=text("cac:PostalAddress/cbc:CityName"),
        postal_code=text("cac:PostalAddress/cbc:PostalZone"),
        country_code=text("cac:PostalAddress/cac:Country/cbc:IdentificationCode"),
        contact_email=text("cac:Contact/cbc:ElectronicMail"),
        contact_phone=text("cac:Contact/cbc:Telephone"),
        contact_name=text("cac:Contact/cbc:Name"),
    )


def _find_vat_number(party: etree._Element) -> str:
    # Peppol sellers may list a second PartyTaxScheme for a non-VAT tax registration.
    for tax_scheme in party.findall("cac:PartyTaxScheme", NAMESPACES):
        if _text(tax_scheme.find("cac:TaxScheme/cbc:ID", NAMESPACES)) == "VAT":
            return _text(tax_scheme.find("cbc:CompanyID", NAMESPACES))
    return ""


# --- Lines ---------------------------------------------------------------------------


def _parse_lines(root: etree._Element, kind: str, currency: str) -> tuple[UblLine, ...]:
    line_path, quantity_path = _LINE_PATHS[kind]
    lines = tuple(
        _parse_line(element, f"{line_path}[{position}]", quantity_path, currency)
        for position, element in enumerate(root.findall(line_path, NAMESPACES), start=1)
    )
    _check_line_total(root, lines, currency)
    return lines


def _parse_line(element: etree._Element, path: str, quantity_path: str, currency: str) -> UblLine:
    item_name = _text(element.find("cac:Item/cbc:Name", NAMESPACES))
    description = item_name or _text(element.find("cac:Item/cbc:Description", NAMESPACES))
    if len(description) > LINE_DESCRIPTION_MAX:
        # NOTE: a longer item name is cut, since the amounts, not the text, are what the import must keep exact.
        description = description[: LINE_DESCRIPTION_MAX - 1] + "…"

    quantity = _parse_decimal(
        _find_one(element, quantity_path, f"{path}/{quantity_path}"), f"{path}/{quantity_path}", LINE_QUANTITY_PLACES
    )
    net_path = f"{path}/cbc:LineExtensionAmount"
    line_net = _parse_amount(_find_one(element, "cbc:LineExtensionAmount", net_path), net_path, currency)
    if quantity is None or line_net is None:
        missing = f"{path}/{quantity_path}" if quantity is None else net_path
        raise UblError(missing, "missing; every invoice line must state its quantity and net amount.", "missing")

    return UblLine(
        description=description,
        quantity=quantity,
        unit_price=_parse_unit_price(element, path, currency),
        vat_rate=_parse_line_vat_rate(element, path),
        line_net=line_net,
    )


def _parse_unit_price(line: etree._Element, path: str, currency: str) -> Decimal:
    price_path = f"{path}/cac:Price/cbc:PriceAmount"
    price_element = _find_one(line, "cac:Price/cbc:PriceAmount", price_path)
    price = _parse_decimal(price_element, price_path, LINE_PRICE_PLACES)
    if price is None:
        raise UblError(price_path, "missing; every invoice line must state its net price.", "missing")
    amount_currency = (price_element.get("currencyID") or "").strip()
    if amount_currency and amount_currency != currency:
        raise UblError(
            f"{price_path}/@currencyID",
            f"currency {_shorten(amount_currency)} differs from cbc:DocumentCurrencyCode {currency!r}.",
            "currency_mismatch",
        )

    base_path = f"{path}/cac:Price/cbc:BaseQuantity"
    base_quantity = _parse_decimal(_find_one(line, "cac:Price/cbc:BaseQuantity", base_path), base_path, 6)
    if base_quantity is None or base_quantity == 1:
        return price
    if base_quantity <= 0:
        raise UblError(base_path, f"{base_quantity} must be above zero; the price is per this many units.")
    return (price / base_quantity).quantize(Decimal(1).scaleb(-LINE_PRICE_PLACES), rounding=ROUND_HALF_UP)


def _parse_line_vat_rate(line: etree._Element, path: str) -> Decimal:
    rate_path = f"{path}/cac:Item/cac:ClassifiedTaxCategory/cbc:Percent"
    element = _find_one(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", rate_path)
    # Categories such as O (outside the scope of VAT) carry no percentage.
    rate = _parse_decimal(element, rate_path, 2)
    if rate is None:
        return Decimal("0")
    if not Decimal("0") <= rate <= Decimal("100"):
        raise UblError(rate_path, f"VAT rate {rate} is outside 0 to 100; give the percentage, for example 21.")
    return rate


def _parse_decimal(element: etree._Element | None, field: str, places: int) -> Decimal | None:
    """Return the element's decimal value with at most ``places`` significant decimals, or None when absent."""
    if element is None:
        return None
    raw = _text(element)
    if len(raw) > _MAX_AMOUNT_CHARS or not _DECIMAL_PATTERN.fullmatch(raw):
        raise UblError(field, f"invalid number {_shorten(raw)}; use digits with a dot as decimal separator.")
    if "." in raw and len(raw.split(".", 1)[1].rstrip("0")) > places:
        raise UblError(field, f"{_shorten(raw)} has more than {places} decimals, which is not supported.")
    value = Decimal(raw)
    if value.adjusted() >= 12:
        raise UblError(field, f"{_shorten(raw)} is too large; at most 12 digits before the decimal point fit.")
    return value


def _check_line_total(root: etree._Element, lines: tuple[UblLine, ...], currency: str) -> None:
    # EN 16931 rule BR-CO-10: the sum of the line net amounts is the document's line total (BT-106).
    field = "cac:LegalMonetaryTotal/cbc:LineExtensionAmount"
    totals = _find_one(root, "cac:LegalMonetaryTotal")
    stated = _parse_amount(_find_one(totals, "cbc:LineExtensionAmount", field), field, currency)
    if stated is None or not lines:
        return
    summed = sum((line.line_net for line in lines), Decimal("0"))
    if summed != stated:
        raise UblError(
            field,
            f"the document states {stated} but its {len(lines)} lines add up to {summed}; "
            "export the invoice again so that the totals match its lines.",
        )
