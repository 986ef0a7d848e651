"""POST /api/v1/payments/<id>/refunds: refund a Mollie payment, paired with a credit note or not."""

import datetime as dt
from decimal import Decimal

import pytest

from invoices.models import DocumentKind, Invoice, PaymentSource
from invoices.services import invoice_register, payment_register
from payments.models import MollieRefund
from payments.refunds import mollie_refund_create
from payt.tenancy import tenant_context
from tests.payments.conftest import portal_debtor_for
from tests.payments.helpers import deliver, reload, start

pytestmark = pytest.mark.django_db


def refunds_url(payment_id) -> str:
    return f"/api/v1/payments/{payment_id}/refunds"


def credit_note(visitor, number: str, total: str) -> Invoice:
    with tenant_context(visitor.organization):
        note, _ = invoice_register(
            organization=visitor.organization,
            debtor=visitor.debtor,
            number=number,
            kind=DocumentKind.CREDIT_NOTE,
            issue_date=dt.date(2026, 6, 15),
            total_amount=Decimal(total),
        )
    return note


def invoice_of(visitor, invoice: Invoice) -> Invoice:
    with tenant_context(visitor.organization):
        return Invoice.objects.get(pk=invoice.pk)


@pytest.fixture
def paid(client, mollie_server, mollie_control, alfa_debtor):
    mollie_control.configure(refundWebhook="none")
    invoice = alfa_debtor.invoice("INV-2026-070", "200.00")
    mollie_payment = start(alfa_debtor, invoice)
    mollie_control.set_status(mollie_payment.mollie_id, "paid")
    deliver(client, mollie_payment.mollie_id)
    return invoice, reload(alfa_debtor, mollie_payment)


def test_api_refunds_with_credit_notes_then_rejects(client, alfa_api, mollie_server, alfa_debtor, paid):
    invoice, mollie_payment = paid
    first_note = credit_note(alfa_debtor, "CN-2026-071", "50.00")
    second_note = credit_note(alfa_debtor, "CN-2026-072", "150.00")
    url = refunds_url(mollie_payment.payment_id)

    first = alfa_api.post(url, {"amount": "50.00", "credit_note": str(first_note.pk)}, format="json")
    deliver(client, mollie_payment.mollie_id)
    after_first = invoice_of(alfa_debtor, invoice)
    second = alfa_api.post(url, {"amount": "150.00", "credit_note": str(second_note.pk)}, format="json")
    deliver(client, mollie_payment.mollie_id)
    rejected = alfa_api.post(url, {"amount": "0.01"}, format="json")

    assert first.status_code == 201, first.content
    assert first.json()["amount"] == "50.00"
    assert first.json()["credit_note"] == "CN-2026-071"
    assert first.json()["id"].startswith("re_")
    assert after_first.open_amount == Decimal("0.00")
    assert after_first.settlement_status == "paid"
    assert second.status_code == 201
    assert rejected.status_code == 422
    assert rejected.json()["error"]["code"] == "exceeds_refundable"
    assert "refundable amount EUR 0.00" in rejected.json()["error"]["message"]
    row = reload(alfa_debtor, mollie_payment)
    assert row.refunded_amount == Decimal("200.00")
    assert [refund.amount for refund in mollie_server.store.get_payment(mollie_payment.mollie_id).refunds] == [
        Decimal("50.00"),
        Decimal("150.00"),
    ]


def test_api_refund_without_credit_note_reopens(client, alfa_api, alfa_debtor, paid):
    invoice, mollie_payment = paid

    response = alfa_api.post(refunds_url(mollie_payment.payment_id), {"amount": "75.00"}, format="json")
    deliver(client, mollie_payment.mollie_id)

    assert response.status_code == 201
    assert response.json()["credit_note"] is None
    assert invoice_of(alfa_debtor, invoice).open_amount == Decimal("75.00")


@pytest.mark.parametrize("case", ["other_debtor", "invoice", "too_small", "unknown"])
def test_api_refund_bad_credit_note_400(alfa_api, mollie_server, alfa_debtor, paid, case):
    _, mollie_payment = paid
    if case == "other_debtor":
        chosen = credit_note(portal_debtor_for(alfa_debtor.organization, "Westhaven Retail"), "CN-W", "50.00").pk
    elif case == "invoice":
        chosen = alfa_debtor.invoice("INV-2026-091", "50.00").pk
    elif case == "too_small":
        chosen = credit_note(alfa_debtor, "CN-SMALL", "40.00").pk
    else:
        chosen = "00000000-0000-4000-8000-000000000000"

    response = alfa_api.post(
        refunds_url(mollie_payment.payment_id), {"amount": "50.00", "credit_note": str(chosen)}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["credit_note"]
    assert mollie_server.store.get_payment(mollie_payment.mollie_id).refunds == []


def test_api_refund_other_organisation_404(bravo_api, mollie_server, paid):
    _, mollie_payment = paid

    response = bravo_api.post(refunds_url(mollie_payment.payment_id), {"amount": "10.00"}, format="json")

    assert response.status_code == 404
    assert mollie_server.store.get_payment(mollie_payment.mollie_id).refunds == []


def test_api_refund_of_bank_payment_422(alfa_api, alfa_debtor):
    with tenant_context(alfa_debtor.organization):
        payment, _ = payment_register(
            organization=alfa_debtor.organization,
            amount=Decimal("45.50"),
            payment_date=dt.date(2026, 6, 3),
            debtor=alfa_debtor.debtor,
            source=PaymentSource.BANK,
        )

    response = alfa_api.post(refunds_url(payment.pk), {"amount": "10.00"}, format="json")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "not_mollie"


def test_refund_retry_replays_at_mollie(mollie_server, alfa_debtor, paid):
    _invoice, mollie_payment = paid
    with tenant_context(alfa_debtor.organization):
        first = mollie_refund_create(mollie_payment=mollie_payment, amount=Decimal("30.00"))
        # As if our transaction had rolled back after Mollie created the refund.
        MollieRefund.objects.all().delete()
        retried = mollie_refund_create(mollie_payment=mollie_payment, amount=Decimal("30.00"))
        recorded = list(MollieRefund.objects.values_list("mollie_id", flat=True))

    assert retried.id == first.id
    assert [refund.id for refund in mollie_server.store.get_payment(mollie_payment.mollie_id).refunds] == [first.id]
    assert recorded == [first.id]
