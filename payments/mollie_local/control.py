"""Test-control endpoints under ``/_local``. They are NOT part of the Mollie API.

They need no API key. Request and response bodies are JSON, and errors use
Mollie's error shape.

- ``POST /_local/payments/<id>/status`` with ``{"status": "paid", "method": "ideal"}``
  sets any payment status, from any status (for example a late bank transfer).
- ``POST /_local/payments/<id>/refunds/<refund id>/status`` with ``{"status": "failed"}``.
- ``POST /_local/payments/<id>/chargebacks`` with
  ``{"amount": {"currency": "EUR", "value": "10.00"}}`` records a chargeback. Without
  ``amount`` it charges back all that is not charged back yet.
- ``POST /_local/payments/<id>/webhook`` with ``{"times": 3, "concurrent": false}``
  delivers the webhook again and returns the calls.
- ``GET /_local/webhook-calls`` (optional ``?paymentId=tr_...``) lists every delivery attempt.
- ``GET`` and ``POST /_local/config`` read and change ``methods``,
  ``refundInitialStatus`` and ``refundWebhook``.
- ``POST /_local/reset`` deletes all payments and the webhook log.
- ``GET /_local/images/methods/<id>.svg`` is the method image that ``/v2/methods`` links to.

The status and chargeback endpoints take ``"webhook"``: ``"sync"`` (the
default, delivered before the response), ``"async"`` or ``"none"``. A webhook is
only sent for the changes that Mollie sends one for.
"""

from concurrent.futures import ThreadPoolExecutor

from flask import Blueprint, Response, request
from markupsafe import escape

from .amounts import parse_amount
from .context import json_response, local_mollie, request_links
from .errors import invalid, not_found
from .methods import CATALOGUE
from .representations import chargeback_json, payment_json, refund_json
from .store import WEBHOOK_MODES, WEBHOOK_PAYMENT_STATUSES, WEBHOOK_REFUND_STATUSES, Settings
from .validation import parse_json_object

blueprint = Blueprint("mollie_local_control", __name__, url_prefix="/_local")

MAX_REDELIVERIES = 100

# JSON names of the settings that POST /_local/config accepts.
SETTING_NAMES = {
    "methods": "enabled_methods",
    "refundInitialStatus": "refund_initial_status",
    "refundWebhook": "refund_webhook",
}


@blueprint.post("/payments/<payment_id>/status")
def set_payment_status(payment_id: str) -> Response:
    state = local_mollie()
    body = parse_json_object(request.get_data())
    webhook_mode = _webhook_mode(body)
    status = _required_string(body, "status")
    payment = state.store.set_payment_status(payment_id, status, _method(body.get("method")))
    if payment.status in WEBHOOK_PAYMENT_STATUSES:
        state.webhooks.dispatch(
            payment_id=payment.id,
            url=payment.webhook_url,
            trigger=f"status {payment.status}",
            mode=webhook_mode,
        )
    return _json(payment_json(payment, request_links()))


@blueprint.post("/payments/<payment_id>/refunds/<refund_id>/status")
def set_refund_status(payment_id: str, refund_id: str) -> Response:
    state = local_mollie()
    body = parse_json_object(request.get_data())
    webhook_mode = _webhook_mode(body)
    refund = state.store.set_refund_status(payment_id, refund_id, _required_string(body, "status"))
    if refund.status in WEBHOOK_REFUND_STATUSES:
        payment = state.store.get_payment(payment_id)
        state.webhooks.dispatch(
            payment_id=payment_id,
            url=payment.webhook_url,
            trigger=f"refund {refund.id} {refund.status}",
            mode=webhook_mode,
        )
    return _json(refund_json(refund, request_links()))


@blueprint.post("/payments/<payment_id>/chargebacks")
def create_chargeback(payment_id: str) -> Response:
    state = local_mollie()
    body = parse_json_object(request.get_data())
    webhook_mode = _webhook_mode(body)
    payment = state.store.get_payment(payment_id)

    raw_amount = body.get("amount")
    if raw_amount is None:
        amount, currency = payment.amount - payment.charged_back_amount, payment.currency
    elif isinstance(raw_amount, str):
        amount, currency = parse_amount(
            {"currency": payment.currency, "value": raw_amount}, "amount"
        )
    else:
        amount, currency = parse_amount(raw_amount, "amount")

    chargeback = state.store.create_chargeback(
        payment_id, amount, currency, _reason(body.get("reason"))
    )
    state.webhooks.dispatch(
        payment_id=payment_id,
        url=payment.webhook_url,
        trigger=f"chargeback {chargeback.id}",
        mode=webhook_mode,
    )
    return _json(chargeback_json(chargeback, request_links()), status=201)


@blueprint.post("/payments/<payment_id>/webhook")
def redeliver_webhook(payment_id: str) -> Response:
    """Deliver the webhook ``times`` times, one after another or all at once."""
    state = local_mollie()
    body = parse_json_object(request.get_data())
    payment = state.store.get_payment(payment_id)
    if payment.webhook_url is None:
        raise invalid(f"Payment {payment_id} has no webhookUrl, so there is nothing to deliver.")

    times = body.get("times", 1)
    if not isinstance(times, int) or isinstance(times, bool) or not 1 <= times <= MAX_REDELIVERIES:
        raise invalid(
            f"Invalid times {times!r}: send a whole number from 1 to {MAX_REDELIVERIES}.", "times"
        )
    concurrent = body.get("concurrent", False)
    if not isinstance(concurrent, bool):
        raise invalid(f"Invalid concurrent {concurrent!r}: send true or false.", "concurrent")

    def send_once(_: int):
        return state.webhooks.send(
            payment_id=payment_id, url=payment.webhook_url, trigger="redelivery"
        )

    with ThreadPoolExecutor(max_workers=times if concurrent else 1) as executor:
        calls = list(executor.map(send_once, range(times)))
    return _json({"count": len(calls), "calls": [call.to_json() for call in calls]})


@blueprint.get("/webhook-calls")
def list_webhook_calls() -> Response:
    calls = local_mollie().webhooks.calls(request.args.get("paymentId"))
    return _json({"count": len(calls), "calls": [call.to_json() for call in calls]})


@blueprint.get("/config")
def show_config() -> Response:
    return _json(_settings_json(local_mollie().store.settings()))


@blueprint.post("/config")
def update_config() -> Response:
    body = parse_json_object(request.get_data())
    unknown = sorted(set(body) - set(SETTING_NAMES))
    if unknown:
        raise invalid(f"Unknown settings {unknown}: choose from {', '.join(SETTING_NAMES)}.")
    changes = {SETTING_NAMES[name]: value for name, value in body.items()}
    return _json(_settings_json(local_mollie().store.update_settings(**changes)))


@blueprint.post("/reset")
def reset() -> Response:
    state = local_mollie()
    state.store.reset()
    state.webhooks.clear()
    return _json({"reset": True})


@blueprint.get("/images/methods/<method_id>.svg")
def method_image(method_id: str) -> Response:
    method = CATALOGUE.get(method_id)
    if method is None:
        raise not_found(f"No payment method exists with id {method_id}.")
    label = escape(method.description)
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="24" viewBox="0 0 64 24" '
        'role="img">'
        f"<title>{label}</title>"
        '<rect width="64" height="24" rx="4" fill="#eef"/>'
        '<text x="32" y="16" font-size="9" text-anchor="middle" font-family="sans-serif">'
        f"{label}</text>"
        "</svg>"
    )
    return Response(svg, mimetype="image/svg+xml")


def _json(body: dict, status: int = 200) -> Response:
    return json_response(body, status=status, mimetype="application/json")


def _settings_json(settings: Settings) -> dict:
    return {
        "methods": settings.enabled_methods,
        "refundInitialStatus": settings.refund_initial_status,
        "refundWebhook": settings.refund_webhook,
    }


def _required_string(body: dict, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise invalid(f"Missing {name}: send it as a string.", name)
    return value


def _method(raw: object) -> str | None:
    if raw is not None and raw not in CATALOGUE:
        raise invalid(f"Invalid method {raw!r}: choose one of {', '.join(CATALOGUE)}.", "method")
    return raw


def _webhook_mode(body: dict) -> str:
    mode = body.get("webhook", "sync")
    if mode not in WEBHOOK_MODES:
        raise invalid(
            f"Invalid webhook {mode!r}: choose one of {', '.join(WEBHOOK_MODES)}.", "webhook"
        )
    return mode


def _reason(raw: object) -> dict | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not all(
        isinstance(raw.get(key), str) for key in ("code", "description")
    ):
        raise invalid(
            'Invalid reason: send {"code": "...", "description": "..."} or leave it out.', "reason"
        )
    return {"code": raw["code"], "description": raw["description"]}
