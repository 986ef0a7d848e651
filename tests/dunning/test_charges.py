"""Costs charged after a business debtor's reminder went out, and waiving them."""

import datetime as dt
from decimal import Decimal

import pytest

from debtors.models import TimelineEvent
from dunning.charges import charge_waive
from dunning.models import ChargeKind, StepCosts
from invoices.services import payment_register
from payt.api_errors import DomainError
from payt.tenancy import tenant_context
from tests.dunning.charge_support import charge_after_reminder, costs_workflow

DUE_DATE = dt.date(2025, 9, 1)


@pytest.fixture
def invoice(org_alfa, make_invoice):
    return make_invoice(org_alfa, number="INV-C1", total="250.00", due_date=DUE_DATE)


def test_statutory_costs_charged_after_step(org_alfa, invoice, statutory_rates):
    workflow = costs_workflow(org_alfa, costs=StepCosts.STATUTORY)

    [charge] = charge_after_reminder(org_alfa, invoice)

    # BIK: 15% of 250.00 is 37.50, below the minimum of 40.00.
    assert charge.kind == ChargeKind.COLLECTION_COSTS
    assert (charge.amount, charge.open_amount) == (Decimal("40.00"), Decimal("40.00"))
    assert charge.charged_on == DUE_DATE + dt.timedelta(days=8)
    with tenant_context(org_alfa):
        assert charge.basis["step"] == str(workflow.steps.get().pk)


def test_fixed_fee_charged_after_step(org_alfa, invoice, statutory_rates):
    costs_workflow(org_alfa, costs=StepCosts.FIXED, fixed_fee=Decimal("12.50"))

    [charge] = charge_after_reminder(org_alfa, invoice)

    assert (charge.kind, charge.amount) == (ChargeKind.FIXED_FEE, Decimal("12.50"))


def test_waive_records_reason_on_timeline(org_alfa, invoice, bob, statutory_rates):
    costs_workflow(org_alfa, costs=StepCosts.STATUTORY)
    [charge] = charge_after_reminder(org_alfa, invoice)

    with tenant_context(org_alfa):
        waived = charge_waive(charge=charge, reason="Goodwill", user=bob)
        event = TimelineEvent.objects.get(data__event="waived")

    assert waived.open_amount == Decimal("0.00")
    assert (waived.waive_reason, waived.waived_by) == ("Goodwill", bob)
    assert event.data["amount"] == "40.00"


def test_waive_of_paid_charge_rejected(org_alfa, invoice, statutory_rates):
    costs_workflow(org_alfa, costs=StepCosts.STATUTORY)
    [charge] = charge_after_reminder(org_alfa, invoice)
    with tenant_context(org_alfa):
        payment_register(organization=org_alfa, amount=Decimal("40.00"), payment_date=DUE_DATE, invoice=invoice)

        with pytest.raises(DomainError) as raised:
            charge_waive(charge=charge, reason="Goodwill")

    assert (raised.value.code, raised.value.field) == ("nothing_open", "charge")
