"""Read SWIFT MT940 statements with the ``mt-940`` library, one transaction at a time.

Each ``:61:`` line is parsed together with its statement's header, so a line
the library cannot read rejects that one transaction and the others are kept.
The ``:86:`` information of Dutch and Belgian banks (ABN AMRO, ING, Rabobank)
uses SEPA subfields such as ``/EREF/``, ``/IBAN/``, ``/NAME/``, ``/REMI/`` and
``/RTRN/``; those are split into the entry's fields, and any other ``:86:``
text becomes the description as it is.

The text is given to ``mt940.models.Transactions.parse`` directly: the
library's ``mt940.parse`` treats a string that names an existing file as a
path, and uploaded content must never be read as one.
"""

import datetime as dt
import hashlib
import re
from decimal import Decimal

import mt940
from django.utils.translation import gettext as _
from stdnum import iban as stdnum_iban

from payments.bank_files import BankFileError, ParsedBankFile, ParsedEntry, RejectedEntry, entry_position
from payments.models import BankFileFormat, CreditDebit

MESSAGE_ID_MAX_LENGTH = 200
_STATEMENT_START = re.compile(r"(?m)^(?=:20:)")
_TRANSACTION_START = re.compile(r"(?m)^(?=:61:)")
# Closing and available balances end a statement's last transaction.
_STATEMENT_END = re.compile(r"(?m)^(?=:6[2-5][FM]?:)")
_SWIFT_TEXT_BLOCK = re.compile(r"\{4:\s*(.*?)\n-\}", re.DOTALL)
_SEPA_KEYS = (
    "TRTP", "IBAN", "BIC", "NAME", "REMI", "EREF", "MARF", "CSID", "RTRN", "CNTP",
    "ORDP", "BENM", "ULTC", "ULTD", "PURP", "ISDT", "ADDR", "PREF", "KREF", "SVCL",
)
_SEPA_KEY = re.compile(r"/(" + "|".join(_SEPA_KEYS) + r")/")


class _StatementHeaderError(ValueError):
    pass


def looks_like_mt940(content: bytes) -> bool:
    head = content[:4096]
    return b":20:" in head and (b":25:" in head or b":61:" in head)


def parse_mt940(content: bytes) -> ParsedBankFile:
    """Parse an MT940 file, which may hold several statements, into entries and rejected entries."""
    text = _decode(content)
    blocks = [block for block in _STATEMENT_START.split(text) if block.strip().startswith(":20:")]
    if not blocks:
        raise BankFileError(_("The file has no :20: line, so it is not an MT940 statement."), "unknown_format")

    parsed = ParsedBankFile(file_format=BankFileFormat.MT940, message_id="")
    identities = []
    for statement_index, block in enumerate(blocks, start=1):
        try:
            identity = _read_statement(parsed, block, statement_index, len(blocks))
        except _StatementHeaderError as error:
            position = entry_position(statement_index, len(blocks), 0)
            parsed.rejected.append(RejectedEntry(position, str(error)))
            continue
        identities.append(identity)

    if not identities:
        raise BankFileError(
            _("No statement in the file could be read: %(reason)s") % {"reason": parsed.rejected[0].message},
            "malformed_mt940",
        )
    parsed.message_id = _message_id(identities)
    return parsed


def _decode(content: bytes) -> str:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Banks outside the SWIFT character set mostly export Latin-1.
        text = content.decode("latin-1")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    wrapped = _SWIFT_TEXT_BLOCK.findall(text)
    return "\n".join(wrapped) if wrapped else text


def _read_statement(parsed: ParsedBankFile, block: str, statement_index: int, statement_count: int) -> str:
    """Read one statement's transactions into ``parsed`` and return the statement's identity."""
    parts = _TRANSACTION_START.split(block)
    header = parts[0]
    statement = _parse_mt940_text(header)
    reference = str(statement.data.get("transaction_reference") or "")
    account = str(statement.data.get("account_identification") or "")
    if not reference or not account:
        raise _StatementHeaderError(
            _("Statement %(number)s lacks its :20: reference or :25: account line.") % {"number": statement_index}
        )
    if not parsed.account_iban:
        parsed.account_iban = _iban_of(account)

    for entry_index, chunk in enumerate(parts[1:], start=1):
        position = entry_position(statement_index, statement_count, entry_index)
        chunk = _STATEMENT_END.split(chunk)[0]
        try:
            transactions = _parse_mt940_text(header + chunk)
            parsed.entries.append(_entry_of(transactions[0].data, position))
        except (ValueError, RuntimeError, KeyError, IndexError, AttributeError) as error:
            parsed.rejected.append(
                RejectedEntry(
                    position,
                    _("The :61: line %(line)r cannot be read (%(error)s).")
                    % {"line": chunk.splitlines()[0][:80], "error": str(error)[:120] or type(error).__name__},
                )
            )

    number = str(statement.data.get("statement_number") or "")
    sequence = str(statement.data.get("sequence_number") or "")
    return f"{reference}/{account}/{number}.{sequence}"


def _parse_mt940_text(text: str) -> mt940.models.Transactions:
    transactions = mt940.models.Transactions()
    try:
        transactions.parse(text)
    except (ValueError, RuntimeError, KeyError, IndexError, AttributeError) as error:
        if not transactions.transactions and ":61:" not in text:
            raise _StatementHeaderError(
                _("The statement header cannot be read (%(error)s).") % {"error": str(error)[:120]}
            ) from None
        raise
    return transactions


def _entry_of(data: dict, position: str) -> ParsedEntry:
    status = str(data.get("status") or "")
    if status not in ("C", "D", "RC", "RD"):
        raise ValueError(f"credit/debit mark {status!r} is not C, D, RC or RD")
    amount = data["amount"]
    # RC reverses a credit, so money goes out; RD reverses a debit.
    credit_debit = CreditDebit.CREDIT if status in ("C", "RD") else CreditDebit.DEBIT
    entry = ParsedEntry(
        position=position,
        amount=abs(Decimal(amount.amount)).quantize(Decimal("0.01")),
        currency=str(amount.currency or data.get("currency") or "").upper(),
        credit_debit=credit_debit,
        booking_date=_plain_date(data.get("entry_date") or data.get("guessed_entry_date") or data.get("date")),
        value_date=_plain_date(data.get("date")),
        is_reversal=status.startswith("R"),
        bank_reference=str(data.get("bank_reference") or "")[:140],
        bank_transaction_code=str(data.get("id") or ""),
    )
    _read_details(entry, str(data.get("transaction_details") or ""))
    if entry.credit_debit == CreditDebit.DEBIT and entry.return_reason:
        entry.is_reversal = True
    return entry


def _plain_date(value) -> dt.date | None:
    # The library returns its own date subclass; the database layer wants a plain date.
    return dt.date(value.year, value.month, value.day) if value else None


def _read_details(entry: ParsedEntry, details: str) -> None:
    """Split SEPA :86: subfields into the entry, or keep free text as the description."""
    # TODO: German banks' ?20-?63 subfields (GVC format) are kept as free text, so their
    # payer name and IBAN are not matched until they are split like the SEPA ones.
    joined = details.replace("\n", "")
    fields = _sepa_fields(joined)
    if not fields:
        entry.remittance_text = " ".join(details.split())
        return

    entry.counterparty_iban = fields.get("IBAN", "").replace(" ", "").upper()[:34]
    entry.counterparty_name = fields.get("NAME", "")[:140]
    if "CNTP" in fields:
        # ING: /CNTP/account/BIC/name/city/
        account, _bic, name, *_rest = [*fields["CNTP"].split("/"), "", "", ""]
        entry.counterparty_iban = entry.counterparty_iban or account.upper()[:34]
        entry.counterparty_name = entry.counterparty_name or name[:140]
    entry.end_to_end_id = "" if fields.get("EREF", "").upper() == "NOTPROVIDED" else fields.get("EREF", "")[:140]
    entry.mandate_id = fields.get("MARF", "")[:140]
    entry.return_reason = fields.get("RTRN", "").split("/")[0][:35]
    entry.additional_info = fields.get("TRTP", "")
    _read_remittance(entry, fields.get("REMI", ""))


def _read_remittance(entry: ParsedEntry, remittance: str) -> None:
    # Structured: STRD/CUR/<reference>; unstructured: USTD//<text>.
    structured = re.match(r"STRD/([A-Z]{3,4})/(.+)", remittance)
    if structured:
        entry.structured_reference = structured.group(2).strip("/ ")[:140]
        entry.reference_type = structured.group(1)
        return
    entry.remittance_text = re.sub(r"^USTD//?", "", remittance).strip("/ ")


def _sepa_fields(text: str) -> dict[str, str]:
    matches = list(_SEPA_KEY.finditer(text))
    if not matches or matches[0].start() != 0:
        return {}
    fields = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        value = text[match.end() : end].strip()
        fields.setdefault(match.group(1), value.rstrip("/").strip())
    return fields


def _iban_of(account: str) -> str:
    # :25: contains the account, often followed by its currency (NL77ABNA0574908765EUR).
    compact = account.replace(" ", "").upper()
    if not stdnum_iban.is_valid(compact) and compact[-3:].isalpha() and stdnum_iban.is_valid(compact[:-3]):
        compact = compact[:-3]
    return compact[:34]


def _message_id(identities: list[str]) -> str:
    message_id = "MT940 " + " + ".join(identities)
    if len(message_id) <= MESSAGE_ID_MAX_LENGTH:
        return message_id
    return "MT940 " + hashlib.sha256(message_id.encode()).hexdigest()
