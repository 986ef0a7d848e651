"""The part of the Mollie v2 API that the product uses, under ``/v2``.

Every route needs ``Authorization: Bearer test_...`` or ``Bearer live_...``.
Any key of that form is accepted, and its prefix sets the mode. As at
Mollie, a payment is only visible with a key of the mode it was created in.
"""

import re
from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

from flask import Blueprint, Response, g, request

from .amounts import parse_amount
from .context import json_response, local_mollie, request_links
from .errors import MollieError, bad_request, not_found
from .methods import CATALOGUE
from .representations import chargeback_json, list_json, method_json, payment_json, refund_json
from .store import WEBHOOK_REFUND_STATUSES
from .validation import parse_json_object, parse_payment_request, parse_refund_request

blueprint = Blueprint("mollie_local_api", __name__, url_prefix="/v2")

API_KEY_PATTERN = re.compile(r"^Bearer (test|live)_\w+$")
EMBEDDABLE = frozenset({"refunds", "chargebacks"})
DEFAULT_LIMIT = 50
MAX_LIMIT = 250

Item = TypeVar("Item")


@blueprint.before_request
def authenticate() -> None:
    match = API_KEY_PATTERN.match(request.headers.get("Authorization", ""))
    if match is None:
        raise MollieError(
            401,
            "Missing authentication, or failed to authenticate: send the header "
            "'Authorization: Bearer test_...' or 'Authorization: Bearer live_...'.",
        )
    g.mode = match.group(1)


# Payments


@blueprint.post("/payments")
def create_payment() -> Response:
    state = local_mollie()
    body = parse_json_object(request.get_data())
    payment_request = parse_payment_request(body, state.store.settings())
    payment, replayed = state.store.create_payment(
        mode=g.mode,
        request=payment_request,
        idempotency_key=request.headers.get("Idempotency-Key"),
        body=body,
    )
    return _created(payment_json(payment, request_links()), replayed)


@blueprint.get("/payments")
def list_payments() -> Response:
    links = request_links()
    payments = local_mollie().store.list_payments(g.mode)
    return _paginated_list(
        "payments",
        payments,
        path="payments",
        to_json=lambda payment: payment_json(payment, links),
        documentation_page="list-payments",
    )


@blueprint.get("/payments/<payment_id>")
def get_payment(payment_id: str) -> Response:
    payment = local_mollie().store.get_payment(payment_id, g.mode)
    return json_response(payment_json(payment, request_links(), embed=_embed_parameter()))


@blueprint.delete("/payments/<payment_id>")
def cancel_payment(payment_id: str) -> Response:
    """Cancel an open payment and return it with status canceled.

    NOTE: the local server calls no webhook for a payment canceled through
    the API, because the caller already gets the canceled payment back.
    Whether Mollie calls it in this case is not verified here.
    """
    payment = local_mollie().store.cancel_payment(payment_id, g.mode)
    return json_response(payment_json(payment, request_links()))


# Refunds


@blueprint.post("/payments/<payment_id>/refunds")
def create_refund(payment_id: str) -> Response:
    state = local_mollie()
    body = parse_json_object(request.get_data())
    refund, replayed = state.store.create_refund(
        payment_id=payment_id,
        mode=g.mode,
        request=parse_refund_request(body),
        idempotency_key=request.headers.get("Idempotency-Key"),
        body=body,
    )
    if not replayed and refund.status in WEBHOOK_REFUND_STATUSES:
        payment = state.store.get_payment(payment_id)
        state.webhooks.dispatch(
            payment_id=payment_id,
            url=payment.webhook_url,
            trigger=f"refund {refund.id} {refund.status}",
            mode=state.store.settings().refund_webhook,
        )
    return _created(refund_json(refund, request_links()), replayed)


@blueprint.get("/payments/<payment_id>/refunds")
def list_refunds(payment_id: str) -> Response:
    links = request_links()
    payment = local_mollie().store.get_payment(payment_id, g.mode)
    return _paginated_list(
        "refunds",
        list(reversed(payment.refunds)),
        path=f"payments/{payment_id}/refunds",
        to_json=lambda refund: refund_json(refund, links),
        documentation_page="list-refunds",
    )


@blueprint.get("/payments/<payment_id>/refunds/<refund_id>")
def get_refund(payment_id: str, refund_id: str) -> Response:
    refund = local_mollie().store.get_refund(payment_id, refund_id, g.mode)
    return json_response(refund_json(refund, request_links()))


# Chargebacks


@blueprint.get("/payments/<payment_id>/chargebacks")
def list_chargebacks(payment_id: str) -> Response:
    links = request_links()
    payment = local_mollie().store.get_payment(payment_id, g.mode)
    return _paginated_list(
        "chargebacks",
        list(reversed(payment.chargebacks)),
        path=f"payments/{payment_id}/chargebacks",
        to_json=lambda chargeback: chargeback_json(chargeback, links),
        documentation_page="list-payment-chargebacks",
    )


@blueprint.get("/payments/<payment_id>/chargebacks/<chargeback_id>")
def get_chargeback(payment_id: str, chargeback_id: str) -> Response:
    chargeback = local_mollie().store.get_chargeback(payment_id, chargeback_id, g.mode)
    return json_response(chargeback_json(chargeback, request_links()))


# Methods


@blueprint.get("/methods")
def list_methods() -> Response:
    """List the enabled methods, filtered by ``amount[value]`` when the client sends it.

    NOTE: the filter compares the value with the placeholder limits only and
    ignores ``amount[currency]``.
    """
    links = request_links()
    methods = [
        CATALOGUE[method_id] for method_id in local_mollie().store.settings().enabled_methods
    ]
    amount = _amount_parameter()
    if amount is not None:
        methods = [m for m in methods if m.minimum_amount <= amount <= m.maximum_amount]
    items = [method_json(method, links) for method in methods]
    body = list_json(
        "methods",
        items,
        self_link=links.api("methods", request.args.to_dict()),
        next_link=None,
        previous_link=None,
        documentation_page="list-methods",
    )
    return json_response(body)


@blueprint.get("/methods/<method_id>")
def get_method(method_id: str) -> Response:
    if method_id not in local_mollie().store.settings().enabled_methods:
        raise not_found(f"No enabled payment method exists with id {method_id}.")
    return json_response(method_json(CATALOGUE[method_id], request_links()))


# Helpers


def _created(body: dict, replayed: bool) -> Response:
    response = json_response(body, status=201)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def _embed_parameter() -> tuple[str, ...]:
    raw = request.args.get("embed", "")
    requested = tuple(part.strip() for part in raw.split(",") if part.strip())
    unknown = [part for part in requested if part not in EMBEDDABLE]
    if unknown:
        raise bad_request(
            f"Invalid embed {', '.join(unknown)}: "
            f"the local server can embed {', '.join(sorted(EMBEDDABLE))}.",
            "embed",
        )
    return requested


def _amount_parameter() -> Decimal | None:
    if "amount[value]" not in request.args and "amount[currency]" not in request.args:
        return None
    raw = {
        "value": request.args.get("amount[value]"),
        "currency": request.args.get("amount[currency]"),
    }
    value, _currency = parse_amount(raw, "amount")
    return value


def _limit_parameter() -> int:
    raw = request.args.get("limit", str(DEFAULT_LIMIT))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise bad_request(
            f"Invalid limit {raw!r}: send a whole number from 1 to {MAX_LIMIT}.", "limit"
        )
    return int(raw)


def _paginated_list(
    name: str,
    items: list[Item],
    *,
    path: str,
    to_json: Callable[[Item], dict],
    documentation_page: str,
) -> Response:
    """Return one page of ``items`` (already in API order), paged by ``from`` and ``limit``."""
    links = request_links()
    limit = _limit_parameter()
    start = _start_index(items, request.args.get("from"))
    page = items[start : start + limit]

    next_link = None
    if start + limit < len(items):
        next_link = links.api(path, {"from": items[start + limit].id, "limit": limit})
    previous_link = None
    if start > 0:
        previous_link = links.api(path, {"from": items[max(start - limit, 0)].id, "limit": limit})

    body = list_json(
        name,
        [to_json(item) for item in page],
        self_link=links.api(path, request.args.to_dict()),
        next_link=next_link,
        previous_link=previous_link,
        documentation_page=documentation_page,
    )
    return json_response(body)


def _start_index(items: list, from_id: str | None) -> int:
    if from_id is None:
        return 0
    for index, item in enumerate(items):
        if item.id == from_id:
            return index
    raise bad_request(f"Invalid from {from_id!r}: no item in this list has that id.", "from")
