"""Steps that the payment plan tests share: invoices dated from today, proposing, reloading."""

import datetime as dt
from decimal import Decimal

from invoices.models import Invoice
from invoices.services import invoice_register
from payments.models import Instalment, PaymentPlan
from payments.plans import PlanOutcome, plan_propose
from payt.dates import local_today
from payt.tenancy import tenant_context


def today_of(visitor) -> dt.date:
    return local_today(visitor.organization)


def invoices_due(visitor, *rows: tuple[str, str, int]) -> list[Invoice]:
    """Register invoices ``(number, total, due in days from today)`` for the visitor's debtor."""
    today = today_of(visitor)
    invoices = []
    with tenant_context(visitor.organization):
        for number, total, due_in_days in rows:
            due_date = today + dt.timedelta(days=due_in_days)
            invoice, _ = invoice_register(
                organization=visitor.organization,
                debtor=visitor.debtor,
                number=number,
                issue_date=due_date - dt.timedelta(days=30),
                due_date=due_date,
                total_amount=Decimal(total),
            )
            invoices.append(invoice)
    return invoices


def propose(visitor, invoices, count: int, first_in_days: int = 7, **kwargs) -> PlanOutcome:
    with tenant_context(visitor.organization):
        return plan_propose(
            debtor=visitor.debtor,
            invoices=list(invoices),
            instalment_count=count,
            first_due_date=today_of(visitor) + dt.timedelta(days=first_in_days),
            **kwargs,
        )


def reload_plan(visitor, plan: PaymentPlan) -> PaymentPlan:
    with tenant_context(visitor.organization):
        return PaymentPlan.objects.get(pk=plan.pk)


def instalments_of(visitor, plan: PaymentPlan) -> list[Instalment]:
    with tenant_context(visitor.organization):
        return list(Instalment.objects.filter(plan=plan).select_related("mollie_payment").order_by("sequence"))


def open_amounts(visitor, invoices) -> dict[str, Decimal]:
    with tenant_context(visitor.organization):
        rows = Invoice.objects.filter(pk__in=[invoice.pk for invoice in invoices])
        return {invoice.number: invoice.open_amount for invoice in rows}
