"""The feature builder: only what was known on the morning of each row."""

import datetime as dt

import numpy as np
import pytest

from forecasting.features import FEATURES, build_features, scoring_table, training_table
from forecasting.history import OPEN, day_number, debtor_key, history_from_columns


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.fixture
def history():
    """Debtor A: three paid invoices (one late, one disputed), one open. Debtor B: one invoice."""
    return history_from_columns(
        debtor_references=["A", "A", "A", "A", "B"],
        secret=b"secret",
        issue=[day("2025-01-01"), day("2025-02-01"), day("2025-03-01"), day("2025-04-01"), day("2025-04-01")],
        due=[day("2025-01-31"), day("2025-03-03"), day("2025-03-31"), day("2025-05-01"), day("2025-05-01")],
        settled=[day("2025-01-20"), day("2025-03-13"), day("2025-04-20"), None, None],
        amount=[100.0, 200.0, 300.0, 400.0, 50.0],
        disputed=[False, False, True, False, False],
        electronic=[1.0, 1.0, 1.0, 1.0, 0.0],
        debtor_country={"A": "NL", "B": "BE"},
    )


def features_of(history, row: int, as_of: str) -> dict:
    matrix, names = build_features(history, np.array([row]), np.array([day_number(day(as_of))]), countries=["BE", "NL"])
    return dict(zip(names, matrix[0], strict=True))


def test_history_counts_only_payments_before_the_morning(history):
    on_issue = features_of(history, 3, "2025-04-01")
    assert on_issue["paid_count"] == 2  # the third invoice was paid on 2025-04-20, later
    assert on_issue["mean_days_late"] == pytest.approx((-11 + 10) / 2)
    assert on_issue["on_time_share"] == pytest.approx(0.5)
    assert on_issue["open_count"] == 1  # the third invoice, open that morning
    assert on_issue["overdue_count"] == 1  # and past its due date of 2025-03-31
    assert on_issue["disputes"] == 0

    later = features_of(history, 3, "2025-05-10")
    assert later["paid_count"] == 3
    assert later["disputes"] == 1
    assert later["disputed_days_to_pay"] == pytest.approx(50)
    assert later["days_past_due"] == 9
    assert later["age_days"] == 39


def test_debtor_without_history_has_missing_aggregates(history):
    values = features_of(history, 4, "2025-04-01")
    assert values["paid_count"] == 0
    assert np.isnan(values["mean_days_late"])
    assert np.isnan(values["days_since_first_invoice"])
    assert values["country"] == 0  # BE in the vocabulary ["BE", "NL"]


def test_reminders_count_before_the_morning(history):
    history.reminder_invoice = np.array([3, 3])
    history.reminder_day = np.array([day_number(day("2025-05-08")), day_number(day("2025-05-22"))])
    history.reminder_step = np.array([1, 2])
    assert features_of(history, 3, "2025-05-08")["reminders_sent"] == 0
    after_first = features_of(history, 3, "2025-05-09")
    assert (after_first["reminders_sent"], after_first["dunning_step"]) == (1, 1)
    after_second = features_of(history, 3, "2025-06-01")
    assert (after_second["reminders_sent"], after_second["dunning_step"]) == (2, 2)
    assert after_second["debtor_reminders"] == 2


def test_training_table_keeps_open_invoices_as_censored(history):
    cutoff = day_number(day("2025-04-10"))
    table = training_table(history, cutoff, countries=["NL"])
    at_issue = table.age == 0
    assert at_issue.sum() == 5
    censored = at_issue & np.isnan(table.remaining)
    # Invoice 3 (paid 2025-04-20) and both April invoices were open at the cutoff.
    assert sorted(table.row[censored].tolist()) == [2, 3, 4]
    assert table.observed_days[table.row == 2][0] == cutoff - day_number(day("2025-03-01"))
    # Invoice 3 was past due (2025-03-31) at the cutoff and unpaid: known to be late.
    assert table.on_time[(table.row == 2) & at_issue][0] == 0
    assert np.isnan(table.on_time[(table.row == 3) & at_issue][0])
    # A landmark row at the due date of invoice 2 (paid 10 days late).
    landmark = (table.row == 1) & (table.age > 0)
    assert table.remaining[landmark].tolist()[0] == 10


def test_scoring_table_has_the_open_invoices(history):
    table = scoring_table(history, day_number(day("2025-05-02")), countries=["NL"])
    assert sorted(table.row.tolist()) == [3, 4]
    assert table.feature_names == FEATURES


def test_debtor_key_depends_on_the_secret():
    assert debtor_key(b"one", "debtor-1") != debtor_key(b"two", "debtor-1")
    assert len(debtor_key(b"one", "debtor-1")) == 64


def test_known_at_reopens_later_payments(history):
    known = history.known_at(day_number(day("2025-04-10")))
    assert len(known) == 5
    assert known.settled[2] == OPEN


def test_training_rows_at_each_landmark(history):
    # Invoice 4 of debtor A (due 2025-05-01) is still open 400 days after its due date.
    cutoff = day_number(day("2025-05-01")) + 400
    table = training_table(history, cutoff, countries=["NL"])

    open_invoice = table.row == 3
    days_past_due = table.column("days_past_due")[open_invoice & (table.age > 0)]
    assert sorted(days_past_due.tolist()) == [0, 14, 30, 60]
