"""Paying instalments: checkouts at the local Mollie server, the webhook, allocation, completion."""

from decimal import Decimal

import pytest
from django.utils import translation

from debtors.models import TimelineEvent
from dunning.models import Hold
from invoices.models import Invoice, Payment
from invoices.services import payment_allocate, payment_register
from payments.models import InstalmentStatus, MolliePayment, MolliePaymentStatus, PlanStatus
from payments.plan_checkout import instalment_checkout_start
from payments.plan_progress import plan_break, plans_daily_run
from payt.api_errors import DomainError
from payt.tenancy import tenant_context
from tests.payments.helpers import deliver
from tests.payments.plan_support import (
    instalments_of,
    invoices_due,
    open_amounts,
    propose,
    reload_plan,
    today_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def running_plan(mollie_server, alfa_debtor):
    """A plan of 300.00 in three instalments over INV-1 (100.00, oldest) and INV-2 (200.00)."""
    invoices = invoices_due(alfa_debtor, ("INV-1", "100.00", -20), ("INV-2", "200.00", -5))
    plan = propose(alfa_debtor, invoices, 3).plan
    assert plan.status == PlanStatus.ACCEPTED
    return plan, invoices


def pay_instalment(client, mollie_control, visitor, plan, sequence: int, times: int = 1):
    instalment = instalments_of(visitor, plan)[sequence - 1]
    with tenant_context(visitor.organization):
        mollie_payment = instalment_checkout_start(instalment=instalment)
    mollie_control.set_status(mollie_payment.mollie_id, "paid")
    responses = [deliver(client, mollie_payment.mollie_id) for _ in range(times)]
    assert [response.status_code for response in responses] == [200] * times
    return mollie_payment


def states(visitor, plan) -> list[tuple[int, Decimal, str]]:
    return [(i.sequence, i.paid_amount, i.status) for i in instalments_of(visitor, plan)]


def test_webhook_marks_instalment_paid_once(client, mollie_control, alfa_debtor, running_plan):
    plan, invoices = running_plan

    pay_instalment(client, mollie_control, alfa_debtor, plan, 1, times=3)

    assert states(alfa_debtor, plan) == [
        (1, Decimal("100.00"), InstalmentStatus.PAID),
        (2, Decimal("0.00"), InstalmentStatus.OPEN),
        (3, Decimal("0.00"), InstalmentStatus.OPEN),
    ]
    assert open_amounts(alfa_debtor, invoices) == {"INV-1": Decimal("0.00"), "INV-2": Decimal("200.00")}
    with tenant_context(alfa_debtor.organization):
        assert Payment.objects.count() == 1
        assert TimelineEvent.objects.filter(data__event="instalment_paid").count() == 1
    assert reload_plan(alfa_debtor, plan).status == PlanStatus.ACCEPTED


def test_instalments_allocated_oldest_first(client, mollie_control, alfa_debtor, running_plan):
    plan, invoices = running_plan

    pay_instalment(client, mollie_control, alfa_debtor, plan, 1)
    pay_instalment(client, mollie_control, alfa_debtor, plan, 2)

    assert open_amounts(alfa_debtor, invoices) == {"INV-1": Decimal("0.00"), "INV-2": Decimal("100.00")}
    assert [status for _sequence, _paid, status in states(alfa_debtor, plan)] == ["paid", "paid", "open"]


def test_checkout_amount_is_instalment_open_amount(mollie_server, alfa_debtor):
    invoices = invoices_due(alfa_debtor, ("INV-1", "100.00", -3))
    plan = propose(alfa_debtor, invoices, 3).plan
    with tenant_context(alfa_debtor.organization):
        # 40.00 by bank transfer pays instalment 1 (33.33) and 6.67 of instalment 2.
        payment_register(
            organization=alfa_debtor.organization,
            amount=Decimal("40.00"),
            payment_date=today_of(alfa_debtor),
            invoice=invoices[0],
        )
        plans_daily_run(organization=alfa_debtor.organization, run_date=today_of(alfa_debtor))
        second = instalments_of(alfa_debtor, plan)[1]
        checkout = instalment_checkout_start(instalment=second)

    assert second.open_amount == Decimal("26.66")
    assert checkout.amount == Decimal("26.66")
    assert mollie_server.store.get_payment(checkout.mollie_id).amount == Decimal("26.66")


def test_last_instalment_completes_plan(client, mollie_control, alfa_debtor, running_plan):
    plan, invoices = running_plan

    for sequence in (1, 2, 3):
        pay_instalment(client, mollie_control, alfa_debtor, plan, sequence)

    plan = reload_plan(alfa_debtor, plan)
    assert plan.status == PlanStatus.COMPLETED
    assert plan.ended_at is not None
    assert open_amounts(alfa_debtor, invoices) == {"INV-1": Decimal("0.00"), "INV-2": Decimal("0.00")}
    with tenant_context(alfa_debtor.organization):
        assert Hold.objects.filter(released_at__isnull=True).count() == 0
        assert Hold.objects.count() == 2


def test_pay_reuses_open_checkout(mollie_server, alfa_debtor, running_plan):
    plan, _invoices = running_plan
    first = instalments_of(alfa_debtor, plan)[0]

    with tenant_context(alfa_debtor.organization):
        again = instalment_checkout_start(instalment=first)

    assert again.pk == first.mollie_payment.pk


def test_pay_renews_expired_checkout(mollie_control, alfa_debtor, running_plan):
    plan, _invoices = running_plan
    first = instalments_of(alfa_debtor, plan)[0]
    mollie_control.set_status(first.mollie_payment.mollie_id, "expired")

    with tenant_context(alfa_debtor.organization):
        renewed = instalment_checkout_start(instalment=first)

    assert renewed.mollie_id != first.mollie_payment.mollie_id
    assert renewed.amount == Decimal("100.00")
    assert renewed.status == MolliePaymentStatus.OPEN
    assert instalments_of(alfa_debtor, plan)[0].mollie_payment_id == renewed.pk


def test_paid_instalment_cannot_be_paid_again(client, mollie_control, alfa_debtor, running_plan):
    plan, _invoices = running_plan
    pay_instalment(client, mollie_control, alfa_debtor, plan, 1)
    first = instalments_of(alfa_debtor, plan)[0]

    with tenant_context(alfa_debtor.organization), pytest.raises(DomainError) as raised:
        instalment_checkout_start(instalment=first)

    assert raised.value.code == "instalment_not_payable"


def test_broken_plan_instalment_cannot_be_paid(mollie_server, alfa_debtor, running_plan):
    plan, _invoices = running_plan
    second = instalments_of(alfa_debtor, plan)[1]
    with tenant_context(alfa_debtor.organization):
        plan_break(plan=reload_plan(alfa_debtor, plan), instalment=second, grace_days=7)

        with pytest.raises(DomainError) as raised:
            instalment_checkout_start(instalment=instalments_of(alfa_debtor, plan)[2])

    assert raised.value.code == "instalment_not_payable"


def test_chargeback_reopens_instalment(client, mollie_control, alfa_debtor, running_plan):
    plan, invoices = running_plan
    mollie_payment = pay_instalment(client, mollie_control, alfa_debtor, plan, 1)

    mollie_control.charge_back(mollie_payment.mollie_id, "100.00")
    deliver(client, mollie_payment.mollie_id)

    assert states(alfa_debtor, plan)[0] == (1, Decimal("0.00"), InstalmentStatus.OPEN)
    assert open_amounts(alfa_debtor, invoices)["INV-1"] == Decimal("100.00")


def test_bank_transfer_counts_at_daily_run(mollie_server, alfa_debtor, running_plan):
    plan, invoices = running_plan
    with tenant_context(alfa_debtor.organization):
        payment_register(
            organization=alfa_debtor.organization,
            amount=Decimal("150.00"),
            payment_date=today_of(alfa_debtor),
            invoices=invoices,
        )

        plans_daily_run(organization=alfa_debtor.organization, run_date=today_of(alfa_debtor))

    assert states(alfa_debtor, plan) == [
        (1, Decimal("100.00"), InstalmentStatus.PAID),
        (2, Decimal("50.00"), InstalmentStatus.OPEN),
        (3, Decimal("0.00"), InstalmentStatus.OPEN),
    ]


def test_webhook_of_other_tenant_leaves_plan(client, mollie_control, alfa_debtor, bravo_debtor, running_plan):
    plan, _invoices = running_plan
    bravo_invoices = invoices_due(bravo_debtor, ("B-1", "90.00", -3))
    bravo_plan = propose(bravo_debtor, bravo_invoices, 3).plan

    pay_instalment(client, mollie_control, bravo_debtor, bravo_plan, 1)

    assert states(bravo_debtor, bravo_plan)[0][2] == InstalmentStatus.PAID
    assert [status for _sequence, _paid, status in states(alfa_debtor, plan)] == ["open", "open", "open"]


def test_api_payment_in_full_completes_plan(mollie_server, alfa_debtor, running_plan):
    plan, invoices = running_plan
    with tenant_context(alfa_debtor.organization):
        payment_register(
            organization=alfa_debtor.organization,
            amount=Decimal("300.00"),
            payment_date=today_of(alfa_debtor),
            invoices=invoices,
        )

    assert reload_plan(alfa_debtor, plan).status == PlanStatus.COMPLETED
    assert [status for _sequence, _paid, status in states(alfa_debtor, plan)] == [InstalmentStatus.PAID] * 3


def test_allocation_in_full_completes_plan(mollie_server, alfa_debtor, running_plan):
    plan, invoices = running_plan
    with tenant_context(alfa_debtor.organization):
        payment, _ = payment_register(
            organization=alfa_debtor.organization,
            amount=Decimal("300.00"),
            payment_date=today_of(alfa_debtor),
            debtor=alfa_debtor.debtor,
        )
        for invoice in invoices:
            payment_allocate(payment=payment, invoice=invoice, amount=invoice.open_amount)

    assert reload_plan(alfa_debtor, plan).status == PlanStatus.COMPLETED
    assert open_amounts(alfa_debtor, invoices) == {"INV-1": Decimal("0.00"), "INV-2": Decimal("0.00")}


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Nothing is owed on this payment plan any more, so there is nothing to pay."),
        ("nl", "Op deze betalingsregeling staat niets meer open, dus er is niets te betalen."),
        ("fr", "Plus rien n'est dû sur ce plan de paiement, il n'y a donc rien à payer."),
        ("de", "Auf diese Ratenzahlung ist nichts mehr offen, es gibt also nichts zu bezahlen."),
    ],
)
def test_checkout_refused_when_paid_outside(mollie_server, alfa_debtor, running_plan, language, message):
    plan, invoices = running_plan
    # The invoices are paid without a plan refresh, as a payment recorded by an older release was.
    with tenant_context(alfa_debtor.organization):
        Invoice.objects.filter(pk__in=[invoice.pk for invoice in invoices]).update(open_amount=Decimal("0.00"))
    third = instalments_of(alfa_debtor, plan)[2]
    with tenant_context(alfa_debtor.organization):
        checkouts_before = MolliePayment.objects.count()

    with tenant_context(alfa_debtor.organization), translation.override(language):
        with pytest.raises(DomainError) as raised:
            instalment_checkout_start(instalment=third)

    assert raised.value.code == "instalment_not_payable"
    assert raised.value.message == message
    assert reload_plan(alfa_debtor, plan).status == PlanStatus.COMPLETED
    assert instalments_of(alfa_debtor, plan)[2].mollie_payment_id == third.mollie_payment_id
    with tenant_context(alfa_debtor.organization):
        assert MolliePayment.objects.count() == checkouts_before
