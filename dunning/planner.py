"""Pure rules of the dunning planner: which step is due, and why an invoice is held back.

The functions here read no database, so tests call them with plain values.
``dunning.services.dunning_run`` applies them to an organisation's invoices.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from dunning.calendar import next_business_day
from dunning.models import OffsetFrom, StepTemplate, Workflow, WorkflowStep
from invoices.models import SettlementStatus
from payt.money import format_amount

SUPERSEDED = "superseded"
NOT_FOR_THIS_DEBTOR = "step does not apply to this debtor"
# Minimum number of days between two messages about the same invoice.
MIN_DAYS_BETWEEN_STEPS = 7
# Templates from mildest to most severe; a message uses the most severe of its invoices.
SEVERITY = [
    StepTemplate.PRE_DUE_NOTICE,
    StepTemplate.PHONE_CALL,
    StepTemplate.FRIENDLY_REMINDER,
    StepTemplate.SECOND_REMINDER,
    StepTemplate.FOURTEEN_DAY_LETTER,
    StepTemplate.FINAL_NOTICE,
]


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


def step_date(
    step: WorkflowStep, due_date: dt.date, previous_sent_on: dt.date | None, country: str
) -> dt.date | None:
    """Return the first day ``step`` may go out, or None while the previous step has not gone out.

    The offset counts from the due date or from the day the previous step
    went out; a step that waits for a business day moves past weekends and
    the public holidays of ``country``.
    """
    if step.offset_from == OffsetFrom.PREVIOUS_STEP:
        if previous_sent_on is None:
            return None
        day = previous_sent_on + dt.timedelta(days=step.days_after_due)
    else:
        day = due_date + dt.timedelta(days=step.days_after_due)
    if step.next_business_day:
        day = next_business_day(day, country)
    return day


def step_is_due_on(step: WorkflowStep, run_date: dt.date, due_date: dt.date, first_day: dt.date | None) -> bool:
    """Tell whether ``step`` applies on ``run_date``, given its first day.

    Like ``step_is_due``: a step after the due date applies from its day on
    (a missed run catches up), a step on or before the due date lapses once
    the invoice is overdue.
    """
    if first_day is None:
        return False
    if step.offset_from == OffsetFrom.DUE_DATE and step.days_after_due <= 0:
        return first_day <= run_date <= due_date
    return run_date >= first_day


def workflow_for(debtor, workflows: Sequence[Workflow], open_total: Decimal) -> Workflow | None:
    """Pick the debtor's workflow: the one set by hand, else the first rule that matches, else the default.

    ``workflows`` come ordered by priority; ``open_total`` is what the debtor
    owes, used by the amount band.
    """
    by_id = {workflow.pk: workflow for workflow in workflows}
    if debtor.workflow_id in by_id:
        return by_id[debtor.workflow_id]
    for workflow in workflows:
        if not workflow.is_default and rule_matches(workflow, debtor, open_total):
            return workflow
    return next((workflow for workflow in workflows if workflow.is_default), None)


def has_rule(workflow: Workflow) -> bool:
    """Tell whether any rule field is filled in; a workflow without one is only used when set by hand."""
    fields = [workflow.match_kind, workflow.match_country, workflow.match_language, workflow.match_tag]
    return any(fields) or workflow.min_open_amount is not None or workflow.max_open_amount is not None


def rule_matches(workflow: Workflow, debtor, open_total: Decimal) -> bool:
    """Tell whether ``workflow`` has a rule and every filled-in rule field matches the debtor."""
    if not has_rule(workflow):
        return False
    checks = [
        not workflow.match_kind or workflow.match_kind == debtor.kind,
        not workflow.match_country or workflow.match_country.upper() == (debtor.country or "").upper(),
        not workflow.match_language or workflow.match_language == debtor.language,
        not workflow.match_tag or workflow.match_tag in (debtor.tags or []),
        workflow.min_open_amount is None or open_total >= workflow.min_open_amount,
        workflow.max_open_amount is None or open_total < workflow.max_open_amount,
    ]
    return all(checks)


def order_steps(steps: Sequence[WorkflowStep]) -> list[WorkflowStep]:
    """Return the steps in the order they happen: by offset from the due date, then position.

    A step counted from the previous step sits at the previous step's
    offset plus its own.
    """
    effective = {}
    previous_offset = 0
    for step in sorted(steps, key=lambda step: step.position):
        if step.offset_from == OffsetFrom.PREVIOUS_STEP:
            effective[step.pk] = previous_offset + step.days_after_due
        else:
            effective[step.pk] = step.days_after_due
        previous_offset = effective[step.pk]
    return sorted(steps, key=lambda step: (effective[step.pk], step.position))


def plan_step(
    steps: Sequence[WorkflowStep],
    days_since: int,
    done_step_ids: set,
    days_since_last_message: int | None = None,
    is_due: Callable[[WorkflowStep], bool] | None = None,
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
    if is_due is None:
        def is_due(step):
            return step_is_due(step.days_after_due, days_since)

    ordered = order_steps(steps)
    last_done = max((index for index, step in enumerate(ordered) if step.pk in done_step_ids), default=-1)
    pending = [step for step in ordered[last_done + 1 :] if step.pk not in done_step_ids]
    due = [step for step in pending if is_due(step)]
    if not due:
        return None
    if days_since_last_message is not None and days_since_last_message < MIN_DAYS_BETWEEN_STEPS:
        return None

    target = due[0]
    before_target = pending[: pending.index(target)]
    superseded = tuple(step for step in before_target if not is_due(step))
    return StepPlan(step=target, superseded=superseded)


def hold_reason(invoice, *, has_open_question: bool, net_balance: Decimal, hold=None) -> str | None:
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
    if hold is not None:
        until = f" until {hold.until.isoformat()}" if hold.until else ""
        return f"on hold: {hold.reason}{until}"
    if net_balance < 0:
        return f"debtor in credit, net balance {format_amount(net_balance)}"
    if net_balance == 0:
        return f"debtor owes nothing overall, net balance {format_amount(net_balance)}"
    return None


def step_applies_to(step: WorkflowStep, debtor, law_country: str = "NL") -> bool:
    """Tell whether ``step`` may run for ``debtor``.

    The 14-day letter is a Dutch consumer's letter (art. 6:96(6) BW): it is
    skipped for businesses and for consumers under another country's law.
    """
    if step.template == StepTemplate.FOURTEEN_DAY_LETTER:
        return debtor.kind == "consumer" and law_country == "NL"
    return True


def most_severe(templates: Iterable[str]) -> str:
    """Return the most severe template of ``templates`` (final notice over second over friendly)."""
    return max(templates, key=SEVERITY.index)
