"""Pure rules of the dunning planner: which step is due, and why an invoice is held back.

The functions here read no database, so tests call them with plain values.
``dunning.services.dunning_run`` applies them to an organisation's invoices.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from dunning.models import StepTemplate, WorkflowStep
from invoices.models import SettlementStatus
from payt.money import format_amount

SUPERSEDED = "superseded"
# Minimum number of days between two messages about the same invoice.
MIN_DAYS_BETWEEN_STEPS = 7
# Templates from mildest to most severe; a message uses the most severe of its invoices.
SEVERITY = [StepTemplate.FRIENDLY_REMINDER, StepTemplate.SECOND_REMINDER, StepTemplate.FINAL_NOTICE]


@dataclass(frozen=True)
class StepPlan:
    """The step to act on now, and the earlier steps that will never be sent."""

    step: WorkflowStep
    superseded: tuple[WorkflowStep, ...]


def days_since_due(due_date: dt.date, today: dt.date) -> int:
    """Return the signed days from the due date to ``today``: -3 before it, 0 on it, 1 after it."""
    return (today - due_date).days


def step_is_due(days_after_due: int, days_since: int) -> bool:
    """Tell whether a step with this offset applies ``days_since`` days after the due date.

    An overdue step (offset 1 or more) applies from its day on, so a run
    that was missed catches up the next day. A step on or before the due
    date (offset 0 or less) applies from its day until the due date and
    lapses once the invoice is overdue, because "due in 3 days" is false
    after the due date.
    """
    if days_after_due > 0:
        return days_since >= days_after_due
    return days_after_due <= days_since <= 0


def plan_step(
    steps: Sequence[WorkflowStep],
    days_since: int,
    done_step_ids: set,
    days_since_last_message: int | None = None,
) -> StepPlan | None:
    """Return the next step to send now, or None when nothing is due yet.

    Escalation goes one step at a time, so an invoice found long overdue
    gets the first reminder first, never a final notice out of the blue.
    The next step follows once its own offset is reached and at least
    ``MIN_DAYS_BETWEEN_STEPS`` days have passed since the invoice's previous
    message (``days_since_last_message``). A missed run is caught up the
    next day. Pre-due steps that lapsed without an action are returned as
    superseded, so the record shows why they were never sent.
    """
    ordered = sorted(steps, key=lambda step: (step.days_after_due, step.position))
    last_done = max((index for index, step in enumerate(ordered) if step.pk in done_step_ids), default=-1)
    pending = [step for step in ordered[last_done + 1 :] if step.pk not in done_step_ids]
    due = [step for step in pending if step_is_due(step.days_after_due, days_since)]
    if not due:
        return None
    if days_since_last_message is not None and days_since_last_message < MIN_DAYS_BETWEEN_STEPS:
        return None

    target = due[0]
    superseded = tuple(
        step for step in pending if step.days_after_due < target.days_after_due and not step_is_due(
            step.days_after_due, days_since
        )
    )
    return StepPlan(step=target, superseded=superseded)


def hold_reason(invoice, *, has_open_question: bool, net_balance: Decimal) -> str | None:
    """Return why the invoice must not be reminded now, or None if it may be.

    ``net_balance`` is the debtor's open receivables minus unallocated credit
    and payments in the invoice's currency: a debtor who owes nothing overall
    gets no reminder, even for an invoice that is open on its own.
    """
    if invoice.settlement_status == SettlementStatus.CREDITED:
        return "invoice credited"
    if invoice.settlement_status == SettlementStatus.PAID or invoice.open_amount <= 0:
        return "invoice paid"
    if invoice.disputed_at is not None:
        return "invoice disputed"
    if has_open_question:
        return "open question on invoice"
    if net_balance < 0:
        return f"debtor in credit, net balance {format_amount(net_balance)}"
    if net_balance == 0:
        return f"debtor owes nothing overall, net balance {format_amount(net_balance)}"
    return None


def most_severe(templates: Iterable[str]) -> str:
    """Return the most severe template of ``templates`` (final notice over second over friendly)."""
    return max(templates, key=SEVERITY.index)
