"""Pure payment plan rules: splitting to the cent, due dates, the review rules, missed instalments."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from payments.models import PaymentPlanPolicy, PlanInterval
from payments.plan_rules import (
    BREAK,
    BROKEN_PLAN_RECENTLY,
    FIRST_DATE_TOO_LATE,
    INSTALMENT_BELOW_MINIMUM,
    NOTHING_OPEN,
    OPEN_AMOUNT_CHANGED,
    REMIND,
    TOO_MANY_INSTALMENTS,
    TOTAL_ABOVE_LIMIT,
    ReviewReason,
    approval_block,
    describe_plan_event,
    describe_reason,
    distribute_settled,
    instalment_due_dates,
    missed_instalment_action,
    review_reasons,
    split_instalments,
)

TODAY = dt.date(2026, 3, 10)


@pytest.mark.parametrize(
    ("total", "count", "expected"),
    [
        ("100.00", 3, ["33.33", "33.33", "33.34"]),
        # 16.666... rounds half up to 16.67; the last part takes the difference.
        ("100.00", 6, ["16.67", "16.67", "16.67", "16.67", "16.67", "16.65"]),
        ("1405.31", 4, ["351.33", "351.33", "351.33", "351.32"]),
        ("0.05", 2, ["0.03", "0.02"]),
        ("300.00", 3, ["100.00", "100.00", "100.00"]),
        ("10.01", 2, ["5.01", "5.00"]),
        ("999.99", 12, ["83.33"] * 11 + ["83.36"]),
    ],
)
def test_split_to_the_cent(total, count, expected):
    parts = split_instalments(Decimal(total), count)

    assert parts == [Decimal(value) for value in expected]
    assert sum(parts) == Decimal(total)


def test_split_rounds_half_up():
    # 0.125 per part: half even would give 0.12, half up gives 0.13.
    parts = split_instalments(Decimal("1.00"), 8)

    assert parts[0] == Decimal("0.13")
    assert parts[-1] == Decimal("0.09")


@pytest.mark.parametrize(("total", "count"), [("0.01", 2), ("0.10", 6), ("0.00", 2)])
def test_split_too_small_raises(total, count):
    with pytest.raises(ValueError, match="cannot be split"):
        split_instalments(Decimal(total), count)


def test_split_zero_count_raises():
    with pytest.raises(ValueError, match="Cannot split into 0"):
        split_instalments(Decimal("10.00"), 0)


def test_due_dates_monthly_keep_day_of_month():
    dates = instalment_due_dates(dt.date(2026, 1, 31), 4, PlanInterval.MONTHLY)

    assert dates == [dt.date(2026, 1, 31), dt.date(2026, 2, 28), dt.date(2026, 3, 31), dt.date(2026, 4, 30)]


def test_due_dates_monthly_leap_year():
    dates = instalment_due_dates(dt.date(2028, 1, 30), 2, PlanInterval.MONTHLY)

    assert dates == [dt.date(2028, 1, 30), dt.date(2028, 2, 29)]


def test_due_dates_weekly_and_fortnightly():
    weekly = instalment_due_dates(dt.date(2026, 3, 2), 3, PlanInterval.WEEKLY)
    fortnightly = instalment_due_dates(dt.date(2026, 3, 2), 3, PlanInterval.FORTNIGHTLY)

    assert weekly == [dt.date(2026, 3, 2), dt.date(2026, 3, 9), dt.date(2026, 3, 16)]
    assert fortnightly == [dt.date(2026, 3, 2), dt.date(2026, 3, 16), dt.date(2026, 3, 30)]


def test_due_dates_unknown_interval_raises():
    with pytest.raises(ValueError, match="Unknown interval 'daily'"):
        instalment_due_dates(TODAY, 2, "daily")


def policy(**overrides) -> PaymentPlanPolicy:
    return PaymentPlanPolicy(**overrides)


def decide(rules=None, *, total="300.00", count=3, first=TODAY + dt.timedelta(days=7), last_broken_on=None):
    amounts = split_instalments(Decimal(total), count)
    return review_reasons(
        rules or policy(),
        total=Decimal(total),
        currency="EUR",
        amounts=amounts,
        first_due_date=first,
        today=TODAY,
        last_broken_on=last_broken_on,
    )


def codes(reasons: list[ReviewReason]) -> list[str]:
    return [reason.code for reason in reasons]


def test_defaults_match_the_documented_rules():
    rules = policy()

    assert rules.max_instalments == 6
    assert rules.min_instalment_amount == Decimal("25.00")
    assert rules.max_auto_accept_total == Decimal("2500.00")
    assert rules.broken_plan_lookback_days == 365
    assert rules.grace_days == 7
    assert rules.interval == PlanInterval.MONTHLY


def test_within_every_rule_accepted():
    assert decide() == []


def test_rule_max_instalments():
    assert codes(decide(total="700.00", count=7)) == [TOO_MANY_INSTALMENTS]
    assert decide(total="600.00", count=6) == []


def test_rule_max_instalments_from_policy():
    assert codes(decide(policy(max_instalments=2), count=3)) == [TOO_MANY_INSTALMENTS]


def test_rule_min_instalment_amount():
    reasons = decide(total="74.99", count=3)

    assert codes(reasons) == [INSTALMENT_BELOW_MINIMUM]
    assert reasons[0].params == {"amount": "24.99", "minimum": "25.00", "currency": "EUR"}
    assert decide(total="75.00", count=3) == []


def test_rule_min_uses_smallest_instalment():
    # 75.01 in 3: 25.00, 25.00, 25.01; every part meets the minimum of 25.00.
    assert decide(total="75.01", count=3) == []
    # 100.00 in 6 at a minimum of 16.66: the last part is 16.65.
    assert codes(decide(policy(min_instalment_amount=Decimal("16.66")), total="100.00", count=6)) == [
        INSTALMENT_BELOW_MINIMUM
    ]


def test_rule_total_limit():
    assert codes(decide(total="2500.01", count=3)) == [TOTAL_ABOVE_LIMIT]
    assert decide(total="2500.00", count=3) == []


def test_rule_total_limit_off_when_empty():
    assert decide(policy(max_auto_accept_total=None), total="99999.00", count=3) == []


def test_rule_first_date():
    assert decide(first=TODAY + dt.timedelta(days=30)) == []
    reasons = decide(first=TODAY + dt.timedelta(days=31))

    assert codes(reasons) == [FIRST_DATE_TOO_LATE]
    assert reasons[0].params == {"date": "2026-04-10", "days": 30}


def test_rule_broken_plan_within_a_year():
    assert codes(decide(last_broken_on=TODAY - dt.timedelta(days=365))) == [BROKEN_PLAN_RECENTLY]
    assert decide(last_broken_on=TODAY - dt.timedelta(days=366)) == []


def test_rule_broken_plan_off_at_zero_days():
    assert decide(policy(broken_plan_lookback_days=0), last_broken_on=TODAY) == []


def test_several_rules_listed_in_order():
    reasons = decide(total="3000.00", count=8, first=TODAY + dt.timedelta(days=60), last_broken_on=TODAY)

    assert codes(reasons) == [TOO_MANY_INSTALMENTS, TOTAL_ABOVE_LIMIT, FIRST_DATE_TOO_LATE, BROKEN_PLAN_RECENTLY]


def test_reason_text_in_dutch_and_english():
    reason = {"code": INSTALMENT_BELOW_MINIMUM, "params": {"amount": "24.99", "minimum": "25.00", "currency": "EUR"}}

    with translation.override("en"):
        english = describe_reason(reason)
    with translation.override("nl"):
        dutch = describe_reason(reason)

    assert english == "An instalment of €\N{NO-BREAK SPACE}24.99 is below the minimum of €\N{NO-BREAK SPACE}25.00."
    assert dutch == "Een termijn van €\N{NO-BREAK SPACE}24,99 is lager dan het minimum van €\N{NO-BREAK SPACE}25,00."


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (dt.date(2026, 3, 9), None),
        (dt.date(2026, 3, 10), None),
        (dt.date(2026, 3, 11), REMIND),
        (dt.date(2026, 3, 17), REMIND),
        (dt.date(2026, 3, 18), BREAK),
    ],
)
def test_missed_instalment_action(today, expected):
    assert missed_instalment_action(dt.date(2026, 3, 10), today, grace_days=7) == expected


def test_missed_instalment_without_grace_breaks_next_day():
    assert missed_instalment_action(dt.date(2026, 3, 10), dt.date(2026, 3, 11), grace_days=0) == BREAK


def test_distribute_settled_in_sequence():
    amounts = [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]

    assert distribute_settled(Decimal("0"), amounts) == [Decimal("0"), Decimal("0"), Decimal("0")]
    assert distribute_settled(Decimal("40.00"), amounts) == [Decimal("33.33"), Decimal("6.67"), Decimal("0.00")]
    assert distribute_settled(Decimal("120.00"), amounts) == amounts
    assert distribute_settled(Decimal("-5.00"), amounts) == [Decimal("0"), Decimal("0"), Decimal("0")]


def test_plan_event_text_in_dutch():
    data = {"event": "instalment_paid", "sequence": 2, "instalments": 3, "amount": "33.33", "currency": "EUR"}

    with translation.override("nl"):
        text = describe_plan_event(data)

    assert text == "Termijn 2 van 3 betaald: €\N{NO-BREAK SPACE}33,33"


def test_other_event_is_not_a_plan_event():
    assert describe_plan_event({"event": "chargeback", "amount": "x"}) is None


@pytest.mark.parametrize(
    ("total", "receivable_now", "expected"),
    [
        ("3000.00", "3000.00", None),
        ("3000.00", "0.00", NOTHING_OPEN),
        ("3000.00", "-5.00", NOTHING_OPEN),
        ("3000.00", "2999.99", OPEN_AMOUNT_CHANGED),
        ("3000.00", "3000.01", OPEN_AMOUNT_CHANGED),
    ],
)
def test_approval_block(total, receivable_now, expected):
    assert approval_block(Decimal(total), Decimal(receivable_now)) == expected
