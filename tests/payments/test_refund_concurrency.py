"""Refund requests that arrive together must not refund more than there is.

These tests commit for real (``transactional_db``), because each thread
runs on its own database connection, as parallel requests do.
"""

import datetime as dt
import threading
from collections.abc import Callable
from decimal import Decimal

from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from payments.models import MollieRefund
from payments.mollie_client import mollie_client
from payt.services import api_key_create
from payt.tenancy import tenant_context
from tests.conftest import PASSWORD
from tests.payments.helpers import deliver, reload, start
from tests.payments.test_refund_api import credit_note, refunds_url

THREADS = 3


def run_together(request: Callable[[], int]) -> list[int]:
    """Run ``request`` in THREADS threads released at the same moment; return the HTTP statuses."""
    barrier = threading.Barrier(THREADS)
    statuses: list[int] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            statuses.append(request())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(statuses)


def api_clients(organization) -> list[APIClient]:
    """Return THREADS API clients that share one API key."""
    _, key = api_key_create(organization=organization, name="parallel")
    clients = [APIClient() for _ in range(THREADS)]
    for client in clients:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return clients


def paid_twice(mollie_control, alfa_debtor):
    """Pay INV-A alone (left pending) and then INV-A with INV-B, so EUR 10.00 is left over."""
    client = Client()
    mollie_control.configure(refundWebhook="none")
    first_invoice = alfa_debtor.invoice("INV-A", "10.00", due=dt.date(2026, 5, 1))
    second_invoice = alfa_debtor.invoice("INV-B", "20.00", due=dt.date(2026, 5, 2))
    first = start(alfa_debtor, first_invoice)
    mollie_control.set_status(first.mollie_id, "pending")
    second = start(alfa_debtor, first_invoice, second_invoice)
    for mollie_payment in (first, second):
        mollie_control.set_status(mollie_payment.mollie_id, "paid")
        deliver(client, mollie_payment.mollie_id)
    return reload(alfa_debtor, second)


def refunds_at_mollie(mollie_id: str) -> list[Decimal]:
    client = mollie_client()
    remote = client.payments.get(mollie_id)
    return sorted(Decimal(refund.amount["value"]) for refund in remote.refunds.list())


def test_surplus_refund_parallel_once(transactional_db, mollie_server, mollie_control, alfa_debtor, bob):
    mollie_payment = paid_twice(mollie_control, alfa_debtor)
    url = f"/payments/unallocated/{mollie_payment.payment_id}/refund/"

    clients = [Client() for _ in range(THREADS)]
    for client in clients:
        assert client.login(username=bob.username, password=PASSWORD)

    def post() -> int:
        return clients.pop().post(url, {"amount": "10.00"}).status_code

    statuses = run_together(post)

    assert statuses == [302, 302, 302]
    assert refunds_at_mollie(mollie_payment.mollie_id) == [Decimal("10.00")]
    with tenant_context(alfa_debtor.organization):
        assert list(MollieRefund.objects.values_list("amount", flat=True)) == [Decimal("10.00")]


def test_credit_note_refund_parallel_once(transactional_db, mollie_server, mollie_control, alfa_debtor):
    mollie_control.configure(refundWebhook="none")
    invoice = alfa_debtor.invoice("INV-2026-070", "200.00")
    mollie_payment = start(alfa_debtor, invoice)
    mollie_control.set_status(mollie_payment.mollie_id, "paid")
    deliver(Client(), mollie_payment.mollie_id)
    mollie_payment = reload(alfa_debtor, mollie_payment)
    note = credit_note(alfa_debtor, "CN-2026-071", "50.00")

    clients = api_clients(alfa_debtor.organization)
    body = {"amount": "50.00", "credit_note": str(note.pk)}

    def post() -> int:
        return clients.pop().post(refunds_url(mollie_payment.payment_id), body, format="json").status_code

    statuses = run_together(post)

    assert statuses == [201, 400, 400]
    assert refunds_at_mollie(mollie_payment.mollie_id) == [Decimal("50.00")]
    with tenant_context(alfa_debtor.organization):
        paired = list(MollieRefund.objects.values_list("credit_note_id", "amount"))
    assert paired == [(note.pk, Decimal("50.00"))]
