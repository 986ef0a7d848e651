"""Read an invoice history from a CSV file in the column layout of ar_ibm.csv.

Columns used: ``customerID``, ``countryCode``, ``invoiceNumber``,
``InvoiceDate``, ``DueDate``, ``InvoiceAmount``, ``Disputed`` (Yes/No),
``SettledDate`` (empty while open) and, when present, ``PaperlessBill``
(Electronic/Paper). Other columns, such as ``DaysToSettle`` and ``DaysLate``,
are ignored because they restate the dates. Dates are month/day/year.
"""

import csv
import datetime as dt
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from forecasting.history import InvoiceHistory, history_from_columns

REQUIRED_COLUMNS = (
    "customerID",
    "countryCode",
    "invoiceNumber",
    "InvoiceDate",
    "DueDate",
    "InvoiceAmount",
    "Disputed",
    "SettledDate",
)
DATE_FORMAT = "%m/%d/%Y"


class CsvHistoryError(ValueError):
    """Raised when the file cannot be used at all (missing columns, no valid row)."""


@dataclass
class CsvHistory:
    history: InvoiceHistory
    # (line number, message) of each row that was skipped.
    bad_rows: list[tuple[int, str]] = field(default_factory=list)


def _date(row: dict, column: str, *, optional: bool = False) -> dt.date | None:
    value = (row.get(column) or "").strip()
    if not value and optional:
        return None
    try:
        return dt.datetime.strptime(value, DATE_FORMAT).date()  # noqa: DTZ007 (a date, no time zone)
    except ValueError:
        raise ValueError(f"{column} {value!r} is not a date in month/day/year form, such as 1/31/2013") from None


def _flag(row: dict, column: str, true_word: str, false_word: str) -> bool:
    value = (row.get(column) or "").strip()
    if value not in (true_word, false_word):
        raise ValueError(f"{column} {value!r} is invalid; use {true_word} or {false_word}")
    return value == true_word


def _parse(row: dict) -> dict:
    issue = _date(row, "InvoiceDate")
    due = _date(row, "DueDate")
    settled = _date(row, "SettledDate", optional=True)
    if due < issue:
        raise ValueError(f"DueDate {row['DueDate']} is before InvoiceDate {row['InvoiceDate']}")
    if settled is not None and settled < issue:
        raise ValueError(f"SettledDate {row['SettledDate']} is before InvoiceDate {row['InvoiceDate']}")
    try:
        amount = float(row["InvoiceAmount"])
    except ValueError:
        raise ValueError(f"InvoiceAmount {row['InvoiceAmount']!r} is not a number, such as 55.94") from None
    customer = (row.get("customerID") or "").strip()
    if not customer:
        raise ValueError("customerID is missing")
    electronic = None
    if "PaperlessBill" in row:
        electronic = 1.0 if _flag(row, "PaperlessBill", "Electronic", "Paper") else 0.0
    return {
        "customer": customer,
        "country": (row.get("countryCode") or "").strip(),
        "number": row["invoiceNumber"],
        "issue": issue,
        "due": due,
        "settled": settled,
        "amount": amount,
        "disputed": _flag(row, "Disputed", "Yes", "No"),
        "electronic": electronic,
    }


def read_history(path: Path, *, secret: bytes | None = None) -> CsvHistory:
    """Read the file into a history, hashing customer ids with ``secret`` (random when None).

    Rows that cannot be read are skipped and listed with their line number.
    """
    secret = secret if secret is not None else secrets.token_bytes(32)
    parsed, bad_rows = [], []
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [column for column in REQUIRED_COLUMNS if column not in (reader.fieldnames or [])]
        if missing:
            raise CsvHistoryError(
                f"{path}: missing column(s) {', '.join(missing)}; the header needs {', '.join(REQUIRED_COLUMNS)}"
            )
        for line, row in enumerate(reader, start=2):
            try:
                parsed.append(_parse(row))
            except ValueError as error:
                bad_rows.append((line, str(error)))
    if not parsed:
        raise CsvHistoryError(f"{path}: no valid invoice rows ({len(bad_rows)} rows skipped)")

    has_channel = all(item["electronic"] is not None for item in parsed)
    history = history_from_columns(
        debtor_references=[item["customer"] for item in parsed],
        secret=secret,
        issue=[item["issue"] for item in parsed],
        due=[item["due"] for item in parsed],
        settled=[item["settled"] for item in parsed],
        amount=[item["amount"] for item in parsed],
        disputed=[item["disputed"] for item in parsed],
        electronic=[item["electronic"] for item in parsed] if has_channel else None,
        debtor_country={item["customer"]: item["country"] for item in parsed},
        invoice_ids=[item["number"] for item in parsed],
    )
    return CsvHistory(history=history, bad_rows=bad_rows)
