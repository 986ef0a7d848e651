"""Helpers of the charge tests: costs charged the way the daily run charges them."""

import datetime as dt
from decimal import Decimal

from dunning.models import Charge, StepTemplate, Workflow, WorkflowStep
from dunning.selectors import queued_message_ids
from dunning.sender import dunning_message_send
from dunning.services import dunning_run
from payt.tenancy import tenant_context

STEP_DAYS = 7


def costs_workflow(organization, *, costs: str, fixed_fee: Decimal | None = None) -> Workflow:
    """Make a default workflow with one reminder, 7 days after the due date, that carries ``costs``."""
    with tenant_context(organization):
        Workflow.objects.filter(is_default=True).update(is_default=False)
        workflow = Workflow.objects.create(organization=organization, name="Costs", is_default=True)
        WorkflowStep.objects.create(
            organization=organization,
            workflow=workflow,
            position=1,
            days_after_due=STEP_DAYS,
            template=StepTemplate.SECOND_REMINDER,
            costs=costs,
            fixed_fee=fixed_fee,
            next_business_day=False,
        )
    return workflow


def run_and_send(organization, run_date: dt.date):
    result = dunning_run(organization=organization, run_date=run_date)
    with tenant_context(organization):
        for message_id in queued_message_ids(organization, run_date):
            dunning_message_send(message_id=message_id)
    return result


def charge_after_reminder(organization, invoice) -> list[Charge]:
    """Send the costed reminder for ``invoice``, then run the next day, which charges the costs."""
    reminder_day = invoice.due_date + dt.timedelta(days=STEP_DAYS)
    run_and_send(organization, reminder_day)
    run_and_send(organization, reminder_day + dt.timedelta(days=1))
    with tenant_context(organization):
        return list(Charge.objects.filter(invoice=invoice).order_by("created_at"))
