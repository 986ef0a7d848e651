"""Choosing a debtor's workflow, step dates, business days and step order, without a database."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from dunning.planner import next_business_day, order_steps, step_date, step_is_due_on, workflow_for


def workflow(pk, *, default=False, **rule):
    fields = {
        "match_kind": "",
        "match_country": "",
        "match_language": "",
        "match_tag": "",
        "min_open_amount": None,
        "max_open_amount": None,
    }
    fields.update(rule)
    return SimpleNamespace(pk=pk, is_default=default, **fields)


def debtor(**overrides):
    fields = {"workflow_id": None, "kind": "company", "country": "NL", "language": "nl", "tags": []}
    fields.update(overrides)
    return SimpleNamespace(**fields)


WORKFLOWS = [
    workflow("consumers", match_kind="consumer"),
    workflow("belgium", match_country="BE"),
    workflow("vip", match_tag="vip"),
    workflow("large", min_open_amount=Decimal("10000.00")),
    workflow("english", match_language="en", max_open_amount=Decimal("500.00")),
    workflow("by-hand-only"),
    workflow("standard", default=True),
]


@pytest.mark.parametrize(
    ("overrides", "open_total", "expected"),
    [
        ({}, Decimal("100.00"), "standard"),
        ({"kind": "consumer"}, Decimal("100.00"), "consumers"),
        ({"country": "BE"}, Decimal("100.00"), "belgium"),
        ({"country": "be"}, Decimal("100.00"), "belgium"),
        ({"tags": ["vip", "late"]}, Decimal("100.00"), "vip"),
        ({}, Decimal("10000.00"), "large"),
        ({}, Decimal("9999.99"), "standard"),
        ({"language": "en"}, Decimal("499.99"), "english"),
        ({"language": "en"}, Decimal("500.00"), "standard"),
        ({"workflow_id": "by-hand-only", "kind": "consumer"}, Decimal("100.00"), "by-hand-only"),
        ({"kind": "consumer", "country": "BE"}, Decimal("100.00"), "consumers"),
    ],
)
def test_workflow_for_precedence(overrides, open_total, expected):
    assert workflow_for(debtor(**overrides), WORKFLOWS, open_total).pk == expected


def test_workflow_without_rule_is_never_picked_by_rule():
    assert workflow_for(debtor(), [workflow("by-hand-only")], Decimal("1")) is None


def step(pk, offset, position, offset_from="due_date", business_day=False):
    return SimpleNamespace(
        pk=pk, days_after_due=offset, position=position, offset_from=offset_from, next_business_day=business_day
    )


def test_next_business_day_skips_weekend_and_dutch_holidays():
    assert next_business_day(dt.date(2026, 12, 4), "NL") == dt.date(2026, 12, 4)
    assert next_business_day(dt.date(2026, 12, 5), "NL") == dt.date(2026, 12, 7)
    assert next_business_day(dt.date(2026, 12, 25), "NL") == dt.date(2026, 12, 28)
    assert next_business_day(dt.date(2026, 4, 27), "NL") == dt.date(2026, 4, 28)
    assert next_business_day(dt.date(2026, 4, 27), "BE") == dt.date(2026, 4, 27)


def test_step_date_offsets():
    due = dt.date(2025, 10, 31)
    assert step_date(step("r", 10, 1), due, None, "NL") == dt.date(2025, 11, 10)
    assert step_date(step("p", -3, 1), due, None, "NL") == dt.date(2025, 10, 28)
    assert step_date(step("n", 14, 2, "previous_step"), due, None, "NL") is None
    assert step_date(step("n", 14, 2, "previous_step"), due, dt.date(2025, 11, 10), "NL") == dt.date(2025, 11, 24)


def test_step_date_waits_for_business_day():
    due = dt.date(2026, 12, 18)
    assert step_date(step("r", 7, 1, business_day=True), due, None, "NL") == dt.date(2026, 12, 28)
    assert step_date(step("r", 7, 1, business_day=False), due, None, "NL") == dt.date(2026, 12, 25)


def test_step_due_lapse_and_catch_up():
    due = dt.date(2025, 10, 31)
    pre = step("p", -3, 1)
    late = step("r", 10, 2)
    assert step_is_due_on(pre, dt.date(2025, 10, 28), due, dt.date(2025, 10, 28))
    assert not step_is_due_on(pre, dt.date(2025, 11, 1), due, dt.date(2025, 10, 28))
    assert step_is_due_on(late, dt.date(2025, 11, 12), due, dt.date(2025, 11, 10))
    assert not step_is_due_on(late, dt.date(2025, 11, 9), due, dt.date(2025, 11, 10))


def test_order_steps_places_relative_steps_after_their_predecessor():
    steps = [step("a", 7, 1), step("b", 20, 2, "previous_step"), step("c", 21, 3)]
    assert [s.pk for s in order_steps(steps)] == ["a", "c", "b"]


def test_fourteen_day_letter_only_for_dutch_consumers():
    from dunning.planner import step_applies_to

    letter = SimpleNamespace(template="fourteen_day_letter")
    assert step_applies_to(letter, debtor(kind="consumer"), "NL")
    assert not step_applies_to(letter, debtor(kind="consumer"), "DE")
    assert not step_applies_to(letter, debtor(kind="company"), "NL")
