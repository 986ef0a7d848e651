"""Refunds and chargebacks: Mollie keeps status "paid", so the amounts drive what happens.

A chargeback reopens the invoices by the newly charged-back amount. A
refund is money the creditor chose to return (settled by a credit note),
so it is recorded and e-mailed to the debtor but reopens nothing.
"""

from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext

from debtors.models import TimelineEvent
from invoices.models import Invoice, SettlementStatus
from invoices.selectors import debtor_net_balance
from payments.models import MolliePaymentStatus, RefundState
from payments.selectors import chargeback_worklist
from payments.services import mollie_refund_create
from payt.api_errors import DomainError
from payt.tenancy import tenant_context
from tests.payments.helpers import deliver, reload, start

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(client, mollie_control, alfa_debtor, django_capture_on_commit_callbacks):
    """Return a function that creates an invoice and pays it in full through Mollie."""

    def pay(number: str, total: str):
        invoice = alfa_debtor.invoice(number, total)
        mollie_payment = start(alfa_debtor, invoice)
        mollie_control.set_status(mollie_payment.mollie_id, "paid")
        with django_capture_on_commit_callbacks(execute=True):
            deliver(client, mollie_payment.mollie_id)
        return invoice, reload(alfa_debtor, mollie_payment)

    return pay


def invoice_of(visitor, invoice: Invoice) -> Invoice:
    with tenant_context(visitor.organization):
        return Invoice.objects.get(pk=invoice.pk)


def events(visitor, event: str) -> list[TimelineEvent]:
    with tenant_context(visitor.organization):
        return list(TimelineEvent.objects.filter(data__event=event))


def debtor_text(msgid: str) -> str:
    """Return ``msgid`` in Dutch, the language of the test debtor's e-mails."""
    with translation.override("nl"):
        return gettext(msgid)


def refund(visitor, mollie_payment, amount: str, description: str = ""):
    with tenant_context(visitor.organization):
        return mollie_refund_create(
            mollie_payment=mollie_payment, amount=Decimal(amount), description=description
        )


def test_chargeback_reopens_invoice_once(
    client, mollie_control, alfa_debtor, paid, mailoutbox, django_capture_on_commit_callbacks
):
    invoice, mollie_payment = paid("INV-2026-060", "300.00")
    mailoutbox.clear()
    mollie_control.charge_back(mollie_payment.mollie_id, "300.00")

    with django_capture_on_commit_callbacks(execute=True):
        first = deliver(client, mollie_payment.mollie_id)
        again = deliver(client, mollie_payment.mollie_id)

    assert first.status_code == again.status_code == 200
    reopened = invoice_of(alfa_debtor, invoice)
    assert reopened.open_amount == Decimal("300.00")
    assert reopened.settlement_status == SettlementStatus.OPEN
    row = reload(alfa_debtor, mollie_payment)
    assert row.status == MolliePaymentStatus.PAID
    assert row.charged_back_amount == Decimal("300.00")
    assert row.charged_back_at is not None
    chargebacks = events(alfa_debtor, "chargeback")
    assert len(chargebacks) == 1
    assert chargebacks[0].data["amount"] == "300.00"
    assert mailoutbox == []
    with tenant_context(alfa_debtor.organization):
        worklist = list(chargeback_worklist(alfa_debtor.organization))
    assert [item.pk for item in worklist] == [mollie_payment.pk]
    assert [line.invoice.number for line in worklist[0].lines.all()] == ["INV-2026-060"]


def test_chargeback_partial_reopens_that_part(client, mollie_control, alfa_debtor, paid):
    invoice, mollie_payment = paid("INV-1", "300.00")
    mollie_control.charge_back(mollie_payment.mollie_id, "100.00")
    deliver(client, mollie_payment.mollie_id)
    mollie_control.charge_back(mollie_payment.mollie_id, "50.00")
    deliver(client, mollie_payment.mollie_id)

    reopened = invoice_of(alfa_debtor, invoice)

    assert reopened.open_amount == Decimal("150.00")
    assert reopened.settlement_status == SettlementStatus.PARTIALLY_PAID
    assert reload(alfa_debtor, mollie_payment).charged_back_amount == Decimal("150.00")
    assert [event.data["amount"] for event in events(alfa_debtor, "chargeback")] == [
        "50.00",
        "100.00",
    ]


def test_chargeback_debtor_owes_amount_again(client, mollie_control, alfa_debtor, paid):
    _, mollie_payment = paid("INV-1", "300.00")
    mollie_control.charge_back(mollie_payment.mollie_id, "300.00")
    deliver(client, mollie_payment.mollie_id)

    with tenant_context(alfa_debtor.organization):
        balance = debtor_net_balance(alfa_debtor.debtor)

    assert balance == Decimal("300.00")


def test_refund_partial_full_then_rejected(
    client,
    mollie_server,
    mollie_control,
    alfa_debtor,
    paid,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    mollie_control.configure(refundWebhook="none")
    invoice, mollie_payment = paid("INV-2026-070", "200.00")
    mailoutbox.clear()

    refund(alfa_debtor, mollie_payment, "50.00", "CN-2026-071")
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, mollie_payment.mollie_id)

    after_first = reload(alfa_debtor, mollie_payment)
    assert after_first.status == MolliePaymentStatus.PAID
    assert after_first.refund_state == RefundState.PARTIALLY_REFUNDED
    assert after_first.amount == Decimal("200.00")
    assert after_first.refunded_amount == Decimal("50.00")
    assert after_first.net_amount == Decimal("150.00")
    assert invoice_of(alfa_debtor, invoice).open_amount == Decimal("0.00")
    assert len(mailoutbox) == 1
    assert "€\N{NO-BREAK SPACE}50,00" in mailoutbox[0].body
    assert debtor_text("This is a partial refund.") in mailoutbox[0].body
    assert debtor_text("Your payment is now refunded in full.") not in mailoutbox[0].body

    refund(alfa_debtor, after_first, "150.00")
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, mollie_payment.mollie_id)

    after_second = reload(alfa_debtor, mollie_payment)
    assert after_second.refund_state == RefundState.REFUNDED
    assert after_second.refunded_amount == Decimal("200.00")
    assert after_second.refundable_amount == Decimal("0.00")
    assert len(mailoutbox) == 2
    assert "€\N{NO-BREAK SPACE}150,00" in mailoutbox[1].body
    assert debtor_text("Your payment is now refunded in full.") in mailoutbox[1].body

    with pytest.raises(DomainError) as raised:
        refund(alfa_debtor, after_second, "0.01")

    assert raised.value.code == "exceeds_refundable"
    assert raised.value.status_code == 422
    assert "refundable amount EUR 0.00" in raised.value.message
    remote = mollie_server.store.get_payment(mollie_payment.mollie_id)
    assert [item.amount for item in remote.refunds] == [Decimal("50.00"), Decimal("150.00")]
    assert len(events(alfa_debtor, "refund")) == 2
    assert invoice_of(alfa_debtor, invoice).settlement_status == SettlementStatus.PAID


def test_refund_above_remainder_not_sent(mollie_server, alfa_debtor, paid):
    _, mollie_payment = paid("INV-1", "100.00")

    with pytest.raises(DomainError) as raised:
        refund(alfa_debtor, mollie_payment, "100.01")

    assert raised.value.code == "exceeds_refundable"
    assert "refundable amount EUR 100.00" in raised.value.message
    assert mollie_server.store.get_payment(mollie_payment.mollie_id).refunds == []


def test_refund_rejected_by_mollie(mollie_server, mollie_control, alfa_debtor, paid):
    mollie_control.configure(refundWebhook="none")
    _, mollie_payment = paid("INV-1", "100.00")
    refund(alfa_debtor, mollie_payment, "60.00")

    with pytest.raises(DomainError) as raised:
        refund(alfa_debtor, mollie_payment, "60.00")

    assert raised.value.code == "exceeds_refundable"
    assert raised.value.status_code == 422
    assert len(mollie_server.store.get_payment(mollie_payment.mollie_id).refunds) == 1


def test_refund_of_unpaid_payment_rejected(mollie_server, alfa_debtor):
    invoice = alfa_debtor.invoice("INV-1", "100.00")
    mollie_payment = start(alfa_debtor, invoice)

    with pytest.raises(DomainError) as raised:
        refund(alfa_debtor, mollie_payment, "10.00")

    assert raised.value.code == "not_paid"
    assert raised.value.status_code == 422
    assert mollie_server.store.get_payment(mollie_payment.mollie_id).refunds == []


@pytest.mark.parametrize("amount", ["0.00", "-5.00"])
def test_refund_amount_must_be_positive(mollie_server, alfa_debtor, paid, amount):
    _, mollie_payment = paid("INV-1", "100.00")

    with pytest.raises(DomainError) as raised:
        refund(alfa_debtor, mollie_payment, amount)

    assert raised.value.code == "invalid_amount"


def test_refund_request_recorded_on_timeline(mollie_server, alfa_debtor, paid):
    _, mollie_payment = paid("INV-1", "100.00")

    created = refund(alfa_debtor, mollie_payment, "25.00", "CN-1")

    requested = events(alfa_debtor, "refund_requested")
    assert created.id.startswith("re_")
    assert len(requested) == 1
    assert requested[0].summary == f"Refund of EUR 25.00 requested at Mollie ({created.id}): CN-1"


def test_failed_refund_lowers_refunded_total(
    client, mollie_server, mollie_control, alfa_debtor, paid
):
    mollie_control.configure(refundWebhook="none")
    _, mollie_payment = paid("INV-1", "100.00")
    created = refund(alfa_debtor, mollie_payment, "30.00")
    deliver(client, mollie_payment.mollie_id)
    mollie_control.set_refund_status(mollie_payment.mollie_id, created.id, "failed")

    deliver(client, mollie_payment.mollie_id)

    row = reload(alfa_debtor, mollie_payment)
    assert row.refunded_amount == Decimal("0.00")
    assert row.refundable_amount == Decimal("100.00")
    assert len(events(alfa_debtor, "refund_failed")) == 1
