"""Reads of the debtor's dunning controls: holds, charges with their basis, and the workflow that applies."""

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from dashboard.selectors import PRIMARY_CURRENCY, currency_sort_key
from debtors.models import Debtor, TimelineEvent, TimelineKind
from dunning.models import Charge, ChargeKind, Hold, Workflow, WorkflowStep
from dunning.planner import workflow_for
from dunning.selectors import active_holds, workflows_with_steps
from invoices.models import Invoice
from invoices.selectors import debtor_net_balance, receivable_invoices
from payt.models import Organization

PAST_HOLDS_LIMIT = 50


class WorkflowReason:
    BY_HAND = "by_hand"
    RULE = "rule"
    DEFAULT = "default"
    NONE = "none"


@dataclass(frozen=True)
class WorkflowChoice:
    """The workflow the planner picks for a debtor's invoices in one currency, and why."""

    currency: str
    net_balance: Decimal
    workflow: Workflow | None
    reason: str

    @property
    def explanation(self) -> str:
        if self.reason == WorkflowReason.BY_HAND:
            return _("set by hand")
        if self.reason == WorkflowReason.RULE:
            return _("rule of workflow %(workflow)s") % {"workflow": self.workflow.name}
        if self.reason == WorkflowReason.DEFAULT:
            return _("default, because no workflow rule matches")
        return _("no default workflow and no rule matches, so no reminders go out")


@dataclass
class DebtorHolds:
    """A debtor's holds in force today, and the ended ones (released or past their end date), newest first."""

    active: list[Hold] = field(default_factory=list)
    past: list[Hold] = field(default_factory=list)


def hold_is_active(hold: Hold, today: dt.date) -> bool:
    """Tell whether the planner skips the hold's items on ``today`` (the rule of ``dunning.selectors.active_holds``)."""
    return hold.released_at is None and (hold.until is None or hold.until >= today)


def debtor_holds(organization: Organization, debtor: Debtor, today: dt.date) -> DebtorHolds:
    """Return the debtor's active holds and its newest ended ones, each with ``released_by`` (an e-mail or "")."""
    holds = (
        Hold.objects.for_organization(organization)
        .filter(debtor=debtor)
        .select_related("invoice", "created_by")
        .order_by("-created_at", "-id")
    )
    result = DebtorHolds()
    for hold in holds:
        (result.active if hold_is_active(hold, today) else result.past).append(hold)
    result.past = result.past[:PAST_HOLDS_LIMIT]

    releasers = _hold_releasers(organization, debtor)
    for hold in result.past:
        hold.released_by = releasers.get(str(hold.pk), "")
    return result


def _hold_releasers(organization: Organization, debtor: Debtor) -> dict[str, str]:
    """Return {hold id: e-mail of the user who released it}, read from the release events on the timeline."""
    # TODO: Hold has no released_by column, so the releaser comes from the timeline until the model stores it.
    events = TimelineEvent.objects.for_organization(organization).filter(
        debtor=debtor, kind=TimelineKind.HOLD, data__event="hold_released"
    )
    return {hold_id: by or "" for hold_id, by in events.values_list("data__hold_id", "data__by")}


def holds_in_force(organization: Organization, today: dt.date) -> QuerySet[Hold]:
    """Return the organisation's holds in force on ``today``, the earliest end date first and open-ended ones last."""
    return (
        active_holds(organization, today)
        .select_related("debtor", "invoice", "created_by")
        .order_by(F("until").asc(nulls_last=True), "created_at", "id")
    )


def workflow_choices(organization: Organization, debtor: Debtor) -> list[WorkflowChoice]:
    """Return the workflow the planner picks for the debtor, per currency it owes in (EUR alone when it owes nothing).

    The planner picks per currency because a rule's amount band compares the
    debtor's net balance in the currency of the invoice.
    """
    workflows = workflows_with_steps(organization)
    owed = receivable_invoices(Invoice.objects.for_organization(organization).filter(debtor=debtor))
    currencies = sorted(set(owed.values_list("currency", flat=True)), key=currency_sort_key) or [PRIMARY_CURRENCY]
    choices = []
    for currency in currencies:
        balance = debtor_net_balance(debtor, currency=currency)
        workflow = workflow_for(debtor, workflows, balance)
        choices.append(WorkflowChoice(currency, balance, workflow, _workflow_reason(debtor, workflow)))
    return choices


def _workflow_reason(debtor: Debtor, workflow: Workflow | None) -> str:
    # workflow_for only returns a default workflow when no rule matched, unless it was set by hand.
    if workflow is None:
        return WorkflowReason.NONE
    if debtor.workflow_id == workflow.pk:
        return WorkflowReason.BY_HAND
    if workflow.is_default:
        return WorkflowReason.DEFAULT
    return WorkflowReason.RULE


def invoice_charges(organization: Organization, invoice: Invoice) -> list[Charge]:
    """Return the invoice's charges, oldest first, each with ``basis_text`` explaining why it was charged."""
    charges = list(
        Charge.objects.for_organization(organization)
        .filter(invoice=invoice)
        .select_related("waived_by")
        .order_by("created_at", "id")
    )
    steps = _steps_by_id(organization, [charge.basis.get("step") for charge in charges])
    for charge in charges:
        charge.basis_text = charge_basis_text(charge, steps)
    return charges


def _steps_by_id(organization: Organization, values: list) -> dict[str, WorkflowStep]:
    step_ids = []
    for value in values:
        try:
            step_ids.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    if not step_ids:
        return {}
    steps = WorkflowStep.objects.for_organization(organization).filter(pk__in=step_ids).select_related("workflow")
    return {str(step.pk): step for step in steps}


def charge_basis_text(charge: Charge, steps: dict[str, WorkflowStep]) -> str:
    """Return one line saying why ``charge`` was charged, from its recorded ``basis``."""
    basis = charge.basis or {}
    if "fourteen_day_letter" in basis:
        return _(
            "Statutory collection costs after the 14-day letter sent on %(sent_on)s, "
            "whose term ended on %(term_ends_on)s without payment."
        ) % {"sent_on": _date_text(basis.get("sent_on")), "term_ends_on": _date_text(basis.get("term_ends_on"))}
    if "step" in basis:
        step = steps.get(str(basis["step"]))
        if step is None:
            return _("Charged after a workflow step went out; that step has been deleted since.")
        values = {"step": step.get_template_display(), "workflow": step.workflow.name}
        if charge.kind == ChargeKind.FIXED_FEE:
            text = _("Reminder fee of the step “%(step)s” of workflow %(workflow)s, charged after it went out.")
            return text % values
        return _(
            "Statutory collection costs on the invoice total, charged after the step “%(step)s” "
            "of workflow %(workflow)s went out."
        ) % values
    return _("No calculation was recorded for this charge.")


def _date_text(value) -> str:
    try:
        return date_format(dt.date.fromisoformat(value), "SHORT_DATE_FORMAT")
    except (TypeError, ValueError):
        return "–"
