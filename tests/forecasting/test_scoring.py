"""Nightly scoring of open invoices and the read functions of the dashboard."""

import datetime as dt
from decimal import Decimal

import pytest

from forecasting.features import LANDMARK_DAYS_AFTER_DUE
from forecasting.models import InvoiceForecast, ModelStatus, PooledModel
from forecasting.selectors import (
    cash_in_forecast,
    debtor_payment_trend,
    invoice_forecast,
    invoice_forecasts,
    on_time_share_by_month,
    risky_invoices,
)
from forecasting.services import forecast_score, pooled_model_register
from invoices.services import invoice_mark_disputed, invoice_register, payment_register
from payt.tenancy import tenant_context

TODAY = dt.date(2025, 10, 15)


@pytest.fixture
def scored_alfa(org_alfa, org_bravo, make_invoice, trained_outcome):
    """Alfa: a debtor with a paid history and open invoices, scored on TODAY with the pooled model."""
    pooled_model_register(outcome=trained_outcome, organizations=2)
    prompt = make_invoice(org_alfa, number="P-1", total="100.00", issue_date=dt.date(2025, 4, 1), country="NL")
    for number, issue in (("P-1", None), ("P-2", dt.date(2025, 4, 15)), ("P-3", dt.date(2025, 5, 1))):
        invoice = prompt if issue is None else make_invoice(
            org_alfa, number=number, total="100.00", issue_date=issue, debtor=prompt.debtor
        )
        with tenant_context(org_alfa):
            payment_register(organization=org_alfa, amount=Decimal("100.00"),
                             payment_date=invoice.issue_date + dt.timedelta(days=10), invoice=invoice)
    first = make_invoice(
        org_alfa, number="A-1", total="500.00", issue_date=dt.date(2025, 6, 1), country="NL", phone="020 123 4567"
    )
    debtor = first.debtor
    with tenant_context(org_alfa):
        payment_register(organization=org_alfa, amount=Decimal("500.00"), payment_date=dt.date(2025, 7, 20),
                         invoice=first)
    for number, issue in (("A-2", dt.date(2025, 7, 1)), ("A-3", dt.date(2025, 8, 1))):
        paid = make_invoice(org_alfa, number=number, total="300.00", issue_date=issue, debtor=debtor)
        with tenant_context(org_alfa):
            payment_register(organization=org_alfa, amount=Decimal("300.00"),
                             payment_date=issue + dt.timedelta(days=50), invoice=paid)
    overdue = make_invoice(org_alfa, number="A-4", total="2000.00", issue_date=dt.date(2025, 9, 1), debtor=debtor)
    not_due = make_invoice(org_alfa, number="A-5", total="800.00", issue_date=dt.date(2025, 10, 10), debtor=debtor)
    new_debtor = make_invoice(org_alfa, number="A-6", total="90.00", issue_date=dt.date(2025, 10, 1), country="NL")
    with tenant_context(org_alfa):
        invoice_mark_disputed(
            invoice=not_due, reason="wrong quantity", disputed_at=dt.datetime(2025, 10, 12, 9, tzinfo=dt.UTC)
        )
    make_invoice(org_bravo, number="B-1", total="700.00", issue_date=dt.date(2025, 9, 1), country="NL")

    count = forecast_score(organization=org_alfa, run_date=TODAY)
    return {"count": count, "overdue": overdue, "not_due": not_due, "new_debtor": new_debtor, "debtor": debtor}


def test_scoring_writes_a_forecast_per_open_invoice(org_alfa, org_bravo, scored_alfa):
    assert scored_alfa["count"] == 3
    with tenant_context(org_alfa):
        forecasts = list(InvoiceForecast.objects.select_related("invoice").order_by("invoice__number"))
    assert [f.invoice.number for f in forecasts] == ["A-4", "A-5", "A-6"]
    for forecast in forecasts:
        assert forecast.lower_date <= forecast.expected_date <= forecast.upper_date
        assert forecast.lower_date >= TODAY
        assert forecast.model_label == "pooled v1"
    overdue = forecasts[0]
    assert overdue.p_on_time == 0.0  # its due date has passed
    assert forecasts[2].cold_start is True
    with tenant_context(org_bravo):
        assert InvoiceForecast.objects_unscoped.count() == 0


def test_rescoring_keeps_the_first_forecast(org_alfa, scored_alfa):
    with tenant_context(org_alfa):
        before = InvoiceForecast.objects.get(invoice=scored_alfa["not_due"])
    forecast_score(organization=org_alfa, run_date=TODAY + dt.timedelta(days=1))
    with tenant_context(org_alfa):
        after = InvoiceForecast.objects.get(invoice=scored_alfa["not_due"])
        assert InvoiceForecast.objects.count() == 3
    assert after.scored_on == TODAY + dt.timedelta(days=1)
    assert (after.first_scored_on, after.first_p_on_time) == (TODAY, before.first_p_on_time)


def test_invoice_forecast_selector(org_alfa, org_bravo, scored_alfa):
    with tenant_context(org_alfa):
        view = invoice_forecast(org_alfa, scored_alfa["not_due"].pk)
    assert view is not None
    assert 0.0 <= view.p_on_time <= 1.0
    assert "The debtor disputes this invoice." in view.reasons
    with tenant_context(org_bravo):
        assert invoice_forecast(org_bravo, scored_alfa["not_due"].pk) is None


def test_risky_invoices_lists_reasons_and_advice(org_alfa, org_bravo, scored_alfa):
    with tenant_context(org_alfa):
        risky = risky_invoices(org_alfa, min_amount=Decimal("0"), min_probability=0.0)
    numbers = [item.invoice.number for item in risky]
    assert numbers[0] == "A-4"  # the largest amount at risk: 2,000.00, overdue
    assert set(numbers) == {"A-4", "A-5", "A-6"}
    overdue = risky[0]
    assert overdue.risk_probability > 0.0
    assert overdue.advice == "Call the debtor before the next reminder goes out."
    assert overdue.reasons[0] == "Pays 20 days after the due date on average."
    assert "Paid 0% of 3 invoices on time, against 50% across all debtors." in overdue.reasons
    with tenant_context(org_bravo):
        assert risky_invoices(org_bravo, min_amount=Decimal("0"), min_probability=0.0) == []


def test_cash_in_forecast_spreads_open_amounts(org_alfa, org_bravo, scored_alfa):
    with tenant_context(org_alfa):
        forecast = cash_in_forecast(org_alfa, currency="EUR", today=TODAY)
    weeks = forecast.weeks
    assert len(weeks) == 13
    assert weeks[0].week_start == dt.date(2025, 10, 13)  # Monday of TODAY's week
    total = sum(week.expected for week in weeks)
    assert Decimal("0") < total <= Decimal("2890.00")
    for week in weeks:
        assert week.lower <= week.expected <= week.upper
    assert forecast.other_currencies == {}
    with tenant_context(org_bravo):
        assert sum(week.expected for week in cash_in_forecast(org_bravo, currency="EUR", today=TODAY).weeks) == 0


def test_cash_in_forecast_never_adds_currencies(org_alfa, scored_alfa):
    with tenant_context(org_alfa):
        euros_before = cash_in_forecast(org_alfa, currency="EUR", today=TODAY).weeks
        invoice_register(organization=org_alfa, debtor=scored_alfa["debtor"], number="G-1",
                         issue_date=dt.date(2025, 10, 1), total_amount=Decimal("1200.00"), currency="GBP")
    forecast_score(organization=org_alfa, run_date=TODAY)

    with tenant_context(org_alfa):
        euros = cash_in_forecast(org_alfa, currency="EUR", today=TODAY)
        pounds = cash_in_forecast(org_alfa, currency="GBP", today=TODAY)
    assert euros.weeks == euros_before
    assert (euros.other_currencies, euros.other_invoices) == ({"GBP": 1}, 1)
    assert Decimal("0") < sum(week.expected for week in pounds.weeks) <= Decimal("1200.00")
    assert pounds.other_currencies == {"EUR": 3}


def test_on_time_share_by_month(org_alfa, scored_alfa):
    with tenant_context(org_alfa):
        rows = on_time_share_by_month(org_alfa, months_back=6, months_ahead=2, today=TODAY)
        segments = on_time_share_by_month(org_alfa, segment="kind", today=TODAY)
    by_month = {row.month: row for row in rows}
    july = by_month[dt.date(2025, 7, 1)]  # both paid about 20 days late
    assert (july.invoices, july.actual, july.expected) == (2, 0.0, 0.0)
    may = by_month[dt.date(2025, 5, 1)]  # P-1, P-2 and P-3, all paid early
    assert (may.invoices, may.actual) == (3, 1.0)
    november = by_month[dt.date(2025, 11, 1)]  # not yet due
    assert november.actual is None
    assert november.lower <= november.expected <= november.upper
    assert {row.segment for row in segments} == {"company"}
    with pytest.raises(ValueError, match="segment 'colour' is invalid"):
        on_time_share_by_month(org_alfa, segment="colour")


def test_debtor_payment_trend(org_alfa, scored_alfa):
    with tenant_context(org_alfa):
        trend = debtor_payment_trend(org_alfa, scored_alfa["debtor"].pk, today=TODAY)
    assert [(point.month, point.paid_invoices) for point in trend] == [
        (dt.date(2025, 7, 1), 1),
        (dt.date(2025, 8, 1), 1),
        (dt.date(2025, 9, 1), 1),
    ]
    assert trend[0].mean_days_late == 19  # due 2025-07-01, paid 2025-07-20


def test_rescoring_closes_forecast_of_paid_invoice(org_alfa, scored_alfa):
    paid = scored_alfa["new_debtor"]
    with tenant_context(org_alfa):
        payment_register(organization=org_alfa, amount=Decimal("90.00"), payment_date=TODAY, invoice=paid)

    count = forecast_score(organization=org_alfa, run_date=TODAY + dt.timedelta(days=1))

    assert count == 2
    with tenant_context(org_alfa):
        closed = {f.invoice.number: f.closed_on for f in InvoiceForecast.objects.select_related("invoice")}
        assert invoice_forecast(org_alfa, paid.pk) is None
        assert paid.pk not in invoice_forecasts(org_alfa, [paid.pk])
    # The row stays for the on-time comparison of its first forecast.
    assert closed == {"A-4": None, "A-5": None, "A-6": TODAY + dt.timedelta(days=1)}


def test_closed_forecast_is_never_listed(org_alfa, scored_alfa):
    invoice = scored_alfa["not_due"]
    with tenant_context(org_alfa):
        InvoiceForecast.objects.filter(invoice=invoice).update(closed_on=TODAY)
        risky = risky_invoices(org_alfa, min_amount=Decimal("0"), min_probability=0.0)
        forecast = invoice_forecast(org_alfa, invoice.pk)

    assert forecast is None
    assert "A-5" not in [item.invoice.number for item in risky]


def test_scoring_without_model_still_closes_forecasts(org_alfa, scored_alfa):
    paid = scored_alfa["overdue"]
    with tenant_context(org_alfa):
        payment_register(organization=org_alfa, amount=Decimal("2000.00"), payment_date=TODAY, invoice=paid)
    PooledModel.objects.update(status=ModelStatus.RETIRED)

    assert forecast_score(organization=org_alfa, run_date=TODAY) == 0

    with tenant_context(org_alfa):
        assert InvoiceForecast.objects.get(invoice=paid).closed_on == TODAY


@pytest.fixture
def long_overdue(org_alfa, make_invoice, scored_alfa):
    """An invoice of Alfa's late debtor due in 2018, seven years overdue on TODAY, scored with the rest."""
    invoice = make_invoice(
        org_alfa, number="OLD-1", total="5000.00", issue_date=dt.date(2018, 9, 1), debtor=scored_alfa["debtor"]
    )
    forecast_score(organization=org_alfa, run_date=TODAY)
    return invoice


def test_model_stores_its_overdue_support(trained_outcome):
    # The generated history has paid invoices some weeks past due, not years.
    assert trained_outcome.model.overdue_support_days in LANDMARK_DAYS_AFTER_DUE
    assert 0 < trained_outcome.model.overdue_support_days < 365


def test_long_overdue_invoice_has_no_interval(org_alfa, scored_alfa, long_overdue):
    with tenant_context(org_alfa):
        old = InvoiceForecast.objects.get(invoice=long_overdue)
        recent = InvoiceForecast.objects.get(invoice=scored_alfa["overdue"])

    assert old.beyond_history is True
    assert recent.beyond_history is False
    assert old.risk_amount == Decimal("5000.00")
    with tenant_context(org_alfa):
        assert invoice_forecast(org_alfa, long_overdue.pk).beyond_history is True


def test_long_overdue_invoice_is_at_risk(org_alfa, long_overdue):
    with tenant_context(org_alfa):
        risks = {risk.invoice.number: risk for risk in risky_invoices(org_alfa)}

    assert "OLD-1" in risks
    assert risks["OLD-1"].risk_probability == 1.0


def test_cash_in_leaves_out_long_overdue_invoice(org_alfa, scored_alfa, long_overdue):
    with tenant_context(org_alfa):
        weeks = cash_in_forecast(org_alfa, currency="EUR", today=TODAY).weeks

    assert len(weeks) == 13
    # Only A-4 (2,000), A-5 (800) and A-6 (90) can come in; OLD-1 (5,000) has no reliable forecast.
    assert sum(week.expected for week in weeks) <= Decimal("2890.00")
