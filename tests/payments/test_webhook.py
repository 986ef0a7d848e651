"""Mollie's webhook: fetch the named payment, apply it once, never trust the body."""

import datetime as dt
from decimal import Decimal

import pytest

from debtors.models import TimelineEvent, TimelineKind
from invoices.models import Allocation, Invoice, Payment, SettlementStatus
from invoices.selectors import debtor_net_balance
from payments.models import MolliePayment, MolliePaymentStatus
from payt.tenancy import tenant_context
from tests.payments.helpers import deliver, reload, start

pytestmark = pytest.mark.django_db


def invoice_state(visitor, invoice: Invoice) -> tuple[Decimal, str]:
    with tenant_context(visitor.organization):
        invoice = Invoice.objects.get(pk=invoice.pk)
    return invoice.open_amount, invoice.settlement_status


def counts(visitor) -> dict[str, int]:
    with tenant_context(visitor.organization):
        return {
            "payments": Payment.objects.count(),
            "allocations": Allocation.objects.filter(payment__isnull=False).count(),
            "payment events": TimelineEvent.objects.filter(kind=TimelineKind.PAYMENT).count(),
        }


def test_webhook_paid_registers_payment_once(
    client, mollie_control, alfa_debtor, mailoutbox, django_capture_on_commit_callbacks
):
    invoice = alfa_debtor.invoice("INV-2026-040", "99.00")
    mollie_payment = start(alfa_debtor, invoice)
    mollie_control.set_status(mollie_payment.mollie_id, "paid")

    with django_capture_on_commit_callbacks(execute=True):
        responses = [deliver(client, mollie_payment.mollie_id) for _ in range(3)]

    assert [response.status_code for response in responses] == [200, 200, 200]
    assert invoice_state(alfa_debtor, invoice) == (Decimal("0.00"), SettlementStatus.PAID)
    assert counts(alfa_debtor) == {"payments": 1, "allocations": 1, "payment events": 1}
    row = reload(alfa_debtor, mollie_payment)
    assert row.status == MolliePaymentStatus.PAID
    assert row.payment.external_id == mollie_payment.mollie_id
    assert row.payment.source == "mollie"
    assert row.payment.amount == Decimal("99.00")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["noordkade@debtor.example"]
    assert "€\N{NO-BREAK SPACE}99,00" in mailoutbox[0].subject
    assert "INV-2026-040" in mailoutbox[0].body


def test_webhook_paid_for_several_invoices(client, mollie_control, alfa_debtor):
    first = alfa_debtor.invoice("INV-1", "30.00", due=dt.date(2026, 5, 1))
    second = alfa_debtor.invoice("INV-2", "70.00", due=dt.date(2026, 6, 1))
    mollie_payment = start(alfa_debtor, first, second)
    mollie_control.set_status(mollie_payment.mollie_id, "paid")

    deliver(client, mollie_payment.mollie_id)

    assert invoice_state(alfa_debtor, first) == (Decimal("0.00"), SettlementStatus.PAID)
    assert invoice_state(alfa_debtor, second) == (Decimal("0.00"), SettlementStatus.PAID)
    assert counts(alfa_debtor)["allocations"] == 2


@pytest.mark.parametrize("status", ["failed", "canceled", "expired"])
def test_webhook_unpaid_outcome_records_status_only(
    client, mollie_control, alfa_debtor, status, mailoutbox, django_capture_on_commit_callbacks
):
    invoice = alfa_debtor.invoice("INV-1", "50.00")
    mollie_payment = start(alfa_debtor, invoice)
    mollie_control.set_status(mollie_payment.mollie_id, status)

    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(client, mollie_payment.mollie_id)

    assert response.status_code == 200
    assert reload(alfa_debtor, mollie_payment).status == status
    assert invoice_state(alfa_debtor, invoice) == (Decimal("50.00"), SettlementStatus.OPEN)
    assert counts(alfa_debtor)["payments"] == 0
    assert mailoutbox == []


def test_webhook_late_payment_registered(client, mollie_control, alfa_debtor):
    invoice = alfa_debtor.invoice("INV-1", "50.00")
    mollie_payment = start(alfa_debtor, invoice)
    mollie_control.set_status(mollie_payment.mollie_id, "expired")
    deliver(client, mollie_payment.mollie_id)

    mollie_control.set_status(mollie_payment.mollie_id, "paid")
    deliver(client, mollie_payment.mollie_id)

    assert reload(alfa_debtor, mollie_payment).status == MolliePaymentStatus.PAID
    assert invoice_state(alfa_debtor, invoice) == (Decimal("0.00"), SettlementStatus.PAID)
    assert counts(alfa_debtor)["payments"] == 1


def test_webhook_ignores_status_in_body(client, mollie_server, alfa_debtor):
    invoice = alfa_debtor.invoice("INV-1", "50.00")
    mollie_payment = start(alfa_debtor, invoice)

    response = deliver(client, mollie_payment.mollie_id, status="paid", amount="50.00")

    assert response.status_code == 200
    assert reload(alfa_debtor, mollie_payment).status == MolliePaymentStatus.OPEN
    assert invoice_state(alfa_debtor, invoice) == (Decimal("50.00"), SettlementStatus.OPEN)


@pytest.mark.parametrize("mollie_id", ["tr_unknown123", "not-an-id", "", "tr_" + "x" * 200])
def test_webhook_unknown_id_same_response(client, mollie_server, alfa_debtor, mollie_id):
    invoice = alfa_debtor.invoice("INV-1", "50.00")
    known = start(alfa_debtor, invoice)

    unknown_response = deliver(client, mollie_id)
    known_response = deliver(client, known.mollie_id)

    assert unknown_response.status_code == known_response.status_code == 200
    assert unknown_response.content == known_response.content == b""
    assert counts(alfa_debtor)["payments"] == 0


def test_webhook_get_not_allowed(client):
    response = client.get("/webhooks/mollie")

    assert response.status_code == 405


def test_webhook_mollie_unreachable_503(client, mollie_control, alfa_debtor, settings):
    invoice = alfa_debtor.invoice("INV-1", "50.00")
    mollie_payment = start(alfa_debtor, invoice)
    mollie_control.set_status(mollie_payment.mollie_id, "paid")
    working_endpoint = settings.MOLLIE_API_ENDPOINT
    settings.MOLLIE_API_ENDPOINT = "http://127.0.0.1:9"

    failed = deliver(client, mollie_payment.mollie_id)
    settings.MOLLIE_API_ENDPOINT = working_endpoint
    retried = deliver(client, mollie_payment.mollie_id)

    assert failed.status_code == 503
    assert retried.status_code == 200
    assert invoice_state(alfa_debtor, invoice) == (Decimal("0.00"), SettlementStatus.PAID)
    assert counts(alfa_debtor)["payments"] == 1


def test_webhook_applies_to_own_tenant_only(client, mollie_control, alfa_debtor, bravo_debtor):
    alfa_invoice = alfa_debtor.invoice("INV-A", "10.00")
    bravo_invoice = bravo_debtor.invoice("INV-B", "20.00")
    start(alfa_debtor, alfa_invoice)
    bravo_payment = start(bravo_debtor, bravo_invoice)
    mollie_control.set_status(bravo_payment.mollie_id, "paid")

    deliver(client, bravo_payment.mollie_id)

    assert invoice_state(bravo_debtor, bravo_invoice) == (Decimal("0.00"), SettlementStatus.PAID)
    assert invoice_state(alfa_debtor, alfa_invoice) == (Decimal("10.00"), SettlementStatus.OPEN)
    assert counts(alfa_debtor)["payments"] == 0
    with tenant_context(alfa_debtor.organization):
        assert MolliePayment.objects.get().status == MolliePaymentStatus.OPEN


def test_second_payment_of_settled_invoice_is_credit(
    client, mollie_server, alfa_debtor, mailoutbox, django_capture_on_commit_callbacks
):
    invoice = alfa_debtor.invoice("INV-DOUBLE", "33.37")
    first = start(alfa_debtor, invoice)
    mollie_server.store.get_payment(first.mollie_id).status = "failed"
    with tenant_context(alfa_debtor.organization):
        MolliePayment.objects.filter(pk=first.pk).update(status="failed")
    second = start(alfa_debtor, invoice)
    third = start(alfa_debtor, invoice)
    assert third.pk == second.pk

    for mollie_payment in (first, second):
        mollie_server.store.set_payment_status(mollie_payment.mollie_id, "paid")
        with django_capture_on_commit_callbacks(execute=True):
            deliver(client, mollie_payment.mollie_id)

    with tenant_context(alfa_debtor.organization):
        invoice.refresh_from_db()
        balance = debtor_net_balance(alfa_debtor.debtor)
    assert invoice.open_amount == Decimal("0.00")
    assert balance == Decimal("-33.37")
    assert len(mailoutbox) == 2
    assert "INV-DOUBLE" in mailoutbox[0].body
    assert "INV-DOUBLE" not in mailoutbox[1].body
    assert "€\N{NO-BREAK SPACE}33,37 daarvan betaalde geen factuur" in mailoutbox[1].body
