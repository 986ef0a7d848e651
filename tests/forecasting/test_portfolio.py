"""Portfolio forecasts and risk reasons, as pure functions."""

import numpy as np
import pytest
from django.utils import translation

from forecasting.alerts import OrganizationNorms, reason_text, risk_reasons
from forecasting.portfolio import on_time_share, payment_cdf, weekly_cash_in

NORMS = OrganizationNorms(on_time_share=0.7, mean_days_late=2.0)


def test_on_time_share_counts_known_outcomes_and_forecasts():
    expected, lower, upper = on_time_share(np.array([1.0, 0.0]), np.array([0.5, 0.5]))
    assert expected == pytest.approx(0.5)
    assert lower >= 0.25 and upper <= 0.75  # at least the one known on time, at most three of four
    assert lower < expected < upper


def test_on_time_share_of_settled_month_has_no_band():
    assert on_time_share(np.array([1.0, 1.0, 0.0]), np.array([])) == pytest.approx((2 / 3, 2 / 3, 2 / 3))


def test_payment_cdf_passes_the_quantiles():
    lower, median, upper = np.array([5.0]), np.array([10.0]), np.array([20.0])
    assert payment_cdf(np.array([5.0]), lower, median, upper)[0] == pytest.approx(0.05)
    assert payment_cdf(np.array([10.0]), lower, median, upper)[0] == pytest.approx(0.5)
    assert payment_cdf(np.array([20.0]), lower, median, upper)[0] == pytest.approx(0.95)
    assert payment_cdf(np.array([40.0]), lower, median, upper)[0] == 1.0
    assert payment_cdf(np.array([-1.0]), lower, median, upper)[0] == 0.0


def test_weekly_cash_in_spreads_each_amount_once():
    amounts = np.array([1000.0, 500.0])
    weeks = weekly_cash_in(amounts, np.array([2.0, 20.0]), np.array([5.0, 30.0]), np.array([9.0, 50.0]), 13)
    assert sum(expected for expected, _, _ in weeks) == pytest.approx(1500.0)
    assert weeks[0][0] > weeks[5][0]
    for expected, lower, upper in weeks:
        assert 0 <= lower <= expected <= upper


def test_risk_reasons_name_what_drives_the_risk():
    row = {"paid_count": 10, "on_time_share": 0.2, "mean_days_late": 18.0, "recent_days_late": 30.0,
           "overdue_count": 3, "days_past_due": 5, "disputes": 0, "reminders_sent": 2, "amount_vs_usual": 0.0}
    reasons = risk_reasons(row, NORMS)
    assert [reason["code"] for reason in reasons] == ["late_on_average", "low_on_time_share", "getting_later"]
    assert reason_text(reasons[1]) == "Paid 20% of 10 invoices on time, against 70% across all debtors."


def test_risk_reasons_for_a_new_debtor():
    reasons = risk_reasons({"paid_count": 0, "disputed": 1.0, "overdue_count": 0}, NORMS)
    assert [reason["code"] for reason in reasons] == ["disputed", "no_history"]


def test_reason_text_is_translated():
    with translation.override("nl"):
        text = reason_text({"code": "late_on_average", "days": 12})
    assert text == "Betaalt gemiddeld 12 dagen na de vervaldatum."
