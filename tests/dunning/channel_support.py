"""Helpers of the channel tests: a queued message on any channel, as the planner writes it."""

import datetime as dt
from decimal import Decimal

from debtors.services import debtor_create
from dunning.models import DunningAction, Message, StepTemplate, Workflow, WorkflowStep
from dunning.sender import dunning_message_send
from invoices.services import invoice_register
from payt.tenancy import tenant_context

RUN_DATE = dt.date(2025, 10, 8)
DUE_DATE = dt.date(2025, 10, 1)


def queue_message(organization, invoices, *, channel, template=StepTemplate.FRIENDLY_REMINDER, run_date=RUN_DATE):
    """Write a queued message with one planned action per invoice, the way the planner does."""
    debtor = invoices[0].debtor
    with tenant_context(organization):
        workflow, _ = Workflow.objects.get_or_create(organization=organization, name="Channel tests")
        step, _ = WorkflowStep.objects.get_or_create(
            organization=organization,
            workflow=workflow,
            channel=channel,
            template=template,
            defaults={"position": workflow.steps.count() + 1, "days_after_due": 7},
        )
        message = Message.objects.create(
            organization=organization,
            debtor=debtor,
            channel=channel,
            run_date=run_date,
            template=template,
            language=debtor.language,
        )
        for invoice in invoices:
            DunningAction.objects.create(
                organization=organization,
                invoice=invoice,
                step=step,
                message=message,
                run_date=run_date,
                open_amount=invoice.open_amount,
                days_past_due=(run_date - invoice.due_date).days,
            )
    return message


def send(organization, message):
    with tenant_context(organization):
        return dunning_message_send(message_id=message.pk)


def reload(organization, instance):
    with tenant_context(organization):
        instance.refresh_from_db()
    return instance


def make_debtor(organization, invoices=(("INV-1", "250.00"),), **fields):
    """Create a debtor with the given contact details and invoices (number, total) due on DUE_DATE."""
    fields.setdefault("name", "Van Dijk Installatie BV")
    fields.setdefault("language", "en")
    with tenant_context(organization):
        debtor = debtor_create(organization=organization, **fields)
        registered = []
        for number, total in invoices:
            invoice, _ = invoice_register(
                organization=organization,
                debtor=debtor,
                number=number,
                issue_date=DUE_DATE - dt.timedelta(days=30),
                due_date=DUE_DATE,
                total_amount=Decimal(total),
            )
            registered.append(invoice)
    return debtor, registered
