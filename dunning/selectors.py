"""Reads of the dunning engine: workflow steps, candidate invoices, message contents."""

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max, Q, Sum

from dunning.models import (
    ActionStatus,
    DunningAction,
    Hold,
    Message,
    MessageStatus,
    OffsetFrom,
    Workflow,
    WorkflowStep,
)
from invoices.models import Allocation, Invoice
from invoices.selectors import receivable_invoices
from payt.dates import local_now
from payt.models import Organization
from payt.money import ZERO
from portal.models import Question, QuestionStatus


@dataclass(frozen=True)
class ReminderLine:
    """One invoice in a reminder, with the amounts as they stand when it is rendered."""

    action: DunningAction
    invoice: Invoice
    days_past_due: int
    total: Decimal
    paid: Decimal
    credited: Decimal
    open: Decimal


def workflows_with_steps(organization: Organization) -> list[Workflow]:
    """Return the organisation's workflows by priority, each with ``steps_list`` loaded in position order."""
    workflows = list(Workflow.objects.for_organization(organization).order_by("priority", "name"))
    steps = WorkflowStep.objects.for_organization(organization).order_by("position")
    by_workflow = defaultdict(list)
    for step in steps:
        by_workflow[step.workflow_id].append(step)
    for workflow in workflows:
        workflow.steps_list = by_workflow[workflow.pk]
    return workflows


def overdue_claims_of_debtor(debtor, run_date: dt.date, exclude: Sequence = ()) -> list[Invoice]:
    """Return the debtor's open invoices that are past due on ``run_date``, oldest first."""
    invoices = receivable_invoices(Invoice.objects.for_organization(debtor.organization)).filter(
        debtor=debtor, due_date__lt=run_date
    )
    return list(invoices.exclude(pk__in=exclude).select_related("debtor").order_by("due_date", "number"))


def default_workflow_steps(organization: Organization) -> list[WorkflowStep]:
    """Return the steps of the organisation's default workflow, or [] if it has none."""
    workflow = Workflow.objects.for_organization(organization).filter(is_default=True).first()
    if workflow is None:
        return []
    return list(workflow.steps.order_by("days_after_due", "position"))


def invoices_to_plan(organization: Organization, run_date: dt.date, steps: Sequence[WorkflowStep]):
    """Return the receivable invoices whose due date is close enough for some step to apply."""
    due_date_offsets = [step.days_after_due for step in steps if step.offset_from == OffsetFrom.DUE_DATE]
    earliest_offset = min(due_date_offsets or [0])
    latest_due_date = run_date - dt.timedelta(days=earliest_offset)
    invoices = receivable_invoices(Invoice.objects.for_organization(organization))
    return invoices.filter(due_date__lte=latest_due_date).select_related("debtor").order_by("due_date", "number")


def step_ids_by_invoice(organization: Organization, invoice_ids: Sequence) -> dict:
    """Return {invoice id: set of step ids that already have an action}."""
    actions = DunningAction.objects.for_organization(organization).filter(invoice_id__in=invoice_ids)
    done = defaultdict(set)
    for invoice_id, step_id in actions.values_list("invoice_id", "step_id"):
        done[invoice_id].add(step_id)
    return done


def step_dates_by_invoice(organization: Organization, invoice_ids: Sequence) -> dict:
    """Return {invoice id: {step id: run date of its action}} for every action, skipped ones included."""
    actions = DunningAction.objects.for_organization(organization).filter(invoice_id__in=invoice_ids)
    dates = defaultdict(dict)
    for invoice_id, step_id, run_date in actions.values_list("invoice_id", "step_id", "run_date"):
        dates[invoice_id][step_id] = run_date
    return dates


def last_message_dates(organization: Organization, invoice_ids: Sequence) -> dict:
    """Return {invoice id: run date of its latest planned or sent step}; skipped steps do not count."""
    actions = (
        DunningAction.objects.for_organization(organization)
        .filter(invoice_id__in=invoice_ids, status__in=[ActionStatus.PLANNED, ActionStatus.SENT])
        .values("invoice_id")
        .annotate(last=Max("run_date"))
    )
    return {row["invoice_id"]: row["last"] for row in actions}


def invoice_ids_with_open_question(organization: Organization, invoice_ids: Sequence) -> set:
    """Return the ids of invoices on which the debtor asked a question that is still unanswered."""
    questions = Question.objects.for_organization(organization).filter(
        invoice_id__in=invoice_ids, status=QuestionStatus.OPEN
    )
    return set(questions.values_list("invoice_id", flat=True))


def pending_actions(organization: Organization):
    """Return planned actions that no message carries yet, with invoice, debtor and step loaded."""
    return (
        DunningAction.objects.for_organization(organization)
        .filter(status=ActionStatus.PLANNED, message__isnull=True)
        .select_related("invoice__debtor", "step")
        .order_by("invoice__debtor_id", "invoice__due_date", "invoice__number")
    )


def reminder_lines(message: Message, statuses: Sequence[str] = (ActionStatus.PLANNED, ActionStatus.SENT)):
    """Return the message's invoices in due-date order with their current amounts."""
    actions = (
        message.actions.filter(status__in=statuses)
        .select_related("invoice")
        .order_by("invoice__due_date", "invoice__number")
    )
    actions = list(actions)
    settled = _settled_amounts([action.invoice_id for action in actions])
    return [_reminder_line(action, settled.get(action.invoice_id, (ZERO, ZERO))) for action in actions]


def _reminder_line(action: DunningAction, settled: tuple[Decimal, Decimal]) -> ReminderLine:
    invoice = action.invoice
    paid, credited = settled
    return ReminderLine(
        action=action,
        invoice=invoice,
        days_past_due=action.days_past_due,
        total=invoice.total_amount,
        paid=paid,
        credited=credited,
        open=invoice.open_amount,
    )


def _settled_amounts(invoice_ids: Sequence) -> dict:
    """Return {invoice id: (paid, credited)} summed from allocations."""
    rows = (
        Allocation.objects.filter(invoice_id__in=invoice_ids)
        .values("invoice_id")
        .annotate(
            paid=Sum("amount", filter=Q(payment__isnull=False), default=ZERO),
            credited=Sum("amount", filter=Q(credit_document__isnull=False), default=ZERO),
        )
    )
    return {row["invoice_id"]: (row["paid"], row["credited"]) for row in rows}


def queued_message_ids(organization: Organization, run_date: dt.date | None = None) -> list:
    """Return the ids of the organisation's messages waiting to be sent, oldest first."""
    messages = Message.objects.for_organization(organization).filter(status=MessageStatus.QUEUED)
    if run_date is not None:
        messages = messages.filter(run_date=run_date)
    return list(messages.order_by("created_at").values_list("pk", flat=True))


def organizations_due_for_run(now: dt.datetime, start_hour: int) -> list[tuple[Organization, dt.date]]:
    """Return (organisation, local date) for each organisation at or past ``start_hour`` locally."""
    due = []
    for organization in Organization.objects.order_by("slug"):
        local = local_now(organization, now)
        if local.hour >= start_hour:
            due.append((organization, local.date()))
    return due


def active_holds(organization, on_date: dt.date):
    """Return the holds in force on ``on_date``: not released, and not past their end date."""
    return Hold.objects.for_organization(organization).filter(
        Q(until__isnull=True) | Q(until__gte=on_date), released_at__isnull=True
    )


def held_debtors_and_invoices(organization, on_date: dt.date) -> tuple[dict, dict]:
    """Return ({debtor id: hold}, {invoice id: hold}) for the holds in force on ``on_date``."""
    debtor_holds: dict = {}
    invoice_holds: dict = {}
    for hold in active_holds(organization, on_date).order_by("created_at"):
        if hold.invoice_id is None:
            debtor_holds.setdefault(hold.debtor_id, hold)
        else:
            invoice_holds.setdefault(hold.invoice_id, hold)
    return debtor_holds, invoice_holds


COST_KINDS = ("collection_costs", "fixed_fee")


@dataclass(frozen=True)
class AmountDue:
    """The amount a debtor owes on one invoice: open principal, costs and interest, in its currency."""

    principal: Decimal
    costs: Decimal = ZERO
    interest: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.principal + self.costs + self.interest

    @property
    def has_charges(self) -> bool:
        return self.costs > 0 or self.interest > 0


def amounts_due(invoices, on_date: dt.date | None = None) -> dict:
    """Return ``{invoice id: AmountDue}``, reading the invoices' open charges in one query.

    Waived charges do not count, nor charges dated after ``on_date`` when it
    is given. Every amount the portal shows or requests from Mollie comes from here.
    """
    from dunning.models import Charge

    invoices = list(invoices)
    charges: dict = defaultdict(lambda: {"costs": ZERO, "interest": ZERO})
    rows = Charge.objects.filter(
        invoice_id__in=[invoice.pk for invoice in invoices], waived_at__isnull=True, open_amount__gt=0
    )
    if on_date is not None:
        rows = rows.filter(charged_on__lte=on_date)
    for row in rows.values("invoice_id", "kind").annotate(total=Sum("open_amount")):
        part = "costs" if row["kind"] in COST_KINDS else "interest"
        charges[row["invoice_id"]][part] += row["total"]
    return {invoice.pk: AmountDue(principal=_principal(invoice), **charges[invoice.pk]) for invoice in invoices}


def _principal(invoice: Invoice) -> Decimal:
    return ZERO if invoice.is_credit else max(invoice.open_amount, ZERO)


def amount_due(invoice: Invoice, on_date: dt.date | None = None) -> AmountDue:
    """Return what the debtor owes on ``invoice`` (on ``on_date`` when given)."""
    return amounts_due([invoice], on_date)[invoice.pk]


def interest_to_date(invoice: Invoice, on_date: dt.date, *, shown: bool) -> Decimal:
    """Return the statutory interest on the open principal from the day after the due date up to ``on_date``.

    Zero when the step does not show interest, before the invoice is overdue,
    and where the law of the debtor's country has no statutory rate for its
    kind (French and British consumers).
    """
    from dunning.calculation import CalculationError
    from dunning.charges import debtor_kind_for_law, law_country
    from dunning.interest import statutory_interest
    from dunning.rate_selectors import interest_regime_for, interest_schedule

    if not shown or on_date <= invoice.due_date or invoice.open_amount <= 0:
        return ZERO
    try:
        regime = interest_regime_for(
            law_country(invoice.debtor, invoice.organization), debtor_kind_for_law(invoice.debtor)
        )
        result = statutory_interest(
            invoice.open_amount,
            invoice.due_date + dt.timedelta(days=1),
            on_date,
            interest_schedule(regime),
            due_date=invoice.due_date,
        )
    except CalculationError:
        return ZERO
    return result.amount
