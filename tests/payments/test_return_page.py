"""The page a debtor returns to from Mollie's checkout; it never trusts the redirect."""

from decimal import Decimal

import pytest

from invoices.models import Invoice, Payment
from payt.tenancy import tenant_context
from tests.payments.helpers import deliver, start

pytestmark = pytest.mark.django_db


def return_url(visitor, mollie_payment, language: str = "en") -> str:
    return f"{visitor.home_url}payments/{mollie_payment.pk}/return?lang={language}"


def test_return_page_processing_until_webhook(client, mollie_control, alfa_debtor):
    invoice = alfa_debtor.invoice("INV-1", "99.00")
    mollie_payment = start(alfa_debtor, invoice)

    before = client.get(return_url(alfa_debtor, mollie_payment)).content.decode()
    mollie_control.set_status(mollie_payment.mollie_id, "paid")
    deliver(client, mollie_payment.mollie_id)
    after = client.get(return_url(alfa_debtor, mollie_payment)).content.decode()

    assert "Processing your payment" in before
    assert '<meta http-equiv="refresh" content="3">' in before
    assert "Payment received" in after
    assert "EUR 99.00" in after
    assert 'http-equiv="refresh"' not in after
    assert "INV-1" in after


def test_return_page_fetches_missed_payment(client, mollie_control, alfa_debtor):
    invoice = alfa_debtor.invoice("INV-1", "99.00")
    mollie_payment = start(alfa_debtor, invoice)
    mollie_control.set_status(mollie_payment.mollie_id, "paid")

    page = client.get(return_url(alfa_debtor, mollie_payment)).content.decode()

    assert "Payment received" in page
    with tenant_context(alfa_debtor.organization):
        assert Payment.objects.count() == 1
        assert Invoice.objects.get(pk=invoice.pk).open_amount == Decimal("0.00")


@pytest.mark.parametrize("status", ["canceled", "expired", "failed"])
def test_return_page_unpaid_outcome_offers_retry(client, mollie_control, alfa_debtor, status):
    invoice = alfa_debtor.invoice("INV-1", "99.00")
    mollie_payment = start(alfa_debtor, invoice)
    mollie_control.set_status(mollie_payment.mollie_id, status)

    page = client.get(return_url(alfa_debtor, mollie_payment)).content.decode()

    assert "Payment not completed" in page
    assert f'href="{alfa_debtor.home_url}?lang=en"' in page


def test_return_page_mollie_unreachable(client, mollie_server, alfa_debtor, settings):
    invoice = alfa_debtor.invoice("INV-1", "99.00")
    mollie_payment = start(alfa_debtor, invoice)
    settings.MOLLIE_API_ENDPOINT = "http://127.0.0.1:9"

    response = client.get(return_url(alfa_debtor, mollie_payment))

    assert response.status_code == 200
    assert "Processing your payment" in response.content.decode()


def test_return_page_in_debtor_language(client, mollie_server, alfa_debtor):
    invoice = alfa_debtor.invoice("INV-1", "99.00")
    mollie_payment = start(alfa_debtor, invoice)

    response = client.get(f"{alfa_debtor.home_url}payments/{mollie_payment.pk}/return")

    assert '<html lang="nl">' in response.content.decode()


def test_return_page_of_other_debtor_is_404(client, mollie_server, alfa_debtor, bravo_debtor):
    bravo_payment = start(bravo_debtor, bravo_debtor.invoice("INV-B", "20.00"))

    response = client.get(return_url(alfa_debtor, bravo_payment))

    assert response.status_code == 404
    assert b"INV-B" not in response.content
