"""Hosted checkout page and a read-only dashboard page of the local Mollie server.

The checkout page replaces Mollie's payment screen. It has one form per
outcome (paid, failed, canceled, expired). Submitting a form sets the status,
calls the webhook synchronously, and then redirects with 302 to the
redirectUrl, or to the cancelUrl for "canceled" when the payment has one. A
failed webhook call is logged and recorded but does not stop the redirect.
"""

import logging

from flask import Blueprint, Response, redirect, render_template, request

from .amounts import format_value
from .context import local_mollie
from .errors import MollieError, bad_request
from .methods import CATALOGUE
from .store import CHECKOUT_OPEN_STATUSES, CHECKOUT_OUTCOMES, Payment

logger = logging.getLogger(__name__)

blueprint = Blueprint("mollie_local_pages", __name__)


@blueprint.errorhandler(MollieError)
def show_error(error: MollieError) -> tuple[str, int]:
    status = 400 if error.status == 422 else error.status
    logger.info("Rejected %s %s with %s: %s", request.method, request.path, status, error.detail)
    return render_template("message.html", title="Request failed", message=error.detail), status


@blueprint.get("/checkout/<payment_id>")
def show_checkout(payment_id: str) -> str:
    state = local_mollie()
    payment = state.store.get_payment(payment_id)
    return render_template(
        "checkout.html",
        payment=payment,
        amount=_display_amount(payment),
        outcomes=CHECKOUT_OUTCOMES,
        is_open=payment.status in CHECKOUT_OPEN_STATUSES,
        methods=[
            CATALOGUE[m] for m in payment.offered_methods(state.store.settings().enabled_methods)
        ],
    )


@blueprint.post("/checkout/<payment_id>")
def submit_checkout(payment_id: str) -> Response | str:
    state = local_mollie()
    status = request.form.get("status", "")
    method = _chosen_method(payment_id, status)

    payment = state.store.complete_checkout(payment_id, status, method)
    state.webhooks.dispatch(
        payment_id=payment.id,
        url=payment.webhook_url,
        trigger=f"checkout {status}",
        mode="sync",
    )

    return_url = _return_url(payment)
    if return_url is not None:
        return redirect(return_url, code=302)
    return render_template(
        "message.html",
        title=f"Payment {payment.status}",
        message=f"Payment {payment.id} is now {payment.status}. "
        "It has no redirectUrl to return to.",
    )


@blueprint.get("/dashboard/payments/<payment_id>")
def show_dashboard(payment_id: str) -> str:
    payment = local_mollie().store.get_payment(payment_id)
    return render_template(
        "dashboard.html",
        payment=payment,
        amount=_display_amount(payment),
        refunded=format_value(payment.refunded_amount, payment.currency),
        remaining=format_value(payment.remaining_amount, payment.currency),
        charged_back=format_value(payment.charged_back_amount, payment.currency),
        format_value=format_value,
    )


def _chosen_method(payment_id: str, status: str) -> str | None:
    """Return the method picked in the "paid" form, after checking it is offered."""
    method = request.form.get("method") or None
    if status != "paid" or method is None:
        return None
    state = local_mollie()
    offered = state.store.get_payment(payment_id).offered_methods(
        state.store.settings().enabled_methods
    )
    if method not in offered:
        raise bad_request(
            f"Invalid method {method!r}: this payment offers {', '.join(offered)}.", "method"
        )
    return method


def _return_url(payment: Payment) -> str | None:
    if payment.status == "canceled" and payment.cancel_url is not None:
        return payment.cancel_url
    return payment.redirect_url


def _display_amount(payment: Payment) -> str:
    return f"{payment.currency} {format_value(payment.amount, payment.currency)}"
