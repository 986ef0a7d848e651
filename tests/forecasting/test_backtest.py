"""The back-test command and the CSV reader, on ar_ibm.csv and on broken files."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from forecasting.backtest import run_backtest
from forecasting.csv_history import CsvHistoryError, read_history
from payt.demo import CSV_PATH

HEADER = "countryCode,customerID,PaperlessDate,invoiceNumber,InvoiceDate,DueDate,InvoiceAmount,Disputed,SettledDate," \
         "PaperlessBill,DaysToSettle,DaysLate\n"
GOOD_ROW = "391,0379-NEVHP,4/6/2013,0000611365,1/2/2013,2/1/2013,55.94,No,1/15/2013,Paper,13,0\n"


@pytest.fixture(scope="module")
def ar_ibm_results():
    history = read_history(CSV_PATH, secret=b"test").history
    return run_backtest(history), run_backtest(history, use_disputed=False)


def test_ar_ibm_meets_the_target_bands(ar_ibm_results):
    with_flag, _ = ar_ibm_results
    metrics = with_flag.metrics
    assert with_flag.test_invoices == 621
    assert 0.88 <= metrics.coverage <= 0.92
    assert 0.88 <= metrics.coverage_undisputed <= 0.92
    assert metrics.mean_width_days <= 22
    assert metrics.mae_days <= 4.5
    assert metrics.auc_on_time >= 0.90


def test_ar_ibm_disputed_coverage_in_band(ar_ibm_results):
    with_flag, _ = ar_ibm_results
    assert 0.88 <= with_flag.metrics.coverage_disputed <= 0.92


def test_ar_ibm_coverage_per_history_band(ar_ibm_results):
    with_flag, _ = ar_ibm_results
    by_history = {row["paid_before"]: row for row in with_flag.by_history}
    assert by_history["11-20"]["invoices"] == 298
    assert 0.88 <= by_history["11-20"]["coverage"] <= 0.92
    assert by_history["21+"]["invoices"] == 318
    assert 0.88 <= by_history["21+"]["coverage"] <= 0.92


def test_ar_ibm_beats_the_baselines(ar_ibm_results):
    with_flag, without_flag = ar_ibm_results
    assert with_flag.baselines["due_date_mae_days"] == pytest.approx(11.2, abs=0.1)
    assert with_flag.baselines["debtor_average_mae_days"] == pytest.approx(6.5, abs=0.1)
    assert without_flag.metrics.mae_days < with_flag.baselines["debtor_average_mae_days"]
    assert with_flag.metrics.mean_width_days < with_flag.baselines["split_conformal_width_days"]


def test_backtest_command_prints_json(tmp_path):
    path = tmp_path / "small.csv"
    path.write_text("".join(CSV_PATH.read_text().splitlines(keepends=True)[:1201]))
    output = StringIO()

    call_command("forecast_backtest", "--csv", str(path), "--json", stdout=output)

    result = json.loads(output.getvalue())
    for key in ("coverage", "coverage_disputed", "coverage_undisputed", "mean_width_days", "mae_days", "auc_on_time"):
        assert isinstance(result[key], float), key
    assert result["use_disputed"] is True


def test_backtest_command_rejects_missing_file(tmp_path):
    with pytest.raises(CommandError, match="file not found"):
        call_command("forecast_backtest", "--csv", str(tmp_path / "missing.csv"))


def test_csv_without_required_column_names_it(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER.replace("DueDate", "Due") + GOOD_ROW)
    with pytest.raises(CsvHistoryError, match="missing column\\(s\\) DueDate"):
        read_history(path)


def test_csv_bad_rows_are_reported_by_line(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text(
        HEADER
        + GOOD_ROW
        + GOOD_ROW.replace("1/15/2013", "15/1/2013")
        + GOOD_ROW.replace(",No,", ",Maybe,")
        + GOOD_ROW.replace("55.94", "lots")
        + GOOD_ROW.replace(",1/15/2013,", ",,").replace("0000611365", "0000611366")
    )

    loaded = read_history(path)

    assert len(loaded.history) == 2  # the good row and the open one
    assert loaded.history.is_open.sum() == 1
    assert [line for line, _ in loaded.bad_rows] == [3, 4, 5]
    assert "SettledDate '15/1/2013' is not a date" in loaded.bad_rows[0][1]
    assert "Disputed 'Maybe' is invalid; use Yes or No" == loaded.bad_rows[1][1]
    assert "InvoiceAmount 'lots' is not a number" in loaded.bad_rows[2][1]
