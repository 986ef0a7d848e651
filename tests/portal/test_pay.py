"""Paying from the portal: several invoices, the whole balance, a chosen method, amounts with charges."""

import datetime as dt
from decimal import Decimal

import pytest

from dunning.models import Charge, ChargeKind
from payments.models import MolliePayment
from payments.mollie_client import mollie_client
from payt.tenancy import tenant_context

pytestmark = pytest.mark.django_db


def payment_of(visitor) -> MolliePayment:
    with tenant_context(visitor.organization):
        payment = MolliePayment.objects.get()
        payment.line_amounts = {line.invoice.number: line.amount for line in payment.lines.select_related("invoice")}
    return payment


def test_home_lists_enabled_methods(client, alfa_debtor, mollie_server, mollie_control):
    alfa_debtor.invoice("INV-M-1", "10.00")
    mollie_control.configure(methods=["ideal", "bancontact"])

    html = client.get(f"{alfa_debtor.home_url}?lang=en").content.decode()

    assert 'id="pay-method-ideal"' in html
    assert 'id="pay-method-bancontact"' in html
    assert 'id="pay-method-paypal"' not in html


def test_pay_all_covers_every_open_invoice(client, alfa_debtor, mollie_server):
    alfa_debtor.invoice("INV-A-1", "120.00")
    alfa_debtor.invoice("INV-A-2", "80.50")
    alfa_debtor.invoice("INV-A-3", "10.00", currency="USD")

    response = client.post(f"{alfa_debtor.home_url}pay-all", {"currency": "EUR", "amount": "1.00"})

    assert response.status_code == 302
    payment = payment_of(alfa_debtor)
    assert payment.amount == Decimal("200.50")
    assert payment.line_amounts == {"INV-A-1": Decimal("120.00"), "INV-A-2": Decimal("80.50")}


def test_pay_with_chosen_method(client, alfa_debtor, mollie_server):
    invoice = alfa_debtor.invoice("INV-A-4", "42.00")

    client.post(f"{alfa_debtor.home_url}pay", {"invoices": [str(invoice.pk)], "method": "ideal"})

    remote = mollie_client().payments.get(payment_of(alfa_debtor).mollie_id)
    assert remote.method == "ideal"


def test_amount_includes_open_charges(client, alfa_debtor, mollie_server):
    invoice = alfa_debtor.invoice("INV-A-5", "100.00")
    with tenant_context(alfa_debtor.organization):
        for kind, amount in ((ChargeKind.COLLECTION_COSTS, "40.00"), (ChargeKind.INTEREST, "1.23")):
            Charge.objects.create(
                organization=alfa_debtor.organization,
                invoice=invoice,
                kind=kind,
                amount=Decimal(amount),
                open_amount=Decimal(amount),
                charged_on=dt.date(2026, 6, 1),
            )

    page = client.get(f"{alfa_debtor.home_url}invoices/{invoice.pk}/?lang=en").content.decode()
    client.post(f"{alfa_debtor.home_url}pay", {"invoices": [str(invoice.pk)]})

    assert "EUR 141.23" in page
    assert payment_of(alfa_debtor).amount == Decimal("141.23")


def test_pay_all_without_open_invoices(client, alfa_debtor, mollie_server):
    response = client.post(f"{alfa_debtor.home_url}pay-all?lang=en", {"currency": "EUR"})

    assert response.status_code == 400
    assert "You have no invoices to pay." in response.content.decode()


def test_unknown_method_is_refused(client, alfa_debtor, mollie_server):
    invoice = alfa_debtor.invoice("INV-A-5", "42.00")

    response = client.post(
        f"{alfa_debtor.home_url}pay?lang=en", {"invoices": [str(invoice.pk)], "method": "bitcoin"}
    )

    assert response.status_code == 400
    assert "The payment method bitcoin is not available" in response.content.decode()
    with tenant_context(alfa_debtor.organization):
        assert not MolliePayment.objects.exists()
