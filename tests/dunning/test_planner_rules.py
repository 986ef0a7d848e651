"""The pure step-choice and hold rules, without a database."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from dunning.models import StepTemplate
from dunning.planner import days_since_due, hold_reason, most_severe, plan_step, step_is_due
from invoices.models import SettlementStatus


def step(pk, days, position, offset_from="due_date"):
    return SimpleNamespace(pk=pk, days_after_due=days, position=position, offset_from=offset_from)


DEFAULT = [step("r1", 7, 1), step("r2", 21, 2), step("final", 35, 3)]
WITH_PRE_DUE = [step("p1", -3, 1), step("r2", 10, 2)]


def test_days_since_due_is_signed():
    due = dt.date(2025, 10, 31)
    assert days_since_due(due, dt.date(2025, 10, 28)) == -3
    assert days_since_due(due, dt.date(2025, 10, 31)) == 0
    assert days_since_due(due, dt.date(2025, 11, 1)) == 1


@pytest.mark.parametrize(
    ("offset", "days_since", "expected"),
    [
        (7, 6, False),
        (7, 7, True),
        (7, 30, True),
        (-3, -4, False),
        (-3, -3, True),
        (-3, 0, True),
        (-3, 1, False),
        (0, 0, True),
        (0, 1, False),
        (1, 0, False),
        (1, 1, True),
    ],
)
def test_step_is_due(offset, days_since, expected):
    assert step_is_due(offset, days_since) is expected


@pytest.mark.parametrize(
    ("days_since", "done", "expected_step", "expected_superseded"),
    [
        (0, set(), None, ()),
        (6, set(), None, ()),
        (7, set(), "r1", ()),
        (8, set(), "r1", ()),
        (8, {"r1"}, None, ()),
        (21, {"r1"}, "r2", ()),
        (22, set(), "r1", ()),
        (40, set(), "r1", ()),
        (40, {"r1"}, "r2", ()),
        (40, {"r1", "r2"}, "final", ()),
        (40, {"final"}, None, ()),
    ],
)
def test_plan_step_default_workflow(days_since, done, expected_step, expected_superseded):
    plan = plan_step(DEFAULT, days_since, done)
    if expected_step is None:
        assert plan is None
    else:
        assert plan.step.pk == expected_step
        assert tuple(s.pk for s in plan.superseded) == expected_superseded


@pytest.mark.parametrize(
    ("days_since", "done", "expected_step", "expected_superseded"),
    [
        (-10, set(), None, ()),
        (-4, set(), None, ()),
        (-3, set(), "p1", ()),
        (-1, {"p1"}, None, ()),
        (1, set(), None, ()),
        (9, {"p1"}, None, ()),
        (10, {"p1"}, "r2", ()),
        (10, set(), "r2", ("p1",)),
    ],
)
def test_plan_step_with_pre_due_step(days_since, done, expected_step, expected_superseded):
    plan = plan_step(WITH_PRE_DUE, days_since, done)
    if expected_step is None:
        assert plan is None
    else:
        assert plan.step.pk == expected_step
        assert tuple(s.pk for s in plan.superseded) == expected_superseded


def invoice(**overrides):
    values = {
        "settlement_status": SettlementStatus.OPEN,
        "open_amount": Decimal("100.00"),
        "disputed_at": None,
    }
    values.update(overrides)
    return SimpleNamespace(**values)


@pytest.mark.parametrize(
    ("overrides", "has_question", "net_balance", "expected"),
    [
        ({}, False, Decimal("100.00"), None),
        ({"settlement_status": SettlementStatus.PARTIALLY_PAID}, False, Decimal("60.00"), None),
        (
            {"settlement_status": SettlementStatus.PAID, "open_amount": Decimal("0")},
            False,
            Decimal("0"),
            "invoice paid",
        ),
        (
            {"settlement_status": SettlementStatus.CREDITED, "open_amount": Decimal("0")},
            False,
            Decimal("0"),
            "invoice credited",
        ),
        (
            {"disputed_at": dt.datetime(2025, 10, 2, tzinfo=dt.UTC)},
            False,
            Decimal("100.00"),
            "invoice disputed",
        ),
        ({}, True, Decimal("100.00"), "open question on invoice"),
        ({}, False, Decimal("-50.00"), "debtor in credit, net balance -50.00"),
        ({}, False, Decimal("0.00"), "debtor owes nothing overall, net balance 0.00"),
    ],
)
def test_hold_reason(overrides, has_question, net_balance, expected):
    assert hold_reason(invoice(**overrides), has_open_question=has_question, net_balance=net_balance) == expected


def test_most_severe_template():
    assert most_severe([StepTemplate.FRIENDLY_REMINDER, StepTemplate.SECOND_REMINDER]) == StepTemplate.SECOND_REMINDER
    assert most_severe([StepTemplate.FINAL_NOTICE, StepTemplate.FRIENDLY_REMINDER]) == StepTemplate.FINAL_NOTICE
    assert most_severe([StepTemplate.FRIENDLY_REMINDER]) == StepTemplate.FRIENDLY_REMINDER


@pytest.mark.parametrize(
    ("days_since_last_message", "expected_step"),
    [(None, "r2"), (0, None), (6, None), (7, "r2"), (30, "r2")],
)
def test_plan_step_waits_between_messages(days_since_last_message, expected_step):
    plan = plan_step(DEFAULT, 60, {"r1"}, days_since_last_message=days_since_last_message)

    assert (plan.step.pk if plan else None) == expected_step
