"""The local Mollie server, driven by the real mollie-api-python client.

No Django is needed: each test starts the server on 127.0.0.1 and, where a
webhook is expected, a small receiving server next to it.
"""

import socket
import threading
from dataclasses import dataclass

import pytest
import requests
from mollie.api.client import Client
from mollie.api.error import BadRequestError, NotFoundError, UnprocessableEntityError
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from payments.mollie_local import LocalMollieServer

API_KEY = "test_localdevelopmentkey000000000000"
RETURN_URL = "http://127.0.0.1:9/invoices/INV-2026-040/return"


@dataclass(frozen=True)
class ReceivedWebhook:
    method: str
    path: str
    content_type: str
    body: bytes
    status_seen: str | None


class WebhookReceiver:
    """A WSGI app on 127.0.0.1 that records each webhook and responds with ``status``.

    With ``mollie_url`` set, it fetches the payment during the call, as the
    product's handler does, and records the status it saw.
    """

    def __init__(self, status: int = 200, mollie_url: str | None = None) -> None:
        self.status = status
        self.mollie_url = mollie_url
        self.received: list[ReceivedWebhook] = []
        self._lock = threading.Lock()
        self._server = make_server("127.0.0.1", 0, self, threaded=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/webhooks/mollie"

    def start(self) -> "WebhookReceiver":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __call__(self, environ, start_response):
        request = Request(environ)
        body = request.get_data()
        status_seen = self._fetch_status(request.form.get("id")) if self.mollie_url else None
        record = ReceivedWebhook(
            request.method, request.path, request.content_type, body, status_seen
        )
        with self._lock:
            self.received.append(record)
        return Response("", status=self.status)(environ, start_response)

    def _fetch_status(self, payment_id: str) -> str:
        client = Client(api_endpoint=self.mollie_url)
        client.set_api_key(API_KEY)
        return client.payments.get(payment_id).status


@pytest.fixture
def mollie_server():
    server = LocalMollieServer().start()
    yield server
    server.stop()


@pytest.fixture
def client(mollie_server):
    client = Client(api_endpoint=mollie_server.url)
    client.set_api_key(API_KEY)
    return client


@pytest.fixture
def receiver(mollie_server):
    receiver = WebhookReceiver(mollie_url=mollie_server.url).start()
    yield receiver
    receiver.stop()


def create_payment(client, value="99.00", webhook_url=None, idempotency_key="", **extra):
    """Create a payment for INV-2026-040. ``extra`` adds fields to the request body."""
    data = {
        "amount": {"currency": "EUR", "value": value},
        "description": "INV-2026-040",
        "redirectUrl": RETURN_URL,
        "metadata": {"invoice_id": "INV-2026-040"},
    }
    if webhook_url is not None:
        data["webhookUrl"] = webhook_url
    data.update(extra)
    return client.payments.create(data, idempotency_key=idempotency_key)


def pay_at_checkout(payment, status="paid", method="ideal"):
    return requests.post(
        payment.checkout_url,
        data={"status": status, "method": method},
        allow_redirects=False,
        timeout=15,
    )


def local_post(mollie_server, path, body):
    return requests.post(f"{mollie_server.url}/_local/{path}", json=body, timeout=15)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Payments


def test_create_payment_returns_open_payment(client, mollie_server):
    payment = create_payment(client, webhook_url="http://127.0.0.1:9/webhooks/mollie")

    assert payment.resource == "payment"
    assert payment.id.startswith("tr_")
    assert len(payment.id) == len("tr_") + 10
    assert payment.mode == "test"
    assert payment.status == "open"
    assert payment.is_open()
    assert not payment.is_paid()
    assert payment.amount == {"currency": "EUR", "value": "99.00"}
    assert payment.description == "INV-2026-040"
    assert payment.metadata == {"invoice_id": "INV-2026-040"}
    assert payment.redirect_url == RETURN_URL
    assert payment.webhook_url == "http://127.0.0.1:9/webhooks/mollie"
    assert payment.checkout_url == f"{mollie_server.url}/checkout/{payment.id}"
    assert payment["_links"]["self"]["href"] == f"{mollie_server.url}/v2/payments/{payment.id}"
    assert (
        payment["_links"]["dashboard"]["href"]
        == f"{mollie_server.url}/dashboard/payments/{payment.id}"
    )
    assert payment.amount_remaining is None
    assert not payment.has_refunds()
    assert not payment.has_chargebacks()


def test_get_payment_returns_created_payment(client):
    created = create_payment(client)

    fetched = client.payments.get(created.id)

    assert fetched.id == created.id
    assert fetched.status == "open"
    assert fetched.amount == {"currency": "EUR", "value": "99.00"}
    assert fetched.created_at == created.created_at
    assert fetched.expires_at == created.expires_at


def test_get_unknown_payment_raises_not_found(client):
    with pytest.raises(NotFoundError) as raised:
        client.payments.get("tr_doesnotexist")

    assert raised.value.status == 404
    assert "tr_doesnotexist" in str(raised.value)


def test_live_key_cannot_see_test_payment(client, mollie_server):
    payment = create_payment(client)
    live_client = Client(api_endpoint=mollie_server.url)
    live_client.set_api_key("live_localkey")

    with pytest.raises(NotFoundError):
        live_client.payments.get(payment.id)


@pytest.mark.parametrize(
    "authorization", [None, "Bearer", "Bearer access_token1", "Basic test_abc"]
)
def test_request_without_api_key_rejected(mollie_server, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}

    response = requests.get(f"{mollie_server.url}/v2/payments", headers=headers, timeout=15)

    assert response.status_code == 401
    body = response.json()
    assert body["status"] == 401
    assert body["title"] == "Unauthorized Request"
    assert "Authorization: Bearer test_" in body["detail"]
    assert body["_links"]["documentation"]["type"] == "text/html"


def test_unknown_api_route_returns_json_404(client, mollie_server):
    response = requests.get(
        f"{mollie_server.url}/v2/orders", headers={"Authorization": f"Bearer {API_KEY}"}, timeout=15
    )

    assert response.status_code == 404
    assert response.json()["status"] == 404


@pytest.mark.parametrize("value", [99, 99.0, "99", "99.0", "99.000", "99,00", "-1.00", "0.00"])
def test_invalid_amount_value_rejected(client, mollie_server, value):
    with pytest.raises(UnprocessableEntityError) as raised:
        client.payments.create(
            {"amount": {"currency": "EUR", "value": value}, "description": "INV-2026-040"}
        )

    assert raised.value.status == 422
    assert raised.value.field == "amount.value"
    assert "amount.value" in str(raised.value)
    assert mollie_server.store.list_payments() == []


def test_invalid_currency_rejected(client):
    with pytest.raises(UnprocessableEntityError) as raised:
        client.payments.create(
            {"amount": {"currency": "eur", "value": "99.00"}, "description": "INV-2026-040"}
        )

    assert raised.value.field == "amount.currency"


def test_missing_amount_rejected(client):
    with pytest.raises(UnprocessableEntityError) as raised:
        client.payments.create({"description": "INV-2026-040"})

    assert raised.value.field == "amount"


@pytest.mark.parametrize("description", [None, "", "x" * 256])
def test_invalid_description_rejected(client, mollie_server, description):
    data = {"amount": {"currency": "EUR", "value": "99.00"}}
    if description is not None:
        data["description"] = description

    with pytest.raises(UnprocessableEntityError) as raised:
        client.payments.create(data)

    assert raised.value.field == "description"
    assert mollie_server.store.list_payments() == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("redirectUrl", "/relative/return"),
        ("webhookUrl", "ftp://127.0.0.1/hook"),
        ("method", "bitcoin"),
        ("method", ["ideal", "bitcoin"]),
        ("locale", "nl"),
        ("sequenceType", "recurring"),
    ],
)
def test_invalid_optional_field_rejected(client, field, value):
    data = {
        "amount": {"currency": "EUR", "value": "99.00"},
        "description": "INV-2026-040",
        field: value,
    }

    with pytest.raises(UnprocessableEntityError) as raised:
        client.payments.create(data)

    assert raised.value.field == field


def test_method_list_and_locale_accepted(client):
    payment = create_payment(client, method=["ideal", "bancontact"], locale="nl_NL")

    assert payment.method is None
    assert payment.locale == "nl_NL"


def test_idempotency_key_replays_payment(client, mollie_server):
    first = create_payment(client, idempotency_key="invoice-INV-2026-040-attempt-1")
    second = create_payment(client, idempotency_key="invoice-INV-2026-040-attempt-1")
    third = create_payment(client, idempotency_key="invoice-INV-2026-040-attempt-2")

    assert second.id == first.id
    assert second.created_at == first.created_at
    assert third.id != first.id
    assert [p.id for p in mollie_server.store.list_payments()] == [third.id, first.id]


def test_idempotency_key_reuse_other_body_rejected(client, mollie_server):
    create_payment(client, idempotency_key="invoice-INV-2026-040-attempt-1")

    with pytest.raises(UnprocessableEntityError) as raised:
        create_payment(client, value="98.00", idempotency_key="invoice-INV-2026-040-attempt-1")

    assert "Idempotency-Key" in str(raised.value)
    assert len(mollie_server.store.list_payments()) == 1


def test_list_payments_pages_newest_first(client):
    ids = [create_payment(client).id for _ in range(3)]

    first_page = client.payments.list(limit=2)
    second_page = first_page.get_next()

    assert [p.id for p in first_page] == [ids[2], ids[1]]
    assert first_page.count == 2
    assert first_page.has_next()
    assert not first_page.has_previous()
    assert [p.id for p in second_page] == [ids[0]]
    assert not second_page.has_next()
    assert second_page.has_previous()


# Methods


def test_methods_list_returns_enabled_methods(client, mollie_server):
    methods = client.methods.list()

    assert [m.id for m in methods] == [
        "ideal",
        "bancontact",
        "creditcard",
        "banktransfer",
        "directdebit",
        "paypal",
    ]
    ideal = methods[0]
    assert ideal.resource == "method"
    assert ideal.description == "iDEAL"
    assert ideal.minimum_amount == {"currency": "EUR", "value": "0.01"}
    assert ideal.image_svg == f"{mollie_server.url}/_local/images/methods/ideal.svg"
    image = requests.get(ideal.image_svg, timeout=15)
    assert image.status_code == 200
    assert image.headers["Content-Type"].startswith("image/svg+xml")


def test_methods_list_follows_configured_set(client, mollie_server):
    mollie_server.store.update_settings(enabled_methods=["ideal", "bancontact"])

    methods = client.methods.list()

    assert [m.id for m in methods] == ["ideal", "bancontact"]
    with pytest.raises(UnprocessableEntityError) as raised:
        create_payment(client, method="paypal")
    assert raised.value.field == "method"


def test_methods_list_filters_by_amount(client):
    methods = client.methods.list(amount={"currency": "EUR", "value": "60000.00"})

    assert len(methods) == 0


# Checkout and webhooks


def test_checkout_page_offers_each_outcome(client):
    payment = create_payment(client)

    page = requests.get(payment.checkout_url, timeout=15)

    assert page.status_code == 200
    assert '<html lang="en">' in page.text
    assert "<title>Pay EUR 99.00 – local Mollie test server</title>" in page.text
    assert '<label for="method">Payment method</label>' in page.text
    for outcome in ("paid", "failed", "canceled", "expired"):
        assert f'name="status" value="{outcome}" id="status-{outcome}"' in page.text


def test_checkout_paid_calls_webhook_then_redirects(client, mollie_server, receiver):
    payment = create_payment(client, webhook_url=receiver.url)

    response = pay_at_checkout(payment, "paid", "bancontact")

    assert response.status_code == 302
    assert response.headers["Location"] == RETURN_URL
    assert len(receiver.received) == 1
    webhook = receiver.received[0]
    assert webhook.method == "POST"
    assert webhook.path == "/webhooks/mollie"
    assert webhook.content_type == "application/x-www-form-urlencoded"
    assert webhook.body == f"id={payment.id}".encode()
    assert webhook.status_seen == "paid"

    paid = client.payments.get(payment.id)
    assert paid.status == "paid"
    assert paid.is_paid()
    assert paid.method == "bancontact"
    assert paid.amount_refunded == {"currency": "EUR", "value": "0.00"}
    assert paid.amount_remaining == {"currency": "EUR", "value": "99.00"}
    assert paid.checkout_url is None
    assert paid.expires_at is None

    calls = mollie_server.webhook_calls(payment.id)
    assert [(c.status_code, c.trigger) for c in calls] == [(200, "checkout paid")]


@pytest.mark.parametrize("outcome", ["failed", "canceled", "expired"])
def test_checkout_other_outcomes_set_status(client, receiver, outcome):
    payment = create_payment(client, webhook_url=receiver.url)

    response = pay_at_checkout(payment, outcome)

    assert response.status_code == 302
    fetched = client.payments.get(payment.id)
    assert fetched.status == outcome
    assert not fetched.is_paid()
    assert fetched.amount_remaining is None
    assert fetched[f"{outcome}At"] is not None
    assert [w.body for w in receiver.received] == [f"id={payment.id}".encode()]


def test_checkout_cancel_goes_to_cancel_url(client):
    payment = create_payment(client, cancelUrl="http://127.0.0.1:9/canceled")

    response = pay_at_checkout(payment, "canceled")

    assert response.status_code == 302
    assert response.headers["Location"] == "http://127.0.0.1:9/canceled"


def test_checkout_second_submit_rejected(client, receiver):
    payment = create_payment(client, webhook_url=receiver.url)
    pay_at_checkout(payment, "paid")

    response = pay_at_checkout(payment, "failed")

    assert response.status_code == 409
    assert "already paid" in response.text
    assert client.payments.get(payment.id).status == "paid"
    assert len(receiver.received) == 1


def test_checkout_unknown_payment_returns_404_page(mollie_server):
    response = requests.get(f"{mollie_server.url}/checkout/tr_doesnotexist", timeout=15)

    assert response.status_code == 404
    assert "tr_doesnotexist" in response.text


def test_checkout_invalid_status_rejected(client):
    payment = create_payment(client)

    response = pay_at_checkout(payment, "refunded")

    assert response.status_code == 400
    assert client.payments.get(payment.id).status == "open"


def test_checkout_survives_webhook_error_response(client, mollie_server):
    failing_receiver = WebhookReceiver(status=500).start()
    try:
        payment = create_payment(client, webhook_url=failing_receiver.url)
        response = pay_at_checkout(payment)
    finally:
        failing_receiver.stop()

    assert response.status_code == 302
    assert client.payments.get(payment.id).status == "paid"
    calls = mollie_server.webhook_calls(payment.id)
    assert [(c.status_code, c.succeeded) for c in calls] == [(500, False)]


def test_checkout_survives_unreachable_webhook(client, mollie_server):
    payment = create_payment(client, webhook_url=f"http://127.0.0.1:{free_port()}/webhooks/mollie")

    response = pay_at_checkout(payment)

    assert response.status_code == 302
    assert client.payments.get(payment.id).status == "paid"
    calls = mollie_server.webhook_calls(payment.id)
    assert len(calls) == 1
    assert calls[0].status_code is None
    assert calls[0].error.startswith("ConnectionError")


def test_redeliver_webhook_concurrently(client, mollie_server, receiver):
    payment = create_payment(client, webhook_url=receiver.url)
    pay_at_checkout(payment)

    response = local_post(
        mollie_server, f"payments/{payment.id}/webhook", {"times": 3, "concurrent": True}
    )

    assert response.status_code == 200
    assert response.json()["count"] == 3
    assert [w.body for w in receiver.received] == [f"id={payment.id}".encode()] * 4
    log = requests.get(
        f"{mollie_server.url}/_local/webhook-calls", params={"paymentId": payment.id}, timeout=15
    )
    assert log.json()["count"] == 4
    assert [c["trigger"] for c in log.json()["calls"]] == ["checkout paid"] + ["redelivery"] * 3


def test_local_status_pays_expired_payment_late(client, mollie_server, receiver):
    payment = create_payment(client, webhook_url=receiver.url, method="banktransfer")
    pay_at_checkout(payment, "expired")

    response = local_post(mollie_server, f"payments/{payment.id}/status", {"status": "paid"})

    assert response.status_code == 200
    assert response.json()["status"] == "paid"
    fetched = client.payments.get(payment.id)
    assert fetched.status == "paid"
    assert fetched.method == "banktransfer"
    assert fetched.expired_at is not None
    assert fetched.paid_at is not None
    assert [w.status_seen for w in receiver.received] == ["expired", "paid"]


# Canceling a payment


def test_open_payment_is_cancelable(client):
    payment = create_payment(client)

    assert payment.is_cancelable is True


def test_cancel_open_payment(client, mollie_server):
    payment = create_payment(client)

    canceled = client.payments.delete(payment.id)

    assert canceled.id == payment.id
    assert canceled.status == "canceled"
    assert canceled.canceled_at is not None
    assert canceled.is_cancelable is None
    assert canceled.checkout_url is None
    assert mollie_server.store.get_payment(payment.id).status == "canceled"


@pytest.mark.parametrize("status", ["pending", "paid", "expired"])
def test_cancel_rejected_unless_open(client, mollie_server, status):
    payment = create_payment(client)
    local_post(mollie_server, f"payments/{payment.id}/status", {"status": status, "webhook": "none"})

    with pytest.raises(UnprocessableEntityError) as raised:
        client.payments.delete(payment.id)

    assert f"is {status} and cannot be canceled" in str(raised.value)
    assert mollie_server.store.get_payment(payment.id).status == status


def test_pending_payment_not_cancelable(client, mollie_server):
    payment = create_payment(client)
    local_post(mollie_server, f"payments/{payment.id}/status", {"status": "pending", "webhook": "none"})

    assert client.payments.get(payment.id).is_cancelable is False


def test_cancel_unknown_payment_not_found(client):
    with pytest.raises(NotFoundError):
        client.payments.delete("tr_doesnotexist")


# Refunds


def test_partial_refunds_then_excess_rejected(client, mollie_server, receiver):
    payment = create_payment(client, value="200.00", webhook_url=receiver.url)
    pay_at_checkout(payment)

    first = client.payments.get(payment.id).refunds.create(
        {"amount": {"currency": "EUR", "value": "50.00"}}
    )
    mollie_server.wait_for_webhook_calls(2, payment_id=payment.id)
    after_first = client.payments.get(payment.id)

    assert first.id.startswith("re_")
    assert first.status == "refunded"
    assert first.amount == {"currency": "EUR", "value": "50.00"}
    assert first.payment_id == payment.id
    assert after_first.status == "paid"
    assert after_first.amount_refunded == {"currency": "EUR", "value": "50.00"}
    assert after_first.amount_remaining == {"currency": "EUR", "value": "150.00"}
    assert after_first.has_refunds()
    assert [w.body for w in receiver.received] == [f"id={payment.id}".encode()] * 2

    after_first.refunds.create({"amount": {"currency": "EUR", "value": "150.00"}})
    mollie_server.wait_for_webhook_calls(3, payment_id=payment.id)
    after_second = client.payments.get(payment.id)

    assert after_second.status == "paid"
    assert after_second.amount_refunded == {"currency": "EUR", "value": "200.00"}
    assert after_second.amount_remaining == {"currency": "EUR", "value": "0.00"}

    with pytest.raises(UnprocessableEntityError) as raised:
        after_second.refunds.create({"amount": {"currency": "EUR", "value": "0.01"}})

    assert raised.value.status == 422
    assert raised.value.field == "amount"
    assert str(raised.value) == "The refund amount EUR 0.01 exceeds the refundable amount EUR 0.00."
    assert len(after_second.refunds.list()) == 2
    assert len(mollie_server.webhook_calls(payment.id)) == 3


def test_refund_get_and_list(client, mollie_server):
    payment = create_payment(client)
    local_post(mollie_server, f"payments/{payment.id}/status", {"status": "paid"})
    refund = client.payments.get(payment.id).refunds.create(
        {"amount": {"currency": "EUR", "value": "9.99"}, "description": "CN-2026-071"}
    )

    fetched = client.payments.get(payment.id).refunds.get(refund.id)
    listed = client.payments.get(payment.id).refunds.list()
    embedded = client.payments.get(payment.id, embed="refunds")

    assert fetched.id == refund.id
    assert fetched.description == "CN-2026-071"
    assert fetched.amount == {"currency": "EUR", "value": "9.99"}
    assert [r.id for r in listed] == [refund.id]
    assert [r["id"] for r in embedded.get_embedded("refunds")] == [refund.id]


def test_refund_idempotency_key_replays_refund(client, mollie_server):
    payment = create_payment(client)
    local_post(mollie_server, f"payments/{payment.id}/status", {"status": "paid"})
    paid = client.payments.get(payment.id)
    data = {"amount": {"currency": "EUR", "value": "10.00"}}

    first = paid.refunds.create(data, idempotency_key="CN-2026-071")
    second = paid.refunds.create(data, idempotency_key="CN-2026-071")

    assert second.id == first.id
    assert client.payments.get(payment.id).amount_refunded == {"currency": "EUR", "value": "10.00"}


def test_refund_of_open_payment_rejected(client):
    payment = create_payment(client)

    with pytest.raises(UnprocessableEntityError) as raised:
        payment.refunds.create({"amount": {"currency": "EUR", "value": "1.00"}})

    assert "only a paid payment can be refunded" in str(raised.value)


def test_refund_in_other_currency_rejected(client, mollie_server):
    payment = create_payment(client)
    local_post(mollie_server, f"payments/{payment.id}/status", {"status": "paid"})

    with pytest.raises(UnprocessableEntityError) as raised:
        payment.refunds.create({"amount": {"currency": "USD", "value": "1.00"}})

    assert raised.value.field == "amount.currency"


def test_pending_refund_then_failed_restores_remaining(client, mollie_server, receiver):
    mollie_server.store.update_settings(refund_initial_status="pending")
    payment = create_payment(client, webhook_url=receiver.url)
    local_post(mollie_server, f"payments/{payment.id}/status", {"status": "paid"})

    refund = payment.refunds.create({"amount": {"currency": "EUR", "value": "40.00"}})
    pending_remaining = client.payments.get(payment.id).amount_remaining
    response = local_post(
        mollie_server, f"payments/{payment.id}/refunds/{refund.id}/status", {"status": "failed"}
    )

    assert refund.status == "pending"
    assert pending_remaining == {"currency": "EUR", "value": "59.00"}
    assert response.json()["status"] == "failed"
    assert client.payments.get(payment.id).amount_remaining == {"currency": "EUR", "value": "99.00"}
    assert [c.trigger for c in mollie_server.webhook_calls(payment.id)] == [
        "status paid",
        f"refund {refund.id} failed",
    ]


# Chargebacks


def test_chargeback_leaves_payment_paid(client, mollie_server, receiver):
    payment = create_payment(client, value="300.00", webhook_url=receiver.url)
    pay_at_checkout(payment)

    response = local_post(
        mollie_server,
        f"payments/{payment.id}/chargebacks",
        {
            "amount": {"currency": "EUR", "value": "300.00"},
            "reason": {"code": "AC04", "description": "Account closed"},
        },
    )

    assert response.status_code == 201
    chargeback_id = response.json()["id"]
    assert chargeback_id.startswith("chb_")
    assert [w.body for w in receiver.received] == [f"id={payment.id}".encode()] * 2
    assert [w.status_seen for w in receiver.received] == ["paid", "paid"]

    charged_back = client.payments.get(payment.id)
    assert charged_back.status == "paid"
    assert charged_back.is_paid()
    assert charged_back.amount_chargedback == {"currency": "EUR", "value": "300.00"}
    assert charged_back.amount_remaining == {"currency": "EUR", "value": "0.00"}
    assert charged_back.has_chargebacks()
    assert not charged_back.has_refunds()

    chargebacks = charged_back.chargebacks.list()
    assert [c.id for c in chargebacks] == [chargeback_id]
    fetched = charged_back.chargebacks.get(chargeback_id)
    assert fetched.amount == {"currency": "EUR", "value": "300.00"}
    assert fetched.settlement_amount == {"currency": "EUR", "value": "-300.00"}
    assert fetched.reason == {"code": "AC04", "description": "Account closed"}
    assert fetched.payment_id == payment.id
    embedded = client.payments.get(payment.id, embed="refunds,chargebacks")
    assert embedded.get_embedded("refunds") == []
    assert [c["id"] for c in embedded.get_embedded("chargebacks")] == [chargeback_id]


def test_chargeback_beyond_amount_rejected(client, mollie_server):
    payment = create_payment(client, value="300.00")
    local_post(mollie_server, f"payments/{payment.id}/status", {"status": "paid"})
    local_post(mollie_server, f"payments/{payment.id}/chargebacks", {"amount": "200.00"})

    response = local_post(mollie_server, f"payments/{payment.id}/chargebacks", {"amount": "100.01"})

    assert response.status_code == 422
    assert response.json()["field"] == "amount"
    assert client.payments.get(payment.id).amount_chargedback == {
        "currency": "EUR",
        "value": "200.00",
    }


def test_chargeback_of_open_payment_rejected(client, mollie_server):
    payment = create_payment(client)

    response = local_post(mollie_server, f"payments/{payment.id}/chargebacks", {})

    assert response.status_code == 422
    assert not client.payments.get(payment.id).has_chargebacks()


def test_embed_unknown_value_rejected(client):
    payment = create_payment(client)

    with pytest.raises(BadRequestError) as raised:
        client.payments.get(payment.id, embed="captures")

    assert raised.value.status == 400
    assert raised.value.field == "embed"


# Test control and pages


def test_local_config_changes_and_rejects_settings(client, mollie_server):
    changed = local_post(mollie_server, "config", {"methods": ["paypal"], "refundWebhook": "sync"})
    rejected = local_post(mollie_server, "config", {"refundInitialStatus": "done"})
    unknown = local_post(mollie_server, "config", {"webhookDelay": 5})

    assert changed.status_code == 200
    assert changed.json() == {
        "methods": ["paypal"],
        "refundInitialStatus": "refunded",
        "refundWebhook": "sync",
    }
    assert [m.id for m in client.methods.list()] == ["paypal"]
    assert rejected.status_code == 422
    assert "refundInitialStatus" in rejected.json()["detail"]
    assert unknown.status_code == 422
    assert mollie_server.store.settings().refund_initial_status == "refunded"


def test_local_reset_deletes_payments(client, mollie_server, receiver):
    payment = create_payment(client, webhook_url=receiver.url)
    pay_at_checkout(payment)

    response = local_post(mollie_server, "reset", {})

    assert response.status_code == 200
    assert mollie_server.store.list_payments() == []
    assert mollie_server.webhook_calls() == []
    with pytest.raises(NotFoundError):
        client.payments.get(payment.id)


def test_local_status_rejects_unknown_status(client, mollie_server):
    payment = create_payment(client)

    response = local_post(mollie_server, f"payments/{payment.id}/status", {"status": "done"})

    assert response.status_code == 422
    assert response.json()["field"] == "status"
    assert client.payments.get(payment.id).status == "open"


def test_dashboard_page_shows_amounts(client, mollie_server):
    payment = create_payment(client)
    local_post(mollie_server, f"payments/{payment.id}/status", {"status": "paid"})
    client.payments.get(payment.id).refunds.create({"amount": {"currency": "EUR", "value": "9.00"}})

    page = requests.get(payment["_links"]["dashboard"]["href"], timeout=15)

    assert page.status_code == 200
    assert f"<h1>Payment {payment.id}</h1>" in page.text
    assert "<dt>Refunded</dt><dd>EUR 9.00</dd>" in page.text
    assert "<dt>Refundable</dt><dd>EUR 90.00</dd>" in page.text


def test_public_url_used_for_browser_links_only():
    server = LocalMollieServer(base_url="http://localhost:8765/").start()
    try:
        api_url = server.url
        client = Client(api_endpoint=api_url)
        client.set_api_key(API_KEY)
        payment = create_payment(client)
    finally:
        server.stop()

    assert payment.checkout_url == f"http://localhost:8765/checkout/{payment.id}"
    assert payment["_links"]["self"]["href"] == f"{api_url}/v2/payments/{payment.id}"
