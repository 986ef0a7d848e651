"""Statutory interest: the worked examples of each country, day counts, capitalisation, bad input."""

import datetime as dt
from decimal import Decimal

import pytest

from dunning.calculation import CalculationError
from dunning.interest import (
    CapitalisationRule,
    DayCount,
    InterestSchedule,
    RateFixing,
    RatePoint,
    days_30e_360,
    statutory_interest,
)
from dunning.rate_selectors import interest_regime_for, interest_schedule, statutory_interest_for

D = dt.date
EIGHT_PERCENT = [RatePoint(D(2023, 1, 1), Decimal("8.00"))]


# Worked examples with the seeded rate tables: (country, kind, principal, first day, last day, interest).
SEEDED_EXAMPLES = [
    # NL 6:119, consumer: default from 2023-03-01, paid 2024-12-31, capitalised on 2024-03-01.
    ("NL", "consumer", "1000.00", D(2023, 3, 1), D(2024, 12, 31), "117.04"),
    # NL 6:119a: 5,000 due 2025-01-31, 150 days at 11.15% and 184 days at 10.15%.
    ("NL", "business", "5000.00", D(2025, 2, 1), D(2025, 12, 31), "484.95"),
    # NL 6:119a with capitalisation on 2024-01-01.
    ("NL", "business", "10000.00", D(2023, 1, 1), D(2024, 12, 31), "2506.11"),
    # NL 6:119a: 30 days in the first half of 2026 at 10.15%.
    ("NL", "business", "10000.00", D(2026, 1, 1), D(2026, 1, 30), "83.42"),
    # BE, Wet 2-8-2002: 30 days in 2026 S1 at 10.5%.
    ("BE", "business", "10000.00", D(2026, 1, 1), D(2026, 1, 30), "86.30"),
    # FR, L441-10: 30 days in 2026 S1 at 12.15%.
    ("FR", "business", "10000.00", D(2026, 1, 1), D(2026, 1, 30), "99.86"),
    # DE, section 288 BGB: 60 days in H1 2026, B2B 10.27% and consumer 6.27%.
    ("DE", "business", "10000.00", D(2026, 1, 1), D(2026, 3, 1), "168.82"),
    ("DE", "consumer", "10000.00", D(2026, 1, 1), D(2026, 3, 1), "103.07"),
    # UK: 5,000 falling due in H1 2026 (reference rate 11.75%), 30 days late.
    ("GB", "business", "5000.00", D(2026, 2, 1), D(2026, 3, 2), "48.29"),
]


@pytest.mark.usefixtures("statutory_rates")
@pytest.mark.parametrize(("country", "kind", "principal", "start", "end", "expected"), SEEDED_EXAMPLES)
def test_worked_example_with_seeded_rates(country, kind, principal, start, end, expected):
    calculation = statutory_interest_for(country, kind, Decimal(principal), start, end)

    assert calculation.result.amount == Decimal(expected)


@pytest.mark.usefixtures("statutory_rates")
def test_nl_consumer_example_breakdown():
    result = statutory_interest_for("NL", "consumer", Decimal("1000.00"), D(2023, 3, 1), D(2024, 12, 31)).result

    rows = [
        (period.start, period.end, period.days, period.base, period.rate, round(period.interest_unrounded, 4))
        for period in result.periods
    ]
    assert rows == [
        (D(2023, 3, 1), D(2023, 6, 30), 122, Decimal("1000.00"), Decimal("4"), Decimal("13.3699")),
        (D(2023, 7, 1), D(2023, 12, 31), 184, Decimal("1000.00"), Decimal("6"), Decimal("30.2466")),
        (D(2024, 1, 1), D(2024, 2, 29), 60, Decimal("1000.00"), Decimal("7"), Decimal("11.5068")),
        (D(2024, 3, 1), D(2024, 12, 31), 306, Decimal("1055.12"), Decimal("7"), Decimal("61.9196")),
    ]
    [capitalisation] = result.capitalisations
    assert capitalisation.date == D(2024, 3, 1)
    assert capitalisation.interest == Decimal("55.12")
    assert capitalisation.base_after == Decimal("1055.12")


@pytest.mark.usefixtures("statutory_rates")
def test_nl_commercial_example_periods():
    result = statutory_interest_for("NL", "business", Decimal("5000.00"), D(2025, 2, 1), D(2025, 12, 31)).result

    assert [(period.days, period.rate) for period in result.periods] == [
        (150, Decimal("11.15")),
        (184, Decimal("10.15")),
    ]
    assert [round(period.interest_unrounded, 4) for period in result.periods] == [
        Decimal("229.1096"),
        Decimal("255.8356"),
    ]
    assert result.capitalisations == ()


@pytest.mark.usefixtures("statutory_rates")
def test_nl_commercial_capitalises_first_year():
    result = statutory_interest_for("NL", "business", Decimal("10000.00"), D(2023, 1, 1), D(2024, 12, 31)).result

    [capitalisation] = result.capitalisations
    assert capitalisation.date == D(2024, 1, 1)
    assert capitalisation.interest == Decimal("1125.62")
    assert capitalisation.base_after == Decimal("11125.62")
    assert result.amount - capitalisation.interest == Decimal("1380.49")
    assert [period.days for period in result.periods] == [181, 184, 182, 184]


@pytest.mark.usefixtures("statutory_rates")
def test_unverified_rate_flags_result():
    verified = statutory_interest_for("NL", "business", Decimal("100.00"), D(2026, 1, 1), D(2026, 6, 30)).result
    unverified = statutory_interest_for("NL", "consumer", Decimal("100.00"), D(2026, 1, 1), D(2026, 6, 30)).result

    assert verified.rates_verified is True
    assert unverified.rates_verified is False


@pytest.mark.usefixtures("statutory_rates")
def test_uk_rate_fixed_by_due_half_year():
    # Due on 31 December 2025: the reference rate of H2 2025 (12.25%) applies throughout 2026 too.
    result = statutory_interest_for("GB", "business", Decimal("5000.00"), D(2026, 1, 1), D(2026, 8, 31)).result

    assert [(period.start, period.end, period.rate) for period in result.periods] == [
        (D(2026, 1, 1), D(2026, 8, 31), Decimal("12.25"))
    ]


@pytest.mark.usefixtures("statutory_rates")
@pytest.mark.parametrize(
    ("country", "kind", "parameter"),
    [("FR", "consumer", "debtor_kind"), ("GB", "consumer", "debtor_kind"), ("ES", "business", "country")],
)
def test_regime_missing_names_parameter(country, kind, parameter):
    with pytest.raises(CalculationError) as raised:
        interest_regime_for(country, kind)

    assert raised.value.parameter == parameter


@pytest.mark.usefixtures("statutory_rates")
def test_date_before_rate_table_names_start():
    with pytest.raises(CalculationError) as raised:
        statutory_interest_for("FR", "business", Decimal("100.00"), D(2023, 12, 31), D(2024, 1, 31))

    assert raised.value.parameter == "start"
    assert "2024-01-01" in raised.value.message


@pytest.mark.usefixtures("statutory_rates")
def test_regime_day_count_setting_is_used():
    regime = interest_regime_for("DE", "business")
    schedule = interest_schedule(regime)
    thirty_360 = InterestSchedule(
        code=schedule.code, rates=schedule.rates, day_count=DayCount.THIRTY_360, capitalisation=schedule.capitalisation
    )

    # January and February 2026 are two 30-day months: 10,000 x 10.27% x 60 / 360 = 171.1666...
    result = statutory_interest(Decimal("10000.00"), D(2026, 1, 1), D(2026, 2, 28), thirty_360)

    assert result.amount == Decimal("171.17")
    assert result.periods[0].days == 60
    assert result.periods[0].year_basis == 360


# --- BL-12: a leap day across a year boundary ----------------------------------------


def test_act_act_splits_by_calendar_year():
    result = statutory_interest(Decimal("10000.00"), D(2023, 12, 1), D(2024, 2, 29), EIGHT_PERCENT, DayCount.ACT_ACT)

    assert result.amount == Decimal("199.09")
    assert [(period.days, period.year_basis) for period in result.periods] == [(31, 365), (60, 366)]


def test_act_365_same_case():
    result = statutory_interest(Decimal("10000.00"), D(2023, 12, 1), D(2024, 2, 29), EIGHT_PERCENT, DayCount.ACT_365)

    assert result.amount == Decimal("199.45")
    assert [(period.days, period.year_basis) for period in result.periods] == [(91, 365)]


def test_default_day_count_is_act_365():
    result = statutory_interest(Decimal("10000.00"), D(2023, 12, 1), D(2024, 2, 29), EIGHT_PERCENT)

    assert result.day_count == DayCount.ACT_365
    assert result.amount == Decimal("199.45")


# --- Rounding and capitalisation ------------------------------------------------------


def test_rounds_once_not_per_period():
    # One day each: 100 x 1.46% / 365 = 0.0040 and 100 x 1.47% / 365 = 0.0040274.
    rates = [RatePoint(D(2025, 1, 1), Decimal("1.46")), RatePoint(D(2025, 1, 2), Decimal("1.47"))]

    result = statutory_interest(Decimal("100.00"), D(2025, 1, 1), D(2025, 1, 2), rates)

    assert len(result.periods) == 2
    assert all(period.interest_unrounded < Decimal("0.005") for period in result.periods)
    assert result.amount == Decimal("0.01")


def test_rounds_half_up():
    # 365 days at 1% on 0.50 is exactly 0.005.
    one_percent = [RatePoint(D(2025, 1, 1), Decimal("1"))]

    result = statutory_interest(Decimal("0.50"), D(2025, 1, 1), D(2025, 12, 31), one_percent)

    assert result.periods[0].interest_unrounded == Decimal("0.005")
    assert result.amount == Decimal("0.01")


def test_equal_rates_stay_one_period():
    rates = [RatePoint(D(2025, 1, 1), Decimal("5")), RatePoint(D(2025, 7, 1), Decimal("5"), verified=False)]

    result = statutory_interest(Decimal("100.00"), D(2025, 6, 1), D(2025, 7, 31), rates)

    [period] = result.periods
    assert period.days == 61
    assert period.rate_verified is False


def test_anniversary_of_leap_day_start():
    schedule = InterestSchedule(
        code="test", rates=(RatePoint(D(2024, 1, 1), Decimal("10")),), capitalisation=CapitalisationRule.YEARLY
    )

    result = statutory_interest(Decimal("1000.00"), D(2024, 2, 29), D(2026, 3, 31), schedule)

    assert [event.date for event in result.capitalisations] == [D(2025, 2, 28), D(2026, 2, 28)]
    # 365 days at 10% = 100.00; then 365 days on 1,100.00 = 110.00; then 32 days on 1,210.00.
    assert [event.interest for event in result.capitalisations] == [Decimal("100.00"), Decimal("110.00")]
    assert result.amount == Decimal("100.00") + Decimal("110.00") + Decimal("10.61")


def test_end_before_anniversary_does_not_capitalise():
    schedule = InterestSchedule(
        code="test", rates=(RatePoint(D(2024, 1, 1), Decimal("10")),), capitalisation=CapitalisationRule.YEARLY
    )

    result = statutory_interest(Decimal("1000.00"), D(2024, 3, 1), D(2025, 2, 28), schedule)

    assert result.capitalisations == ()
    assert result.amount == Decimal("100.00")


def test_due_date_fixing_uses_given_due_date():
    schedule = InterestSchedule(
        code="test",
        rates=(RatePoint(D(2025, 1, 1), Decimal("12")), RatePoint(D(2025, 7, 1), Decimal("10"))),
        rate_fixing=RateFixing.DUE_DATE,
    )

    by_start = statutory_interest(Decimal("1000.00"), D(2025, 7, 1), D(2025, 7, 31), schedule)
    by_due_date = statutory_interest(
        Decimal("1000.00"), D(2025, 7, 1), D(2025, 7, 31), schedule, due_date=D(2025, 7, 1)
    )

    assert by_start.periods[0].rate == Decimal("12")
    assert by_due_date.periods[0].rate == Decimal("10")


def test_single_day():
    one_percent = [RatePoint(D(2025, 1, 1), Decimal("1"))]

    result = statutory_interest(Decimal("36500.00"), D(2025, 5, 5), D(2025, 5, 5), one_percent)

    assert result.periods[0].days == 1
    assert result.amount == Decimal("1.00")


@pytest.mark.parametrize(
    ("start", "end_exclusive", "days"),
    [
        (D(2026, 1, 1), D(2026, 2, 1), 30),
        (D(2026, 1, 1), D(2026, 3, 1), 60),
        (D(2026, 1, 31), D(2026, 3, 1), 31),
        (D(2025, 7, 1), D(2026, 1, 1), 180),
    ],
)
def test_days_30e_360(start, end_exclusive, days):
    assert days_30e_360(start, end_exclusive) == days


# --- Bad input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("principal", "start", "end", "day_count", "parameter"),
    [
        ("0", D(2025, 1, 1), D(2025, 1, 2), None, "principal"),
        ("-5", D(2025, 1, 1), D(2025, 1, 2), None, "principal"),
        ("1.005", D(2025, 1, 1), D(2025, 1, 2), None, "principal"),
        ("abc", D(2025, 1, 1), D(2025, 1, 2), None, "principal"),
        ("10", D(2025, 1, 2), D(2025, 1, 1), None, "end"),
        ("10", "2025-01-01", D(2025, 1, 1), None, "start"),
        ("10", D(2025, 1, 1), D(2025, 1, 2), "act_360", "day_count"),
        ("10", D(2022, 12, 31), D(2025, 1, 2), None, "start"),
    ],
)
def test_bad_input_names_parameter(principal, start, end, day_count, parameter):
    with pytest.raises(CalculationError) as raised:
        statutory_interest(principal, start, end, EIGHT_PERCENT, day_count)

    assert raised.value.parameter == parameter
    assert isinstance(raised.value, ValueError)


def test_empty_rate_table_rejected():
    with pytest.raises(CalculationError) as raised:
        statutory_interest(Decimal("10"), D(2025, 1, 1), D(2025, 1, 2), [])

    assert raised.value.parameter == "rates"


def test_rates_out_of_order_sorted():
    rates = [RatePoint(D(2025, 7, 1), Decimal("10")), RatePoint(D(2025, 1, 1), Decimal("12"))]

    result = statutory_interest(Decimal("1000.00"), D(2025, 6, 1), D(2025, 7, 31), rates)

    assert [(period.start, period.rate) for period in result.periods] == [
        (D(2025, 6, 1), Decimal("12")),
        (D(2025, 7, 1), Decimal("10")),
    ]
