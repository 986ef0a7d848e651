"""A charged-back invoice shows the status "charged back" in the portal and on the work-list page."""

import pytest
from django.test import Client

from tests.conftest import PASSWORD
from tests.payments.helpers import deliver, reload, start

pytestmark = pytest.mark.django_db


def test_chargeback_status_and_worklist(client, mollie_control, alfa_debtor, bob, django_capture_on_commit_callbacks):
    invoice = alfa_debtor.invoice("INV-2026-060", "300.00")
    mollie_payment = start(alfa_debtor, invoice)
    mollie_control.set_status(mollie_payment.mollie_id, "paid")
    deliver(client, mollie_payment.mollie_id)
    mollie_control.charge_back(mollie_payment.mollie_id, "300.00")
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, mollie_payment.mollie_id)
        deliver(client, mollie_payment.mollie_id)
    mollie_payment = reload(alfa_debtor, mollie_payment)
    dashboard = Client()
    dashboard.login(username=bob.username, password=PASSWORD)

    portal = client.get(f"{alfa_debtor.home_url}?lang=en").content.decode()
    worklist = dashboard.get("/chargebacks/").content.decode()
    debtor_page = dashboard.get(f"/debtors/{alfa_debtor.debtor.pk}/").content.decode()

    assert "Charged back" in portal
    assert f'data-mollie-id="{mollie_payment.mollie_id}"' in worklist
    assert worklist.count("INV-2026-060") == 1
    assert "Charged back" in debtor_page
