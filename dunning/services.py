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

from debtors.models import Debtor
from dunning import selectors
from dunning.models import (
    ActionStatus,
    DunningAction,
    Message,
    MessageStatus,
    StepTemplate,
    Workflow,
    WorkflowStep,
)
from dunning.planner import (
    SUPERSEDED,
    StepPlan,
    days_since_due,
    hold_reason,
    most_severe,
    plan_step,
)
from invoices.models import Invoice
from invoices.selectors import debtor_net_balance
from payt.dates import days_past_due
from payt.models import Organization
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


@dataclass
class RunResult:
    """Outcome of one planning run; ``skipped`` lists the invoices held back, with the reason."""

    run_date: dt.date
    actions_created: list[DunningAction] = field(default_factory=list)
    actions_superseded: int = 0
    message_ids: list = field(default_factory=list)
    skipped: list[SkippedInvoice] = field(default_factory=list)


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
    """Plan the dunning actions due on ``run_date`` and group them into one message per debtor.

    Safe to repeat: each invoice gets each step at most once (a unique
    constraint backs this up), and runs of one organisation are serialised
    by a transaction-level advisory lock, so a second run on the same day
    creates nothing. Messages are only written here; ``dunning.sender``
    sends them.
    """
    with tenant_context(organization):
        _lock_organization_runs(organization)
        result = RunResult(run_date=run_date)
        steps = selectors.default_workflow_steps(organization)
        if steps:
            _plan_actions(organization, run_date, steps, result)
        _group_into_messages(organization, run_date, result)

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


def _plan_actions(organization: Organization, run_date: dt.date, steps: list[WorkflowStep], result: RunResult) -> None:
    invoices = list(selectors.invoices_to_plan(organization, run_date, steps))
    invoice_ids = [invoice.pk for invoice in invoices]
    done = selectors.step_ids_by_invoice(organization, invoice_ids)
    last_sent = selectors.last_message_dates(organization, invoice_ids)
    questioned = selectors.invoice_ids_with_open_question(organization, invoice_ids)
    balances: dict[tuple, Decimal] = {}

    for invoice in invoices:
        previous = last_sent.get(invoice.pk)
        plan = plan_step(
            steps,
            days_since_due(invoice.due_date, run_date),
            done.get(invoice.pk, set()),
            days_since_last_message=(run_date - previous).days if previous else None,
        )
        if plan is None:
            continue
        reason = hold_reason(
            invoice,
            has_open_question=invoice.pk in questioned,
            net_balance=_net_balance(balances, invoice),
        )
        if reason is not None:
            result.skipped.append(SkippedInvoice(invoice.number, reason))
            logger.info("Dunning held back invoice %s (%s): %s", invoice.pk, invoice.number, reason)
            continue
        _create_actions(invoice, plan, run_date, result)


def _net_balance(cache: dict, invoice: Invoice) -> Decimal:
    key = (invoice.debtor_id, invoice.currency)
    if key not in cache:
        cache[key] = debtor_net_balance(invoice.debtor, currency=invoice.currency)
    return cache[key]


def _create_actions(invoice: Invoice, plan: StepPlan, run_date: dt.date, result: RunResult) -> None:
    action, created = DunningAction.objects.get_or_create(
        organization_id=invoice.organization_id,
        invoice=invoice,
        step=plan.step,
        defaults={
            "run_date": run_date,
            "open_amount": invoice.open_amount,
            "days_past_due": days_past_due(invoice.due_date, run_date),
        },
    )
    if created:
        result.actions_created.append(action)

    for step in plan.superseded:
        _, created = DunningAction.objects.get_or_create(
            organization_id=invoice.organization_id,
            invoice=invoice,
            step=step,
            defaults={
                "run_date": run_date,
                "status": ActionStatus.SKIPPED,
                "status_reason": SUPERSEDED,
                "open_amount": invoice.open_amount,
                "days_past_due": days_past_due(invoice.due_date, run_date),
            },
        )
        result.actions_superseded += int(created)


def _group_into_messages(organization: Organization, run_date: dt.date, result: RunResult) -> None:
    """Attach every planned action without a message to its debtor's message of ``run_date``.

    Actions left from an earlier day (their debtor's message of that day had
    already gone out) are picked up here too.
    """
    groups: dict[tuple, list[DunningAction]] = defaultdict(list)
    for action in selectors.pending_actions(organization):
        groups[(action.invoice.debtor_id, action.step.channel)].append(action)

    for (_, channel), actions in groups.items():
        debtor = actions[0].invoice.debtor
        template = most_severe(action.step.template for action in actions)
        message = _open_message_for(organization, debtor, channel, run_date, template)
        if message is None:
            logger.info(
                "Debtor %s already has a message in progress on %s; %d actions wait for the next run",
                debtor.pk,
                run_date,
                len(actions),
            )
            continue
        DunningAction.objects.filter(pk__in=[action.pk for action in actions]).update(message=message)
        if message.pk not in result.message_ids:
            result.message_ids.append(message.pk)


def _open_message_for(
    organization: Organization, debtor: Debtor, channel: str, run_date: dt.date, template: str
) -> Message | None:
    """Return the debtor's queued message of the day, creating it if needed.

    Returns None when that message is already sending or done.
    """
    message, created = Message.objects.get_or_create(
        organization=organization,
        debtor=debtor,
        channel=channel,
        run_date=run_date,
        defaults={
            "template": template,
            "language": debtor.language or organization.default_language,
            "recipient": debtor.email,
        },
    )
    if created:
        return message

    # Lock the row: a sender claims it with an UPDATE, so either the claim
    # waits until this run has added its actions, or this run finds it claimed.
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.status != MessageStatus.QUEUED:
        return None
    severest = most_severe([message.template, template])
    if severest != message.template:
        Message.objects.filter(pk=message.pk).update(template=severest)
        message.template = severest
    return message
