"""The Mollie amount of an invoice whose total was computed from lines with a half cent."""

from decimal import Decimal

import pytest

from invoices.models import Invoice
from payments.mollie_client import mollie_client
from payt.tenancy import tenant_context
from tests.api_support import post_json
from tests.payments.helpers import start

pytestmark = pytest.mark.django_db

LINE_21 = {"description": "Consultancy", "quantity": "1", "unit_price": "12.50", "vat_rate": "21"}


def test_mollie_amount_value_is_half_up_total(mollie_server, alfa_debtor, alfa_api):
    body = {"number": "INV-L1", "debtor": str(alfa_debtor.debtor.pk), "issue_date": "2026-05-01", "lines": [LINE_21]}
    created = post_json(alfa_api, "/api/v1/invoices/", body)
    assert created.status_code == 201, created.content
    assert created.json()["total_amount"] == "15.13"
    with tenant_context(alfa_debtor.organization):
        invoice = Invoice.objects.get(pk=created.json()["id"])

    mollie_payment = start(alfa_debtor, invoice)

    remote = mollie_client().payments.get(mollie_payment.mollie_id)
    assert remote.amount == {"currency": "EUR", "value": "15.13"}
    assert mollie_server.store.get_payment(mollie_payment.mollie_id).amount == Decimal("15.13")
    assert mollie_payment.amount == Decimal("15.13")
