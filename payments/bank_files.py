"""Bank files as the importer reads them, whatever their format.

``payments.bank_reader.parse_bank_file`` turns CAMT.053, CAMT.054 and MT940
content into a ``ParsedBankFile``: the file's identity, the entries that could
be read and the entries that could not, each named by its position in the
file. A file that cannot be read at all raises ``BankFileError``.

Positions read "3" for the third entry, "3.2" for the second transaction of a
batch entry, and "2:3.2" when the file holds more than one statement.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

MAX_BANK_FILE_BYTES = 5 * 1024 * 1024


class BankFileError(ValueError):
    """The whole file is unusable: not a bank file, malformed, or missing its identity."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class ParsedEntry:
    """One booked amount: a CAMT entry or one transaction of a batch, or an MT940 :61: line."""

    position: str
    amount: Decimal
    currency: str
    credit_debit: str
    booking_date: dt.date | None = None
    value_date: dt.date | None = None
    is_reversal: bool = False
    booking_status: str = "BOOK"
    structured_reference: str = ""
    reference_type: str = ""
    remittance_text: str = ""
    additional_info: str = ""
    end_to_end_id: str = ""
    mandate_id: str = ""
    bank_reference: str = ""
    counterparty_name: str = ""
    counterparty_iban: str = ""
    bank_transaction_code: str = ""
    return_reason: str = ""


@dataclass
class RejectedEntry:
    position: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"position": self.position, "message": self.message}


@dataclass
class ParsedBankFile:
    file_format: str
    message_id: str
    account_iban: str = ""
    created_at: dt.datetime | None = None
    entries: list[ParsedEntry] = field(default_factory=list)
    rejected: list[RejectedEntry] = field(default_factory=list)


def entry_position(statement_index: int, statement_count: int, entry_index: int, transaction_index: int = 0) -> str:
    """Return the position label of an entry, counted from 1."""
    position = str(entry_index)
    if transaction_index:
        position += f".{transaction_index}"
    if statement_count > 1:
        position = f"{statement_index}:{position}"
    return position


def same_bookings(first: ParsedBankFile, second: ParsedBankFile) -> bool:
    """Tell whether two parsed files report the same account, entries and unreadable entries.

    The bank's creation time and the bytes (layout, whitespace, comments) may
    differ, because a bank that exports the same statement twice changes them.
    """
    return (
        first.file_format == second.file_format
        and first.account_iban == second.account_iban
        and first.entries == second.entries
        and first.rejected == second.rejected
    )
