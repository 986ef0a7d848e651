"""Starting a Mollie payment from the portal: amount, request fields, rejections."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import ngettext

from invoices.services import payment_register
from payments.models import MolliePayment, MolliePaymentLine, MolliePaymentStatus
from payments.mollie_client import mollie_client
from payt.api_errors import DomainError
from payt.tenancy import tenant_context
from tests.payments.helpers import start

pytestmark = pytest.mark.django_db


def test_start_creates_rows_and_payment(mollie_server, alfa_debtor, settings):
    first = alfa_debtor.invoice("INV-2026-040", "99.00", due=dt.date(2026, 5, 1))
    second = alfa_debtor.invoice("INV-2026-041", "1.00", due=dt.date(2026, 6, 1))

    mollie_payment = start(alfa_debtor, second, first)

    remote = mollie_server.store.get_payment(mollie_payment.mollie_id)
    assert mollie_payment.status == MolliePaymentStatus.OPEN
    assert mollie_payment.amount == Decimal("100.00")
    assert mollie_payment.checkout_url == f"{mollie_server.url}/checkout/{remote.id}"
    assert remote.amount == Decimal("100.00")
    assert remote.currency == "EUR"
    assert remote.description == "Invoices INV-2026-040, INV-2026-041"
    assert remote.webhook_url == f"{settings.BASE_URL}/webhooks/mollie"
    assert remote.redirect_url == (
        f"{settings.BASE_URL}/p/{alfa_debtor.token}/payments/{mollie_payment.pk}/return"
    )
    assert remote.metadata == {
        "organization_id": str(alfa_debtor.organization.pk),
        "mollie_payment_uuid": str(mollie_payment.pk),
    }
    assert remote.locale == "nl_NL"
    with tenant_context(alfa_debtor.organization):
        lines = {line.invoice_id: line.amount for line in MolliePaymentLine.objects.all()}
    assert lines == {first.pk: Decimal("99.00"), second.pk: Decimal("1.00")}


def test_start_uses_row_id_as_idempotency_key(mollie_server, alfa_debtor):
    invoice = alfa_debtor.invoice("INV-1", "10.00")
    mollie_payment = start(alfa_debtor, invoice)
    remote = mollie_server.store.get_payment(mollie_payment.mollie_id)
    replay_body = {
        "amount": {"currency": "EUR", "value": "10.00"},
        "description": remote.description,
        "redirectUrl": remote.redirect_url,
        "webhookUrl": remote.webhook_url,
        "locale": remote.locale,
        "metadata": remote.metadata,
    }

    replayed = mollie_client().payments.create(replay_body, idempotency_key=str(mollie_payment.pk))

    assert replayed.id == mollie_payment.mollie_id
    assert len(mollie_server.store.list_payments()) == 1


def test_start_amount_is_open_amount_not_total(mollie_server, alfa_debtor):
    invoice = alfa_debtor.invoice("INV-PART", "100.00")
    with tenant_context(alfa_debtor.organization):
        payment_register(
            organization=alfa_debtor.organization,
            amount=Decimal("40.00"),
            payment_date=dt.date(2026, 6, 1),
            invoice=invoice,
        )

    mollie_payment = start(alfa_debtor, invoice)

    assert mollie_payment.amount == Decimal("60.00")
    assert mollie_server.store.get_payment(mollie_payment.mollie_id).amount == Decimal("60.00")


@pytest.mark.parametrize(
    ("totals", "expected_value"),
    [
        (["15.125"], "15.13"),  # 12.50 net + 2.625 VAT (21 %)
        (["0.625"], "0.63"),
        (["0.625", "0.625"], "1.26"),
    ],
)
def test_start_amount_rounds_half_up(mollie_server, alfa_debtor, totals, expected_value):
    invoices = [alfa_debtor.invoice(f"INV-R-{index}", total) for index, total in enumerate(totals)]

    mollie_payment = start(alfa_debtor, *invoices)

    remote = mollie_client().payments.get(mollie_payment.mollie_id)
    assert remote.amount == {"currency": "EUR", "value": expected_value}
    assert str(mollie_payment.amount) == expected_value


def test_start_rejects_mixed_currencies(mollie_server, alfa_debtor):
    euro = alfa_debtor.invoice("INV-EUR", "10.00")
    pound = alfa_debtor.invoice("INV-GBP", "10.00", currency="GBP")

    with pytest.raises(DomainError) as raised:
        start(alfa_debtor, euro, pound)

    assert raised.value.code == "mixed_currencies"
    assert "EUR, GBP" in raised.value.message
    with tenant_context(alfa_debtor.organization):
        assert MolliePayment.objects.count() == 0
    assert mollie_server.store.list_payments() == []


def test_start_rejects_paid_invoice(mollie_server, alfa_debtor):
    invoice = alfa_debtor.invoice("INV-PAID", "10.00")
    with tenant_context(alfa_debtor.organization):
        payment_register(
            organization=alfa_debtor.organization,
            amount=Decimal("10.00"),
            payment_date=dt.date(2026, 6, 1),
            invoice=invoice,
        )

    with pytest.raises(DomainError) as raised:
        start(alfa_debtor, invoice)

    assert raised.value.code == "not_payable"
    assert mollie_server.store.list_payments() == []


def test_start_rejects_other_debtors_invoice(mollie_server, alfa_debtor, bravo_debtor):
    foreign = bravo_debtor.invoice("INV-B", "10.00")

    with pytest.raises(DomainError) as raised:
        start(alfa_debtor, foreign)

    assert raised.value.code == "invalid_invoices"
    assert mollie_server.store.list_payments() == []


def test_start_keeps_row_when_mollie_unreachable(mollie_server, alfa_debtor, settings):
    invoice = alfa_debtor.invoice("INV-DOWN", "10.00")
    settings.MOLLIE_API_ENDPOINT = "http://127.0.0.1:9"

    with pytest.raises(DomainError) as raised:
        start(alfa_debtor, invoice)

    assert raised.value.code == "mollie_unavailable"
    assert raised.value.status_code == 502
    with tenant_context(alfa_debtor.organization):
        row = MolliePayment.objects.get()
    assert row.status == MolliePaymentStatus.CREATE_FAILED
    assert row.mollie_id is None


def test_portal_pay_redirects_to_checkout(client, mollie_server, alfa_debtor):
    invoice = alfa_debtor.invoice("INV-1", "25.00")

    response = client.post(f"{alfa_debtor.home_url}pay?lang=fr", {"invoices": [str(invoice.pk)]})

    with tenant_context(alfa_debtor.organization):
        mollie_payment = MolliePayment.objects.get()
    remote = mollie_server.store.get_payment(mollie_payment.mollie_id)
    assert response.status_code == 302
    assert response["Location"] == f"{mollie_server.url}/checkout/{mollie_payment.mollie_id}"
    assert remote.locale == "fr_FR"
    with translation.override("fr"):
        assert remote.description == ngettext("Invoice %(numbers)s", "Invoices %(numbers)s", 1) % {
            "numbers": "INV-1"
        }
    assert remote.redirect_url.endswith(f"/payments/{mollie_payment.pk}/return?lang=fr")


def test_portal_pay_mixed_currencies_shows_message(client, mollie_server, alfa_debtor):
    euro = alfa_debtor.invoice("INV-EUR", "10.00")
    pound = alfa_debtor.invoice("INV-GBP", "10.00", currency="GBP")

    response = client.post(
        f"{alfa_debtor.home_url}pay?lang=en", {"invoices": [str(euro.pk), str(pound.pk)]}
    )

    assert response.status_code == 400
    assert "cannot be paid together" in response.content.decode()
    assert mollie_server.store.list_payments() == []


def test_portal_pay_mollie_unreachable_shows_message(client, mollie_server, alfa_debtor, settings):
    invoice = alfa_debtor.invoice("INV-1", "25.00")
    settings.MOLLIE_API_ENDPOINT = "http://127.0.0.1:9"

    response = client.post(f"{alfa_debtor.home_url}pay?lang=en", {"invoices": [str(invoice.pk)]})

    assert response.status_code == 502
    assert "The payment could not be started" in response.content.decode()


def test_start_twice_reuses_open_payment(mollie_server, alfa_debtor):
    invoice = alfa_debtor.invoice("INV-TWICE", "33.37")

    first = start(alfa_debtor, invoice)
    second = start(alfa_debtor, invoice)

    assert second.pk == first.pk
    assert second.checkout_url == first.checkout_url
    assert len(mollie_server.store.list_payments()) == 1


def test_start_again_after_failure_creates_new(mollie_server, alfa_debtor):
    invoice = alfa_debtor.invoice("INV-RETRY", "33.37")
    first = start(alfa_debtor, invoice)
    mollie_server.store.get_payment(first.mollie_id).status = "failed"
    with tenant_context(alfa_debtor.organization):
        MolliePayment.objects.filter(pk=first.pk).update(status=MolliePaymentStatus.FAILED)

    second = start(alfa_debtor, invoice)

    assert second.pk != first.pk
    assert len(mollie_server.store.list_payments()) == 2


def test_start_other_invoices_creates_new(mollie_server, alfa_debtor):
    first_invoice = alfa_debtor.invoice("INV-A", "10.00")
    second_invoice = alfa_debtor.invoice("INV-B", "20.00")

    first = start(alfa_debtor, first_invoice)
    second = start(alfa_debtor, first_invoice, second_invoice)

    assert second.pk != first.pk
    assert len(mollie_server.store.list_payments()) == 2


def test_start_overlapping_cancels_older_payment(mollie_server, alfa_debtor):
    first_invoice = alfa_debtor.invoice("INV-A", "10.00")
    second_invoice = alfa_debtor.invoice("INV-B", "20.00")
    first = start(alfa_debtor, first_invoice)

    second = start(alfa_debtor, first_invoice, second_invoice)

    assert mollie_server.store.get_payment(first.mollie_id).status == "canceled"
    assert mollie_server.store.get_payment(second.mollie_id).status == "open"
    with tenant_context(alfa_debtor.organization):
        statuses = dict(MolliePayment.objects.values_list("pk", "status"))
    assert statuses == {first.pk: MolliePaymentStatus.CANCELED, second.pk: MolliePaymentStatus.OPEN}


def test_start_smaller_set_cancels_larger_payment(mollie_server, alfa_debtor):
    first_invoice = alfa_debtor.invoice("INV-A", "10.00")
    second_invoice = alfa_debtor.invoice("INV-B", "20.00")
    larger = start(alfa_debtor, first_invoice, second_invoice)

    start(alfa_debtor, second_invoice)

    assert mollie_server.store.get_payment(larger.mollie_id).status == "canceled"


def test_start_disjoint_set_keeps_older_payment(mollie_server, alfa_debtor):
    first_invoice = alfa_debtor.invoice("INV-A", "10.00")
    second_invoice = alfa_debtor.invoice("INV-B", "20.00")
    first = start(alfa_debtor, first_invoice)

    start(alfa_debtor, second_invoice)

    assert mollie_server.store.get_payment(first.mollie_id).status == "open"


def test_start_keeps_pending_overlapping_payment(mollie_server, mollie_control, alfa_debtor):
    first_invoice = alfa_debtor.invoice("INV-A", "10.00")
    second_invoice = alfa_debtor.invoice("INV-B", "20.00")
    first = start(alfa_debtor, first_invoice)
    mollie_control.set_status(first.mollie_id, "pending")

    second = start(alfa_debtor, first_invoice, second_invoice)

    assert mollie_server.store.get_payment(first.mollie_id).status == "pending"
    with tenant_context(alfa_debtor.organization):
        assert MolliePayment.objects.get(pk=first.pk).status == MolliePaymentStatus.PENDING
    assert second.status == MolliePaymentStatus.OPEN


def test_start_applies_overlapping_payment_paid_meanwhile(mollie_server, mollie_control, alfa_debtor):
    first_invoice = alfa_debtor.invoice("INV-A", "10.00")
    second_invoice = alfa_debtor.invoice("INV-B", "20.00")
    first = start(alfa_debtor, first_invoice)
    mollie_control.set_status(first.mollie_id, "paid")

    start(alfa_debtor, first_invoice, second_invoice)

    with tenant_context(alfa_debtor.organization):
        applied = MolliePayment.objects.select_related("payment").get(pk=first.pk)
    assert applied.status == MolliePaymentStatus.PAID
    assert applied.payment.amount == Decimal("10.00")
