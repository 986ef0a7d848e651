"""Webhooks that arrive together, and the whole flow through the local checkout page.

These tests commit for real (``transactional_db`` or ``live_server``),
because concurrent requests run on their own database connections.
"""

import threading
from decimal import Decimal

import requests
from django.db import connection
from django.test import Client

from invoices.models import Allocation, Invoice, Payment, SettlementStatus
from payments.models import MolliePayment, MolliePaymentStatus
from payt.tenancy import tenant_context
from tests.payments.conftest import WEBHOOK_PATH
from tests.payments.helpers import deliver, start


def deliver_together(mollie_id: str, count: int) -> list[int]:
    """POST the webhook from ``count`` threads released at the same moment; return the statuses."""
    barrier = threading.Barrier(count)
    statuses: list[int] = []

    def post() -> None:
        try:
            barrier.wait(timeout=10)
            statuses.append(Client().post(WEBHOOK_PATH, {"id": mollie_id}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return statuses


def test_webhook_concurrent_deliveries_pay_once(
    transactional_db, mollie_control, alfa_debtor, mailoutbox
):
    invoice = alfa_debtor.invoice("INV-2026-040", "99.00")
    mollie_payment = start(alfa_debtor, invoice)
    mollie_control.set_status(mollie_payment.mollie_id, "paid")

    concurrent_statuses = deliver_together(mollie_payment.mollie_id, 2)
    later = deliver(Client(), mollie_payment.mollie_id)

    assert concurrent_statuses == [200, 200]
    assert later.status_code == 200
    with tenant_context(alfa_debtor.organization):
        payments = list(Payment.objects.filter(external_id=mollie_payment.mollie_id))
        allocations = list(Allocation.objects.filter(payment__isnull=False))
        paid_invoice = Invoice.objects.get(pk=invoice.pk)
    assert len(payments) == 1
    assert [allocation.amount for allocation in allocations] == [Decimal("99.00")]
    assert paid_invoice.open_amount == Decimal("0.00")
    assert paid_invoice.settlement_status == SettlementStatus.PAID
    assert len(mailoutbox) == 1


def test_full_flow_portal_checkout_webhook(
    live_server, settings, mollie_server, alfa_debtor, mailoutbox
):
    settings.BASE_URL = live_server.url
    invoice = alfa_debtor.invoice("INV-2026-040", "99.00")
    portal = Client()
    browser = requests.Session()
    browser.trust_env = False

    home = portal.get(alfa_debtor.home_url + "?lang=en")
    started = portal.post(f"{alfa_debtor.home_url}pay?lang=en", {"invoices": [str(invoice.pk)]})
    with tenant_context(alfa_debtor.organization):
        mollie_payment = MolliePayment.objects.get()
    return_path = f"{alfa_debtor.home_url}payments/{mollie_payment.pk}/return?lang=en"
    processing = portal.get(return_path)
    checkout = browser.get(started["Location"], timeout=10)
    submitted = browser.post(
        started["Location"], data={"status": "paid"}, allow_redirects=False, timeout=30
    )
    paid_page = portal.get(return_path)

    assert home.status_code == 200
    assert started.status_code == 302
    assert "Processing your payment" in processing.content.decode()
    assert 'id="status-paid"' in checkout.text
    assert submitted.status_code == 302
    assert submitted.headers["Location"] == live_server.url + return_path
    calls = mollie_server.webhook_calls(mollie_payment.mollie_id)
    assert [(call.url, call.status_code) for call in calls] == [
        (f"{live_server.url}{WEBHOOK_PATH}", 200)
    ]
    with tenant_context(alfa_debtor.organization):
        paid_invoice = Invoice.objects.get(pk=invoice.pk)
        allocations = Allocation.objects.filter(invoice=invoice, payment__isnull=False).count()
        row = MolliePayment.objects.get()
    assert row.status == MolliePaymentStatus.PAID
    assert paid_invoice.open_amount == Decimal("0.00")
    assert paid_invoice.settlement_status == SettlementStatus.PAID
    assert allocations == 1
    assert len(mailoutbox) == 1
    assert "Payment received" in paid_page.content.decode()
