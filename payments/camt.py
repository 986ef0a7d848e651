"""Read ISO 20022 CAMT.053 statements and CAMT.054 debit/credit notifications.

Every version of the schema is accepted (camt.053.001.02 to .13 and the
CAMT.054 equivalents): the namespaces are dropped after parsing and the
elements that moved between versions are looked up under both names, for
example ``Dbtr/Nm`` (up to version 7) and ``Dbtr/Pty/Nm`` (from version 8).

The XML parser resolves no entities, loads no DTD and opens no network
connection, and a document with a DOCTYPE is rejected before parsing, so
neither external entities (XXE) nor entity expansion bombs can be used.
"""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from lxml import etree

from invoices.currencies import is_iso_4217_currency
from payments.bank_files import BankFileError, ParsedBankFile, ParsedEntry, RejectedEntry, entry_position
from payments.models import BankFileFormat, CreditDebit

_UTF8_BOM = b"\xef\xbb\xbf"
_NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:(camt\.0\d\d)\.\d{3}\.\d{2}$")
# Root child element and repeated report element of each supported message.
_MESSAGES = {
    "BkToCstmrStmt": (BankFileFormat.CAMT053, "Stmt"),
    "BkToCstmrDbtCdtNtfctn": (BankFileFormat.CAMT054, "Ntfctn"),
}
_DOCTYPE_MARKERS = (b"<!DOCTYPE", b"<!ENTITY", "<!DOCTYPE".encode("utf-16-le"), "<!DOCTYPE".encode("utf-16-be"))
_BOOKED = "BOOK"


class EntryError(ValueError):
    """One entry cannot be read; the message names the element and the value."""


def looks_like_xml(content: bytes) -> bool:
    head = content[len(_UTF8_BOM) :] if content.startswith(_UTF8_BOM) else content
    return head.lstrip(b" \t\r\n").startswith(b"<")


def parse_camt(content: bytes) -> ParsedBankFile:
    """Parse a CAMT.053 or CAMT.054 document into entries and rejected entries."""
    root = _parse_xml(content)
    message, file_format, report_tag = _message_of(root)

    message_id = _text(message, "GrpHdr/MsgId")
    if not message_id:
        raise BankFileError(
            _("GrpHdr/MsgId is missing; a CAMT file needs its message id so that it is imported only once."),
            "missing_message_id",
        )
    parsed = ParsedBankFile(
        file_format=file_format,
        message_id=message_id,
        created_at=_datetime(_text(message, "GrpHdr/CreDtTm")),
    )

    reports = message.findall(report_tag)
    for statement_index, report in enumerate(reports, start=1):
        if not parsed.account_iban:
            account = _text(report, "Acct/Id/IBAN") or _text(report, "Acct/Id/Othr/Id")
            # Written as MT940 stores it, so one account has one key for duplicate checks.
            parsed.account_iban = re.sub(r"\s", "", account).upper()[:34]
        for entry_index, entry in enumerate(report.findall("Ntry"), start=1):
            _read_entry(parsed, entry, statement_index, len(reports), entry_index)
    return parsed


# --- Document -------------------------------------------------------------------------


def _parse_xml(content: bytes) -> etree._Element:
    if any(marker in content for marker in _DOCTYPE_MARKERS):
        raise BankFileError(
            _("The file contains a DOCTYPE or ENTITY declaration, which CAMT files never need; it is rejected."),
            "forbidden_dtd",
        )
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as error:
        raise BankFileError(
            _("The file is not well-formed XML (%(error)s); download the statement from your bank again.")
            % {"error": error.msg or type(error).__name__},
            "malformed_xml",
        ) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise BankFileError(
            _("The file contains a DOCTYPE or ENTITY declaration, which CAMT files never need; it is rejected."),
            "forbidden_dtd",
        )
    return root


def _message_of(root: etree._Element) -> tuple[etree._Element, str, str]:
    qname = etree.QName(root)
    match = _NAMESPACE.match(qname.namespace or "")
    if qname.localname != "Document" or match is None:
        raise BankFileError(
            _(
                "The root element is %(found)s; a CAMT file starts with Document in an ISO 20022 camt "
                "namespace such as urn:iso:std:iso:20022:tech:xsd:camt.053.001.02."
            )
            % {"found": f"{qname.localname} ({qname.namespace or 'no namespace'})"},
            "wrong_root",
        )
    _strip_namespaces(root)
    for child in root:
        if isinstance(child.tag, str) and child.tag in _MESSAGES:
            file_format, report_tag = _MESSAGES[child.tag]
            return child, file_format, report_tag
    raise BankFileError(
        _(
            "The file is a %(message)s message, which is not imported; upload a CAMT.053 statement "
            "or a CAMT.054 debit/credit notification."
        )
        % {"message": match.group(1)},
        "unsupported_message",
    )


def _strip_namespaces(root: etree._Element) -> None:
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = etree.QName(element).localname
    etree.cleanup_namespaces(root)


# --- Entries --------------------------------------------------------------------------


def _read_entry(
    parsed: ParsedBankFile, entry: etree._Element, statement_index: int, statement_count: int, entry_index: int
) -> None:
    position = entry_position(statement_index, statement_count, entry_index)
    try:
        common = _entry_fields(entry, position)
        transactions = entry.findall("NtryDtls/TxDtls")
        if len(transactions) <= 1:
            parsed.entries.append(_with_transaction(common, transactions[0] if transactions else None))
        else:
            parsed.entries.extend(_split_batch(common, transactions, statement_index, statement_count, entry_index))
    except EntryError as error:
        parsed.rejected.append(RejectedEntry(position, str(error)))


def _entry_fields(entry: etree._Element, position: str) -> ParsedEntry:
    amount, currency = _amount(entry.find("Amt"), "Ntry/Amt")
    credit_debit = _text(entry, "CdtDbtInd")
    if credit_debit not in CreditDebit.values:
        raise EntryError(
            _("Ntry/CdtDbtInd is %(value)r; it must be CRDT or DBIT.") % {"value": credit_debit}
        )
    booking_date = _date(entry, "BookgDt", "Ntry/BookgDt")
    value_date = _date(entry, "ValDt", "Ntry/ValDt")
    if booking_date is None and value_date is None:
        raise EntryError(_("Ntry has neither BookgDt nor ValDt; an entry needs a date."))

    return ParsedEntry(
        position=position,
        amount=amount,
        currency=currency,
        credit_debit=credit_debit,
        booking_date=booking_date,
        value_date=value_date,
        is_reversal=_text(entry, "RvslInd").lower() in ("true", "1"),
        booking_status=_text(entry, "Sts/Cd") or _text(entry, "Sts"),
        bank_reference=_text(entry, "AcctSvcrRef") or _text(entry, "NtryRef"),
        bank_transaction_code=_transaction_code(entry),
        additional_info=_text(entry, "AddtlNtryInf"),
    )


def _split_batch(
    common: ParsedEntry, transactions: list, statement_index: int, statement_count: int, entry_index: int
) -> list[ParsedEntry]:
    """Return one entry per transaction of a batch whose amounts add up to the booked amount."""
    parts = []
    for transaction_index, transaction in enumerate(transactions, start=1):
        amount_element = _transaction_amount_element(transaction)
        if amount_element is None:
            raise EntryError(
                _("Transaction %(number)s of the batch has no amount, so the batch cannot be split.")
                % {"number": transaction_index}
            )
        amount, currency = _amount(amount_element, "TxDtls/Amt")
        if currency != common.currency:
            raise EntryError(
                _("Transaction %(number)s is in %(currency)s while the entry is booked in %(booked)s.")
                % {"number": transaction_index, "currency": currency, "booked": common.currency}
            )
        part = _with_transaction(common, transaction)
        part.amount = amount
        part.position = entry_position(statement_index, statement_count, entry_index, transaction_index)
        parts.append(part)

    total = sum((part.amount for part in parts), start=Decimal("0"))
    if total != common.amount:
        raise EntryError(
            _("The transactions of the batch add up to %(total)s but the entry books %(amount)s.")
            % {"total": f"{total:.2f}", "amount": f"{common.amount:.2f}"}
        )
    return parts


def _with_transaction(common: ParsedEntry, transaction: etree._Element | None) -> ParsedEntry:
    """Return a copy of the entry fields completed with one transaction's details."""
    entry = ParsedEntry(**vars(common))
    if transaction is None:
        return entry

    entry.end_to_end_id = _meaningful_id(_text(transaction, "Refs/EndToEndId"))
    entry.mandate_id = _text(transaction, "Refs/MndtId")
    entry.bank_reference = _text(transaction, "Refs/AcctSvcrRef") or entry.bank_reference
    entry.bank_transaction_code = _transaction_code(transaction) or entry.bank_transaction_code
    entry.return_reason = _text(transaction, "RtrInf/Rsn/Cd") or _text(transaction, "RtrInf/Rsn/Prtry")
    if entry.credit_debit == CreditDebit.DEBIT and entry.return_reason:
        # A returned direct debit can arrive without the reversal indicator.
        entry.is_reversal = True
    _read_remittance(entry, transaction)
    _read_counterparty(entry, transaction)
    extra = _text(transaction, "AddtlTxInf")
    entry.additional_info = " ".join(part for part in (extra, entry.additional_info) if part)
    return entry


def _read_remittance(entry: ParsedEntry, transaction: etree._Element) -> None:
    texts = [element.text.strip() for element in transaction.findall("RmtInf/Ustrd") if element.text]
    references = []
    for structured in transaction.findall("RmtInf/Strd"):
        reference = _text(structured, "CdtrRefInf/Ref")
        if reference:
            references.append(
                (
                    reference,
                    _text(structured, "CdtrRefInf/Tp/CdOrPrtry/Cd")
                    or _text(structured, "CdtrRefInf/Tp/CdOrPrtry/Prtry")
                    or _text(structured, "CdtrRefInf/CdtrRefTp/Cd"),
                )
            )
        # Referred document numbers are usually our invoice numbers.
        texts.extend(element.text.strip() for element in structured.findall("RfrdDocInf/Nb") if element.text)
        texts.extend(element.text.strip() for element in structured.findall("AddtlRmtInf") if element.text)

    if references:
        entry.structured_reference, entry.reference_type = references[0]
        # Further references (several invoices paid at once) stay findable in the text.
        texts.extend(reference for reference, _type in references[1:])
    entry.remittance_text = " ".join(texts)


def _read_counterparty(entry: ParsedEntry, transaction: etree._Element) -> None:
    # The payer of a credit is the debtor party; a reversal names the original
    # payer, which banks put on either side.
    sides = ["Dbtr", "Cdtr"] if entry.credit_debit == CreditDebit.CREDIT else ["Cdtr", "Dbtr"]
    if entry.is_reversal:
        sides.reverse()
    for side in sides:
        name = (
            _text(transaction, f"RltdPties/Ultmt{side}/Nm")
            or _text(transaction, f"RltdPties/{side}/Nm")
            or _text(transaction, f"RltdPties/{side}/Pty/Nm")
        )
        iban = _text(transaction, f"RltdPties/{side}Acct/Id/IBAN")
        if name or iban:
            entry.counterparty_name = name[:140]
            entry.counterparty_iban = re.sub(r"\s", "", iban).upper()[:34]
            return


def _transaction_code(element: etree._Element) -> str:
    domain = [
        _text(element, "BkTxCd/Domn/Cd"),
        _text(element, "BkTxCd/Domn/Fmly/Cd"),
        _text(element, "BkTxCd/Domn/Fmly/SubFmlyCd"),
    ]
    code = "/".join(part for part in domain if part)
    proprietary = _text(element, "BkTxCd/Prtry/Cd")
    return " ".join(part for part in (code, proprietary) if part)[:70]


def _transaction_amount_element(transaction: etree._Element) -> etree._Element | None:
    for path in ("Amt", "AmtDtls/TxAmt/Amt", "AmtDtls/InstdAmt/Amt"):
        element = transaction.find(path)
        if element is not None:
            return element
    return None


def _meaningful_id(value: str) -> str:
    # SEPA writes NOTPROVIDED when the payer gave no end-to-end id.
    return "" if value.upper() == "NOTPROVIDED" else value[:140]


# --- Values ---------------------------------------------------------------------------


def _text(element: etree._Element, path: str) -> str:
    found = element.find(path)
    if found is None or found.text is None:
        return ""
    return " ".join(found.text.split())


def _amount(element: etree._Element | None, path: str) -> tuple[Decimal, str]:
    if element is None or not (element.text or "").strip():
        raise EntryError(_("%(path)s is missing; every entry needs an amount.") % {"path": path})
    raw = element.text.strip()
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise EntryError(_("%(path)s is %(value)r, which is not an amount.") % {"path": path, "value": raw}) from None
    if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -2:
        raise EntryError(
            _("%(path)s is %(value)r; amounts are positive with at most two decimals.") % {"path": path, "value": raw}
        )
    currency = (element.get("Ccy") or "").strip().upper()
    if not is_iso_4217_currency(currency):
        raise EntryError(
            _("%(path)s has currency %(value)r; the Ccy attribute must be an ISO 4217 code such as EUR.")
            % {"path": path, "value": currency}
        )
    return amount.quantize(Decimal("0.01")), currency


def _date(entry: etree._Element, tag: str, path: str) -> dt.date | None:
    raw = _text(entry, f"{tag}/Dt") or _text(entry, f"{tag}/DtTm")[:10]
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise EntryError(
            _("%(path)s is %(value)r, which is not a date (YYYY-MM-DD).") % {"path": path, "value": raw}
        ) from None


def _datetime(raw: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        return None
    # NOTE: a CreDtTm without offset is the bank's local time but is stored as UTC; it is only displayed.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
