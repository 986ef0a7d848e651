"""What the planner would send on coming days, computed by the planner itself and then rolled back.

The preview runs the real ``dunning_run`` inside a transaction, day after
day, treats each planned message as sent so that the next day's escalation
follows from it, collects what it saw, and rolls everything back. It assumes
no payment, credit note or hold arrives in the meantime. Nothing is sent.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from dunning import selectors
from dunning.charges import statutory_costs
from dunning.models import ActionStatus, DunningAction, Message, MessageStatus, StepCosts, StepTemplate
from dunning.services import dunning_run
from payt.models import Organization
from payt.money import ZERO
from payt.tenancy import tenant_context


class _Rollback(Exception):
    """Raised to undo a preview's writes."""


@dataclass(frozen=True)
class PreviewInvoice:
    number: str
    currency: str
    open_amount: Decimal
    costs: Decimal
    interest: Decimal

    @property
    def total(self) -> Decimal:
        return self.open_amount + self.costs + self.interest


@dataclass(frozen=True)
class PreviewMessage:
    run_date: dt.date
    debtor_name: str
    debtor_id: object
    channel: str
    template: str
    steps: tuple[str, ...]
    invoices: tuple[PreviewInvoice, ...]

    @property
    def total(self) -> Decimal:
        return sum((invoice.total for invoice in self.invoices), ZERO)


@dataclass
class PreviewDay:
    run_date: dt.date
    messages: list[PreviewMessage] = field(default_factory=list)

    def count_by_step(self) -> dict[str, int]:
        """Return {template: number of messages} of the day."""
        counts: dict[str, int] = {}
        for message in self.messages:
            counts[message.template] = counts.get(message.template, 0) + 1
        return counts


def dunning_preview(*, organization: Organization, first_date: dt.date, days: int = 1) -> list[PreviewDay]:
    """Return the messages the planner would create on each of ``days`` days from ``first_date``."""
    preview: list[PreviewDay] = []
    try:
        with transaction.atomic():
            for offset in range(days):
                run_date = first_date + dt.timedelta(days=offset)
                preview.append(_preview_day(organization, run_date))
            raise _Rollback
    except _Rollback:
        pass
    return preview


def _preview_day(organization: Organization, run_date: dt.date) -> PreviewDay:
    result = dunning_run(organization=organization, run_date=run_date)
    day = PreviewDay(run_date=run_date)
    with tenant_context(organization):
        messages = Message.objects.filter(pk__in=result.message_ids).select_related("debtor", "organization")
        for message in messages.order_by("debtor__name", "channel"):
            day.messages.append(_describe(message, run_date))
            _pretend_sent(message)
    return day


def _describe(message: Message, run_date: dt.date) -> PreviewMessage:
    actions = list(
        message.actions.filter(status=ActionStatus.PLANNED)
        .select_related("invoice", "step")
        .order_by("invoice__due_date", "invoice__number")
    )
    invoices = tuple(_invoice_line(message, action, run_date) for action in actions)
    steps = tuple(sorted({action.step.get_template_display() for action in actions}))
    return PreviewMessage(
        run_date=run_date,
        debtor_name=message.debtor.name,
        debtor_id=message.debtor_id,
        channel=message.channel,
        template=message.template,
        steps=steps,
        invoices=invoices,
    )


def _invoice_line(message: Message, action: DunningAction, run_date: dt.date) -> PreviewInvoice:
    invoice = action.invoice
    due = selectors.amount_due(invoice, run_date)
    costs = due.costs + _costs_this_step_adds(message, action, due.costs)
    return PreviewInvoice(
        number=invoice.number,
        currency=invoice.currency,
        open_amount=due.principal,
        costs=costs,
        interest=due.interest + selectors.interest_to_date(invoice, run_date, shown=action.step.show_interest),
    )


def _costs_this_step_adds(message: Message, action: DunningAction, already_charged: Decimal) -> Decimal:
    """Return the costs the step will charge to a business debtor after it goes out (none to consumers)."""
    step = action.step
    if already_charged > 0 or step.costs == StepCosts.NONE or message.debtor.kind == "consumer":
        return ZERO
    if step.costs == StepCosts.FIXED:
        return step.fixed_fee or ZERO
    costs = statutory_costs(
        debtor=message.debtor,
        organization=message.organization,
        principal=action.invoice.total_amount,
        currency=action.invoice.currency,
    )
    return costs.amount


def _pretend_sent(message: Message) -> None:
    now = timezone.now()
    message.actions.filter(status=ActionStatus.PLANNED).update(status=ActionStatus.SENT)
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENT, sent_at=now, delivered_on=message.run_date)
    if message.template == StepTemplate.FOURTEEN_DAY_LETTER:
        from dunning.fourteen_day import fourteen_day_letter_record

        message.status = MessageStatus.SENT
        message.delivered_on = message.run_date
        fourteen_day_letter_record(message=message, sent_on=message.run_date)
