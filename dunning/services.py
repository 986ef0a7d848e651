"""Writes of the dunning engine: the default workflow and the daily planning run.

Sending lives in ``dunning.sender``; the rules that pick a step are pure
functions in ``dunning.planner``.
"""

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction

from dunning import selectors
from dunning.calendar import is_business_day
from dunning.charges import ChargeLog, charges_apply, law_country
from dunning.models import (
    ActionStatus,
    DunningAction,
    DunningRun,
    Message,
    MessageStatus,
    RunLogEntry,
    RunOutcome,
    StepTemplate,
    Workflow,
    WorkflowStep,
)
from dunning.planner import (
    MIN_DAYS_BETWEEN_STEPS,
    NOT_FOR_THIS_DEBTOR,
    SUPERSEDED,
    StepPlan,
    days_since_due,
    hold_reason,
    most_severe,
    order_steps,
    plan_step,
    step_applies_to,
    step_date,
    step_is_due_on,
    workflow_for,
)
from invoices.models import Invoice
from invoices.selectors import debtor_net_balance, net_balances
from payt.api_errors import DomainError
from payt.dates import days_past_due
from payt.models import Organization
from payt.money import ZERO, format_amount
from payt.tenancy import tenant_context

logger = logging.getLogger(__name__)

DEFAULT_STEPS = [
    (7, StepTemplate.FRIENDLY_REMINDER),
    (21, StepTemplate.SECOND_REMINDER),
    (35, StepTemplate.FINAL_NOTICE),
]


@dataclass(frozen=True)
class SkippedInvoice:
    invoice_number: str
    reason: str
    invoice: Invoice | None = field(default=None, compare=False, repr=False)
    step: WorkflowStep | None = field(default=None, compare=False, repr=False)


@dataclass
class RunResult:
    """Outcome of one planning run; ``skipped`` lists the invoices held back, with the reason."""

    run_date: dt.date
    actions_created: list[DunningAction] = field(default_factory=list)
    actions_superseded: int = 0
    message_ids: list = field(default_factory=list)
    skipped: list[SkippedInvoice] = field(default_factory=list)
    log: ChargeLog = field(default_factory=ChargeLog)
    # Actions decided in this run and not yet written; ``_save_actions`` writes them in bulk.
    unsaved: list[DunningAction] = field(default_factory=list, repr=False)


@transaction.atomic
def workflow_create_default(*, organization: Organization) -> Workflow:
    """Create the default workflow: reminders 7 and 21 days past due, final notice at 35."""
    workflow, created = Workflow.objects.get_or_create(
        organization=organization, is_default=True, defaults={"name": "Standard"}
    )
    if created:
        for position, (days, template) in enumerate(DEFAULT_STEPS, start=1):
            WorkflowStep.objects.create(
                organization=organization,
                workflow=workflow,
                position=position,
                days_after_due=days,
                template=template,
            )
    return workflow


@transaction.atomic
def dunning_run(*, organization: Organization, run_date: dt.date) -> RunResult:
    """Plan the dunning actions due on ``run_date`` and group them into one message per debtor and channel.

    Safe to repeat: each invoice gets each step at most once (a unique
    constraint backs this up), and runs of one organisation are serialised
    by a transaction-level advisory lock, so a second run on the same day
    creates nothing. Messages are only written here; ``dunning.sender``
    sends them. The run and every invoice it planned or held back are
    written to the run log.
    """
    with tenant_context(organization):
        _lock_organization_runs(organization)
        result = RunResult(run_date=run_date)
        run = DunningRun.objects.create(organization=organization, run_date=run_date)
        charges_apply(organization=organization, run_date=run_date, log=result.log)
        workflows = selectors.workflows_with_steps(organization)
        if any(workflow.steps_list for workflow in workflows):
            _plan_actions(organization, run_date, workflows, result)
        _group_into_messages(organization, run_date, result)
        _save_actions(result)
        _write_run_log(run, result)

    logger.info(
        "Dunning run for organization %s on %s: %d actions, %d superseded, %d messages, %d held back",
        organization.pk,
        run_date,
        len(result.actions_created),
        result.actions_superseded,
        len(result.message_ids),
        len(result.skipped),
    )
    return result


def _lock_organization_runs(organization: Organization) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"dunning-run:{organization.pk}"])


@dataclass
class _PlanningState:
    """The planner's view of the candidate invoices, loaded in a few queries."""

    done: dict
    step_dates: dict
    last_sent: dict
    questioned: set
    debtor_holds: dict
    invoice_holds: dict
    balances: dict
    workflow_by_debtor: dict = field(default_factory=dict)


def _plan_actions(organization: Organization, run_date: dt.date, workflows: list, result: RunResult) -> None:
    all_steps = [step for workflow in workflows for step in workflow.steps_list]
    invoices = list(selectors.invoices_to_plan(organization, run_date, all_steps))
    invoice_ids = [invoice.pk for invoice in invoices]
    debtor_holds, invoice_holds = selectors.held_debtors_and_invoices(organization, run_date)
    state = _PlanningState(
        balances=net_balances(organization, {invoice.debtor_id for invoice in invoices}),
        done=selectors.step_ids_by_invoice(organization, invoice_ids),
        step_dates=selectors.step_dates_by_invoice(organization, invoice_ids),
        last_sent=selectors.last_message_dates(organization, invoice_ids),
        questioned=selectors.invoice_ids_with_open_question(organization, invoice_ids),
        debtor_holds=debtor_holds,
        invoice_holds=invoice_holds,
    )

    for invoice in invoices:
        workflow = _workflow_of(state, workflows, invoice)
        if workflow is None or not workflow.steps_list:
            continue
        plan = _plan_for(invoice, workflow.steps_list, state, run_date, organization.country, result)
        if plan is None:
            continue
        reason = _hold_reason(state, invoice)
        if reason is not None:
            result.skipped.append(SkippedInvoice(invoice.number, reason, invoice=invoice, step=plan.step))
            logger.info("Dunning held back invoice %s (%s): %s", invoice.pk, invoice.number, reason)
            continue
        if plan.step.template == StepTemplate.FOURTEEN_DAY_LETTER:
            _plan_fourteen_day_letter(invoice, plan, run_date, state, result)
        else:
            _create_actions(invoice, plan, run_date, result)
        state.done.setdefault(invoice.pk, set()).add(plan.step.pk)


def _workflow_of(state: _PlanningState, workflows: list, invoice: Invoice):
    debtor = invoice.debtor
    if debtor.pk not in state.workflow_by_debtor:
        open_total = _net_balance(state.balances, invoice)
        state.workflow_by_debtor[debtor.pk] = workflow_for(debtor, workflows, open_total)
    return state.workflow_by_debtor[debtor.pk]


def _plan_for(
    invoice: Invoice, steps: list, state: _PlanningState, run_date: dt.date, country: str, result: RunResult
):
    """Return the step to act on for ``invoice`` today, skipping steps that do not apply to its debtor."""
    previous = state.last_sent.get(invoice.pk)
    done = set(state.done.get(invoice.pk, set()))
    step_days = state.step_dates.get(invoice.pk, {})
    ordered = order_steps(steps)
    predecessor = {step.pk: ordered[index - 1] for index, step in enumerate(ordered) if index > 0}
    business_day = is_business_day(run_date, country)

    def is_due(step) -> bool:
        # "From the previous step" counts from the day the step before it in
        # the workflow went out; until then it is not due.
        before = predecessor.get(step.pk)
        previous_day = step_days.get(before.pk) if before is not None else None
        first_day = step_date(step, invoice.due_date, previous_day, country)
        if step.next_business_day and not business_day:
            return False
        return step_is_due_on(step, run_date, invoice.due_date, first_day)

    plan = plan_step(
        steps,
        days_since_due(invoice.due_date, run_date),
        done,
        days_since_last_message=(run_date - previous).days if previous else None,
        is_due=is_due,
    )
    if plan is not None and not step_applies_to(
        plan.step, invoice.debtor, law_country(invoice.debtor, invoice.organization)
    ):
        # A 14-day letter is for consumers only; for a business the step is
        # recorded as skipped and the next one follows in a later run.
        _skip_step(invoice, plan.step, run_date, reason=NOT_FOR_THIS_DEBTOR, result=result)
        state.done.setdefault(invoice.pk, set()).add(plan.step.pk)
        return None
    return plan


def _hold_reason(state: _PlanningState, invoice: Invoice) -> str | None:
    hold = state.invoice_holds.get(invoice.pk) or state.debtor_holds.get(invoice.debtor_id)
    return hold_reason(
        invoice,
        has_open_question=invoice.pk in state.questioned,
        net_balance=_net_balance(state.balances, invoice),
        hold=hold,
    )


def _net_balance(balances: dict, invoice: Invoice) -> Decimal:
    """Return the debtor's net balance in the invoice's currency, loaded up front for all candidates."""
    return balances.get((invoice.debtor_id, invoice.currency), ZERO)


def _plan_fourteen_day_letter(
    invoice: Invoice, plan: StepPlan, run_date: dt.date, state: _PlanningState, result: RunResult
) -> None:
    """Plan the 14-day letter for every overdue open claim of the debtor, so that one letter names them all.

    The law requires one letter listing all open claims of the same debtor
    (art. 6:96(7) BW); claims that are held or already had the letter stay out.
    """
    _create_actions(invoice, plan, run_date, result)
    claims = selectors.overdue_claims_of_debtor(invoice.debtor, run_date, exclude=[invoice.pk])
    for claim in claims:
        if plan.step.pk in state.done.get(claim.pk, set()) or _hold_reason(state, claim) is not None:
            continue
        _create_actions(claim, StepPlan(step=plan.step, superseded=()), run_date, result)
        state.done.setdefault(claim.pk, set()).add(plan.step.pk)


def _skip_step(invoice: Invoice, step: WorkflowStep, run_date: dt.date, *, reason: str, result: RunResult) -> None:
    result.unsaved.append(_new_action(invoice, step, run_date, status=ActionStatus.SKIPPED, reason=reason))


def _new_action(invoice: Invoice, step: WorkflowStep, run_date: dt.date, *, status: str, reason: str = ""):
    return DunningAction(
        organization_id=invoice.organization_id,
        invoice=invoice,
        step=step,
        run_date=run_date,
        status=status,
        status_reason=reason,
        open_amount=invoice.open_amount,
        days_past_due=days_past_due(invoice.due_date, run_date),
    )


def _create_actions(invoice: Invoice, plan: StepPlan, run_date: dt.date, result: RunResult) -> None:
    """Decide the step's action and the superseded ones; the caller's state keeps each (invoice, step) once."""
    action = _new_action(invoice, plan.step, run_date, status=ActionStatus.PLANNED)
    result.unsaved.append(action)
    result.actions_created.append(action)
    for step in plan.superseded:
        result.unsaved.append(_new_action(invoice, step, run_date, status=ActionStatus.SKIPPED, reason=SUPERSEDED))
        result.actions_superseded += 1


def _save_actions(result: RunResult) -> None:
    """Write the run's new actions in bulk; the unique constraint still guards each (invoice, step)."""
    DunningAction.objects.bulk_create(result.unsaved, batch_size=2000)
    result.unsaved = []


def _write_run_log(run: DunningRun, result: RunResult) -> None:
    entries = [
        RunLogEntry(
            organization_id=run.organization_id,
            run=run,
            invoice_id=action.invoice_id,
            debtor_id=action.invoice.debtor_id,
            outcome=RunOutcome.PLANNED,
            step_id=action.step_id,
        )
        for action in result.actions_created
    ]
    entries += [
        RunLogEntry(
            organization_id=run.organization_id,
            run=run,
            invoice_id=skipped.invoice.pk if skipped.invoice else None,
            debtor_id=skipped.invoice.debtor_id if skipped.invoice else None,
            outcome=RunOutcome.HELD if skipped.reason.startswith("on hold") else RunOutcome.SKIPPED,
            step_id=skipped.step.pk if skipped.step else None,
            reason=skipped.reason[:300],
        )
        for skipped in result.skipped
    ]
    entries += [
        RunLogEntry(
            organization_id=run.organization_id,
            run=run,
            invoice_id=charge.invoice_id,
            debtor_id=charge.invoice.debtor_id,
            outcome=RunOutcome.CHARGED,
            reason=f"{charge.kind} {charge.currency} {format_amount(charge.amount)}",
        )
        for charge in result.log.charges
    ]
    RunLogEntry.objects.bulk_create(entries, batch_size=2000)
    DunningRun.objects.filter(pk=run.pk).update(
        actions_planned=len(result.actions_created),
        invoices_skipped=len(result.skipped),
        messages_created=len(result.message_ids),
    )


def _group_into_messages(organization: Organization, run_date: dt.date, result: RunResult) -> None:
    """Attach every planned action without a message to its debtor's message of ``run_date``, per channel.

    The run's new actions are still in memory; actions left from an earlier
    day (their debtor's message of that day had already gone out) come from
    the database. Existing messages of the day are locked: a sender claims a
    message with an UPDATE, so either the claim waits until this run has
    added its actions, or this run finds it claimed and leaves the actions
    for the next run.
    """
    groups: dict[tuple, list[DunningAction]] = defaultdict(list)
    for action in result.actions_created:
        groups[(action.invoice.debtor_id, action.step.channel)].append(action)
    for action in selectors.pending_actions(organization):
        groups[(action.invoice.debtor_id, action.step.channel)].append(action)
    if not groups:
        return

    messages = _messages_of_day(organization, run_date, groups)
    stored_action_updates: dict = defaultdict(list)
    for key, actions in groups.items():
        message = messages.get(key)
        if message is None:
            logger.info(
                "Debtor %s already has a message in progress on %s; %d actions wait", key[0], run_date, len(actions)
            )
            continue
        for action in actions:
            if action._state.adding:
                action.message = message
            else:
                stored_action_updates[message.pk].append(action.pk)
        if message.pk not in result.message_ids:
            result.message_ids.append(message.pk)
    for message_id, action_ids in stored_action_updates.items():
        DunningAction.objects.filter(pk__in=action_ids).update(message_id=message_id)


def _messages_of_day(organization: Organization, run_date: dt.date, groups: dict) -> dict:
    """Return {(debtor id, channel): queued message of the day}, creating the missing ones in bulk.

    A key whose message is already sending or sent is left out.
    """
    debtor_ids = {debtor_id for debtor_id, _ in groups}
    existing = {
        (message.debtor_id, message.channel): message
        for message in Message.objects.for_organization(organization)
        .filter(run_date=run_date, debtor_id__in=debtor_ids)
        .select_for_update()
    }
    messages, new_messages = {}, []
    for key, actions in groups.items():
        template = most_severe(action.step.template for action in actions)
        message = existing.get(key)
        if message is None:
            debtor = actions[0].invoice.debtor
            message = Message(
                organization=organization,
                debtor=debtor,
                channel=key[1],
                run_date=run_date,
                template=template,
                language=debtor.language or organization.default_language,
                recipient=debtor.email,
            )
            new_messages.append(message)
        elif message.status != MessageStatus.QUEUED:
            continue
        elif most_severe([message.template, template]) != message.template:
            message.template = most_severe([message.template, template])
            Message.objects.filter(pk=message.pk).update(template=message.template)
        messages[key] = message
    Message.objects.bulk_create(new_messages, batch_size=2000)
    return messages


@dataclass(frozen=True)
class ManualReminder:
    message: Message
    step: WorkflowStep
    days_past_due: int


@transaction.atomic
def reminder_create_manual(*, invoice: Invoice, today: dt.date) -> ManualReminder:
    """Queue the invoice's next dunning step now, at a credit controller's request.

    Refused with ``not_overdue`` on or before the due date, with the hold
    reason when dunning would hold it back, and when every step has been
    sent. The message is grouped with the debtor's other messages of the day.
    """
    organization = invoice.organization
    _lock_organization_runs(organization)
    overdue_days = days_past_due(invoice.due_date, today)
    if overdue_days <= 0:
        raise DomainError(
            f"Invoice {invoice.number} is not overdue: it is due on {invoice.due_date.isoformat()} "
            f"and today is {today.isoformat()}. A reminder can be sent from the day after the due date.",
            code="not_overdue",
            field="invoice",
        )
    _check_not_held(invoice, today)
    _check_spacing(invoice, today)
    step = _next_step(invoice, today)

    result = RunResult(run_date=today)
    _create_actions(invoice, StepPlan(step=step, superseded=()), today, result)
    _group_into_messages(organization, today, result)
    _save_actions(result)
    message = Message.objects.for_organization(organization).get(
        debtor=invoice.debtor, channel=step.channel, run_date=today
    )
    return ManualReminder(message=message, step=step, days_past_due=overdue_days)


def _check_spacing(invoice: Invoice, today: dt.date) -> None:
    """Refuse a step sooner than ``MIN_DAYS_BETWEEN_STEPS`` after the invoice's previous one."""
    previous = selectors.last_message_dates(invoice.organization, [invoice.pk]).get(invoice.pk)
    if previous is not None and (today - previous).days < MIN_DAYS_BETWEEN_STEPS:
        next_day = previous + dt.timedelta(days=MIN_DAYS_BETWEEN_STEPS)
        raise DomainError(
            f"Invoice {invoice.number} had a dunning step on {previous.isoformat()}; the next one can go out "
            f"from {next_day.isoformat()}.",
            code="too_soon",
            field="invoice",
            status_code=409,
        )


def _check_not_held(invoice: Invoice, today: dt.date) -> None:
    organization = invoice.organization
    debtor_holds, invoice_holds = selectors.held_debtors_and_invoices(organization, today)
    questioned = selectors.invoice_ids_with_open_question(organization, [invoice.pk])
    reason = hold_reason(
        invoice,
        has_open_question=invoice.pk in questioned,
        net_balance=debtor_net_balance(invoice.debtor, currency=invoice.currency),
        hold=invoice_holds.get(invoice.pk) or debtor_holds.get(invoice.debtor_id),
    )
    if reason is not None:
        raise DomainError(
            f"No reminder for invoice {invoice.number}: {reason}.", code="held_back", field="invoice", status_code=409
        )


def _next_step(invoice: Invoice, today: dt.date) -> WorkflowStep:
    workflows = selectors.workflows_with_steps(invoice.organization)
    workflow = workflow_for(invoice.debtor, workflows, debtor_net_balance(invoice.debtor, currency=invoice.currency))
    done = selectors.step_ids_by_invoice(invoice.organization, [invoice.pk]).get(invoice.pk, set())
    steps = [step for step in order_steps(workflow.steps_list if workflow else []) if step.days_after_due > 0]
    country = law_country(invoice.debtor, invoice.organization)
    pending = [step for step in steps if step.pk not in done and step_applies_to(step, invoice.debtor, country)]
    if not pending:
        raise DomainError(
            f"Every step of the workflow has been sent for invoice {invoice.number}; "
            "hand it over to collection or call the debtor.",
            code="workflow_finished",
            field="invoice",
            status_code=409,
        )
    return pending[0]
