"""Read an invoice history from a CSV file in the column layout of ar_ibm.csv.

Columns used: ``customerID``, ``countryCode``, ``invoiceNumber``,
``InvoiceDate``, ``DueDate``, ``InvoiceAmount``, ``Disputed`` (Yes/No),
``SettledDate`` (empty while open) and, when present, ``PaperlessBill``
(Electronic/Paper). Other columns, such as ``DaysToSettle`` and ``DaysLate``,
are ignored because they restate the dates. Dates are month/day/year.

The file must be UTF-8 (a byte order mark is allowed). The delimiter is the
one of comma, semicolon and tab that splits the header into the most required
column names. A row is skipped, and reported with the file line it starts on,
when its field count differs from the header's, a value is invalid, a date lies
outside ``EARLIEST_DATE`` to one year after today, an amount is not finite,
not positive or above ``MAX_AMOUNT``, or its invoiceNumber was already read.
"""

import codecs
import csv
import datetime as dt
import io
import math
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
USED_COLUMNS = (*REQUIRED_COLUMNS, "PaperlessBill")
DATE_FORMAT = "%m/%d/%Y"
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}

# Plausible values. Earlier dates are typing errors or defaults such as 1/1/1900, the first day of
# Excel's calendar, and dates more than a year after today are typing errors or placeholders such as 1/1/2099.
EARLIEST_DATE = dt.date(1990, 1, 1)
LATEST_DATE_AFTER_TODAY = dt.timedelta(days=365)
# Larger amounts are treated as typing errors; the bound also keeps sums and logarithms finite.
MAX_AMOUNT = 1e12


class CsvHistoryError(ValueError):
    """Raised when the file cannot be used at all (unreadable, missing columns, no valid row)."""


@dataclass
class CsvHistory:
    history: InvoiceHistory
    # (line number, message) of each row that was skipped.
    bad_rows: list[tuple[int, str]] = field(default_factory=list)


def _us_date(day: dt.date) -> str:
    return f"{day.month}/{day.day}/{day.year}"


def _date(row: dict, column: str, latest: dt.date, *, optional: bool = False) -> dt.date | None:
    value = row[column].strip()
    if not value and optional:
        return None
    try:
        day = dt.datetime.strptime(value, DATE_FORMAT).date()  # noqa: DTZ007 (a date, no time zone)
    except ValueError:
        raise ValueError(f"{column} {value!r} is not a date in month/day/year form, such as 1/31/2013") from None
    if not EARLIEST_DATE <= day <= latest:
        raise ValueError(
            f"{column} {value!r} is outside the plausible range {_us_date(EARLIEST_DATE)} to {_us_date(latest)}; "
            "correct the date or leave the row out"
        )
    return day


def _amount(row: dict) -> float:
    value = row["InvoiceAmount"].strip()
    try:
        amount = float(value)
    except ValueError:
        raise ValueError(f"InvoiceAmount {value!r} is not a number, such as 55.94") from None
    if not math.isfinite(amount):
        raise ValueError(f"InvoiceAmount {value!r} is not a finite number; give the amount, such as 55.94")
    if amount <= 0:
        raise ValueError(
            f"InvoiceAmount {value!r} is not positive; the history contains invoices only, "
            "so leave credit notes and zero amounts out"
        )
    if amount > MAX_AMOUNT:
        raise ValueError(f"InvoiceAmount {value!r} is above the maximum of {MAX_AMOUNT:,.0f}; correct the amount")
    return amount


def _flag(row: dict, column: str, true_word: str, false_word: str) -> bool:
    value = row[column].strip()
    if value not in (true_word, false_word):
        raise ValueError(f"{column} {value!r} is invalid; use {true_word} or {false_word}")
    return value == true_word


def _parse(row: dict, latest: dt.date) -> dict:
    issue = _date(row, "InvoiceDate", latest)
    due = _date(row, "DueDate", latest)
    settled = _date(row, "SettledDate", latest, optional=True)
    if due < issue:
        raise ValueError(f"DueDate {row['DueDate']} is before InvoiceDate {row['InvoiceDate']}")
    if settled is not None and settled < issue:
        raise ValueError(f"SettledDate {row['SettledDate']} is before InvoiceDate {row['InvoiceDate']}")
    amount = _amount(row)
    customer = row["customerID"].strip()
    if not customer:
        raise ValueError("customerID is missing")
    number = row["invoiceNumber"].strip()
    if not number:
        raise ValueError("invoiceNumber is missing")
    electronic = None
    if "PaperlessBill" in row:
        electronic = 1.0 if _flag(row, "PaperlessBill", "Electronic", "Paper") else 0.0
    return {
        "customer": customer,
        "country": row["countryCode"].strip(),
        "number": number,
        "issue": issue,
        "due": due,
        "settled": settled,
        "amount": amount,
        "disputed": _flag(row, "Disputed", "Yes", "No"),
        "electronic": electronic,
    }


def _read_text(path: Path) -> str:
    """Return the file's text, or raise CsvHistoryError saying how to save it readably."""
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise CsvHistoryError(f"{path} is a directory; give the path of a CSV file") from None
    except PermissionError:
        raise CsvHistoryError(f"{path}: permission denied; make the file readable or copy it elsewhere") from None
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise CsvHistoryError(f"{path} is UTF-16 text; save it as CSV UTF-8 (comma delimited)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise CsvHistoryError(
            f"{path}: byte {error.start} (0x{raw[error.start]:02x}, line {line}) is not UTF-8; "
            "save the file as CSV UTF-8 (comma delimited)"
        ) from None
    if "\x00" in text:
        raise CsvHistoryError(f"{path} contains NUL bytes, as UTF-16 text does; save it as CSV UTF-8 (comma delimited)")
    if not text.strip():
        raise CsvHistoryError(
            f"{path}: the file is empty; it needs a header line with {', '.join(REQUIRED_COLUMNS)} "
            "and one line per invoice"
        )
    return text


def _delimiter(first_line: str) -> str:
    """Return the delimiter that splits the header into the most required columns; comma on a tie."""

    def found(delimiter: str) -> int:
        names = next(csv.reader([first_line], delimiter=delimiter), [])
        return len(set(REQUIRED_COLUMNS) & {name.strip() for name in names})

    return max(DELIMITERS, key=found)


def _header(reader, path: Path, first_line: str) -> list[str]:
    names = [name.strip() for name in next(reader)]
    missing = [column for column in REQUIRED_COLUMNS if column not in names]
    if missing:
        raise CsvHistoryError(
            f"{path}: missing column(s) {', '.join(missing)}; the header needs {', '.join(REQUIRED_COLUMNS)}, "
            f"separated by commas, and line 1 reads {first_line[:300]!r}"
        )
    repeated = sorted({name for name in names if name in USED_COLUMNS and names.count(name) > 1})
    if repeated:
        raise CsvHistoryError(f"{path}: column(s) {', '.join(repeated)} appear more than once in the header; keep one")
    return names


def _row(fields: list[str], header: list[str], delimiter: str) -> dict:
    """Map the fields to the header names, or raise ValueError when the counts differ."""
    counts = f"the row has {len(fields)} fields, the header has {len(header)}"
    if len(fields) > len(header):
        name = DELIMITERS[delimiter]
        raise ValueError(f"{counts}; quote values that contain a {name}, such as \"61{delimiter}74\"")
    if len(fields) < len(header):
        absent = header[len(fields):]
        named = [column for column in absent if column in USED_COLUMNS] or absent
        also = f" (and {', '.join(named[1:])})" if len(named) > 1 else ""
        raise ValueError(f"{named[0]} is missing{also}: {counts}")
    return dict(zip(header, fields, strict=True))


def _parse_rows(reader, header: list[str], delimiter: str, latest: dt.date) -> tuple[list[dict], list]:
    """Parse each record; return the valid ones and (file line, message) of the skipped ones."""
    parsed, bad_rows, first_lines = [], [], {}
    start = reader.line_num + 1
    for fields in reader:
        line, start = start, reader.line_num + 1
        if not any(value.strip() for value in fields):
            continue
        try:
            item = _parse(_row(fields, header, delimiter), latest)
        except ValueError as error:
            bad_rows.append((line, str(error)))
            continue
        first = first_lines.setdefault(item["number"], line)
        if first != line:
            bad_rows.append((line, f"invoiceNumber {item['number']!r} repeats line {first}, which is kept"))
            continue
        parsed.append(item)
    return parsed, bad_rows


def read_history(path: Path, *, secret: bytes | None = None, today: dt.date | None = None) -> CsvHistory:
    """Read the file into a history, hashing customer ids with ``secret`` (random when None).

    Rows that cannot be read are skipped and listed with the file line they
    start on. ``today`` (UTC date when None) sets the latest plausible date.
    Raise CsvHistoryError when the file cannot be used at all.
    """
    path = Path(path)
    secret = secret if secret is not None else secrets.token_bytes(32)
    today = today or dt.datetime.now(dt.UTC).date()

    text = _read_text(path)
    first_line = text.splitlines()[0]
    delimiter = _delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = _header(reader, path, first_line)
    try:
        parsed, bad_rows = _parse_rows(reader, header, delimiter, today + LATEST_DATE_AFTER_TODAY)
    except csv.Error as error:
        raise CsvHistoryError(f"{path}: line {reader.line_num} cannot be read as CSV: {error}") from None
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
