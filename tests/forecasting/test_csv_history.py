"""The CSV reader and the back-test command on malformed, unreadable and implausible files."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from forecasting.csv_history import CsvHistoryError, read_history
from payt.demo import CSV_PATH

HEADER = "countryCode,customerID,PaperlessDate,invoiceNumber,InvoiceDate,DueDate,InvoiceAmount,Disputed,SettledDate," \
         "PaperlessBill,DaysToSettle,DaysLate\n"
GOOD_ROW = "391,0379-NEVHP,4/6/2013,0000611365,1/2/2013,2/1/2013,55.94,No,1/15/2013,Paper,13,0\n"
OTHER_ROW = "406,8976-AMJEO,3/3/2012,0007900770,1/26/2013,2/25/2013,61.74,Yes,3/3/2013,Electronic,36,6\n"


def write(tmp_path, text: str, name: str = "history.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_short_row_names_missing_field(tmp_path):
    path = write(tmp_path, HEADER + "391,0379-NEVHP,4/6/2013,0000611365,1/2/2013,2/1/2013\n" + OTHER_ROW)

    loaded = read_history(path)

    assert len(loaded.history) == 1
    assert loaded.bad_rows[0][0] == 2
    assert loaded.bad_rows[0][1].startswith("InvoiceAmount is missing")
    assert "the row has 6 fields, the header has 12" in loaded.bad_rows[0][1]


def test_long_row_asks_for_quotes(tmp_path):
    path = write(tmp_path, HEADER + GOOD_ROW + OTHER_ROW.replace("61.74", "61,74"))

    loaded = read_history(path)

    assert len(loaded.history) == 1
    assert loaded.bad_rows[0][0] == 3
    assert "the row has 13 fields, the header has 12; quote values that contain a comma" in loaded.bad_rows[0][1]


def test_quoted_comma_is_one_field(tmp_path):
    path = write(tmp_path, HEADER + GOOD_ROW.replace("0379-NEVHP", '"NEVHP, Ltd"'))

    loaded = read_history(path)

    assert loaded.bad_rows == []
    assert len(loaded.history) == 1


def test_latin1_file_names_byte_and_fix(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + GOOD_ROW.replace("0379-NEVHP", "Café-Ü")).encode("latin-1"))

    with pytest.raises(CsvHistoryError) as error:
        read_history(path)

    assert str(path) in str(error.value)
    assert "(0xe9, line 2) is not UTF-8" in str(error.value)
    assert "save the file as CSV UTF-8" in str(error.value)


def test_utf16_file_names_fix(tmp_path):
    path = tmp_path / "utf16.csv"
    path.write_bytes((HEADER + GOOD_ROW).encode("utf-16"))

    with pytest.raises(CsvHistoryError, match="is UTF-16 text; save it as CSV UTF-8"):
        read_history(path)


def test_utf16_without_bom_names_fix(tmp_path):
    path = tmp_path / "utf16le.csv"
    path.write_bytes((HEADER + GOOD_ROW).encode("utf-16-le"))

    with pytest.raises(CsvHistoryError, match="contains NUL bytes.*save it as CSV UTF-8"):
        read_history(path)


def test_command_rejects_directory(tmp_path):
    with pytest.raises(CommandError, match=f"{tmp_path} is a directory; give the path of a CSV file"):
        call_command("forecast_backtest", "--csv", str(tmp_path))


def test_command_rejects_unreadable_file(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + GOOD_ROW.replace("0379-NEVHP", "Café")).encode("latin-1"))

    with pytest.raises(CommandError, match="is not UTF-8; save the file as CSV UTF-8"):
        call_command("forecast_backtest", "--csv", str(path))


def test_command_short_history_says_what_is_needed(tmp_path):
    lines = CSV_PATH.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    path = write(tmp_path, "".join(lines[:31]))

    with pytest.raises(CommandError) as error:
        call_command("forecast_backtest", "--csv", str(path))

    assert "30 invoices (30 paid): history too short" in str(error.value)
    assert "at least 200 invoices, most of them paid" in str(error.value)


def test_command_unpaid_history_says_what_is_needed(tmp_path):
    path = write(tmp_path, HEADER + GOOD_ROW.replace(",1/15/2013,", ",,") + OTHER_ROW.replace(",3/3/2013,", ",,"))

    with pytest.raises(CommandError, match="None of the 2 invoices is paid.*fill in SettledDate"):
        call_command("forecast_backtest", "--csv", str(path))


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("nan", "InvoiceAmount 'nan' is not a finite number"),
        ("inf", "InvoiceAmount 'inf' is not a finite number"),
        ("-50", "InvoiceAmount '-50' is not positive"),
        ("0", "InvoiceAmount '0' is not positive"),
        ("1e308", "InvoiceAmount '1e308' is above the maximum of 1,000,000,000,000"),
    ],
)
def test_implausible_amount_is_skipped(tmp_path, amount, message):
    path = write(tmp_path, HEADER + GOOD_ROW + OTHER_ROW.replace("61.74", amount))

    loaded = read_history(path)

    assert len(loaded.history) == 1
    assert loaded.bad_rows[0][0] == 3
    assert loaded.bad_rows[0][1].startswith(message)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (",3/3/2013,Electronic", ",1/1/2099,Electronic", "SettledDate '1/1/2099' is outside the plausible range"),
        (",1/26/2013,", ",1/1/1900,", "InvoiceDate '1/1/1900' is outside the plausible range"),
        (",2/25/2013,", ",6/1/2031,", "DueDate '6/1/2031' is outside the plausible range"),
    ],
)
def test_implausible_date_is_skipped(tmp_path, old, new, message):
    path = write(tmp_path, HEADER + GOOD_ROW + OTHER_ROW.replace(old, new))

    loaded = read_history(path, today=dt.date(2030, 1, 1))

    assert len(loaded.history) == 1
    assert loaded.bad_rows[0][0] == 3
    assert loaded.bad_rows[0][1].startswith(message)
    assert "1/1/1990 to 1/1/2031" in loaded.bad_rows[0][1]


def test_date_within_a_year_is_kept(tmp_path):
    path = write(tmp_path, HEADER + GOOD_ROW.replace(",1/15/2013,", ",12/31/2030,"))

    loaded = read_history(path, today=dt.date(2030, 1, 1))

    assert loaded.bad_rows == []


def test_duplicate_invoice_number_names_first_line(tmp_path):
    path = write(tmp_path, HEADER + GOOD_ROW + OTHER_ROW + GOOD_ROW.replace("55.94", "99.00"))

    loaded = read_history(path)

    assert len(loaded.history) == 2
    assert loaded.history.amount.tolist() == [55.94, 61.74]
    assert loaded.bad_rows == [(4, "invoiceNumber '0000611365' repeats line 2, which is kept")]


def test_semicolon_file_is_read(tmp_path):
    path = write(tmp_path, (HEADER + GOOD_ROW + OTHER_ROW).replace(",", ";"))

    loaded = read_history(path)

    assert loaded.bad_rows == []
    assert len(loaded.history) == 2


def test_unknown_header_is_shown(tmp_path):
    path = write(tmp_path, "a|b|c\n1|2|3\n")

    with pytest.raises(CsvHistoryError) as error:
        read_history(path)

    assert "missing column(s) customerID" in str(error.value)
    assert "separated by commas, and line 1 reads 'a|b|c'" in str(error.value)


def test_header_spaces_are_trimmed(tmp_path):
    path = write(tmp_path, HEADER.replace(",", ", ") + GOOD_ROW)

    loaded = read_history(path)

    assert loaded.bad_rows == []
    assert len(loaded.history) == 1


def test_empty_file_says_empty(tmp_path):
    path = write(tmp_path, "")

    with pytest.raises(CsvHistoryError, match="the file is empty"):
        read_history(path)


def test_line_numbers_count_file_lines(tmp_path):
    multi_line = OTHER_ROW.replace("3/3/2012", '"multi\nline"')
    path = write(tmp_path, HEADER + GOOD_ROW + multi_line + "\n" + GOOD_ROW.replace(",No,", ",Nee,"))

    loaded = read_history(path)

    assert len(loaded.history) == 2
    assert loaded.bad_rows == [(6, "Disputed 'Nee' is invalid; use Yes or No")]
