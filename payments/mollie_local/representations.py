"""JSON bodies in the shape of Mollie v2 API resources (HAL ``_links`` included).

Field names and the presence rules follow the resources that
mollie-api-python 4.0.0 reads (``mollie/api/objects/payment.py`` and its
neighbours). ``_links.refunds`` and ``_links.chargebacks`` only appear once
the payment has one, because ``has_refunds()`` and ``has_chargebacks()`` test
for those links.
"""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from .amounts import amount_json
from .methods import PaymentMethod
from .store import CANCELABLE_STATUSES, CHECKOUT_OPEN_STATUSES, FINAL_STATUSES, Chargeback, Payment, Refund

HAL_JSON = "application/hal+json"
DOCS = "https://docs.mollie.com/reference"

# NOTE: a placeholder. Payments on a real Mollie account carry the id of a
# website profile.
PROFILE_ID = "pfl_localtest00"


@dataclass(frozen=True)
class Links:
    """Base URLs: ``api_base`` for API links, ``public_base`` for pages a browser opens."""

    api_base: str
    public_base: str

    def api(self, path: str, query: dict | None = None) -> dict:
        href = f"{self.api_base}/v2/{path}"
        if query:
            href += "?" + urlencode(query)
        return {"href": href, "type": HAL_JSON}

    def page(self, path: str) -> dict:
        return {"href": f"{self.public_base}/{path}", "type": "text/html"}


def timestamp(moment: datetime) -> str:
    return moment.isoformat()


def documentation(page: str) -> dict:
    return {"href": f"{DOCS}/{page}", "type": "text/html"}


def payment_json(payment: Payment, links: Links, embed: tuple[str, ...] = ()) -> dict:
    body = {
        "resource": "payment",
        "id": payment.id,
        "mode": payment.mode,
        "createdAt": timestamp(payment.created_at),
        "amount": amount_json(payment.amount, payment.currency),
        "description": payment.description,
        "method": payment.method,
        "metadata": payment.metadata,
        "status": payment.status,
        "profileId": PROFILE_ID,
        "sequenceType": "oneoff",
        "redirectUrl": payment.redirect_url,
        "webhookUrl": payment.webhook_url,
    }
    body.update(_optional_payment_fields(payment))
    body.update(_payment_amount_fields(payment))
    if embed:
        body["_embedded"] = _payment_embedded(payment, links, embed)
    body["_links"] = _payment_links(payment, links)
    return body


def _optional_payment_fields(payment: Payment) -> dict:
    fields: dict = {}
    if payment.cancel_url is not None:
        fields["cancelUrl"] = payment.cancel_url
    if payment.locale is not None:
        fields["locale"] = payment.locale
    if payment.status not in FINAL_STATUSES:
        fields["isCancelable"] = payment.status in CANCELABLE_STATUSES
    if payment.status in CHECKOUT_OPEN_STATUSES:
        fields["expiresAt"] = timestamp(payment.expires_at)
    for name, moment in payment.status_changed_at.items():
        fields[name] = timestamp(moment)
    return fields


def _payment_amount_fields(payment: Payment) -> dict:
    """Return the refund and chargeback amounts, which Mollie only shows on paid payments."""
    fields: dict = {}
    if payment.status == "paid":
        fields["amountRefunded"] = amount_json(payment.refunded_amount, payment.currency)
        fields["amountRemaining"] = amount_json(payment.remaining_amount, payment.currency)
        fields["settlementAmount"] = amount_json(payment.amount, payment.currency)
    if payment.chargebacks:
        fields["amountChargedBack"] = amount_json(payment.charged_back_amount, payment.currency)
    return fields


def _payment_links(payment: Payment, links: Links) -> dict:
    result = {"self": links.api(f"payments/{payment.id}")}
    if payment.status in CHECKOUT_OPEN_STATUSES:
        result["checkout"] = links.page(f"checkout/{payment.id}")
    result["dashboard"] = links.page(f"dashboard/payments/{payment.id}")
    if payment.refunds:
        result["refunds"] = links.api(f"payments/{payment.id}/refunds")
    if payment.chargebacks:
        result["chargebacks"] = links.api(f"payments/{payment.id}/chargebacks")
    result["documentation"] = documentation("get-payment")
    return result


def _payment_embedded(payment: Payment, links: Links, embed: tuple[str, ...]) -> dict:
    embedded = {}
    if "refunds" in embed:
        embedded["refunds"] = [refund_json(refund, links) for refund in reversed(payment.refunds)]
    if "chargebacks" in embed:
        embedded["chargebacks"] = [
            chargeback_json(chb, links) for chb in reversed(payment.chargebacks)
        ]
    return embedded


def refund_json(refund: Refund, links: Links) -> dict:
    return {
        "resource": "refund",
        "id": refund.id,
        "mode": refund.mode,
        "amount": amount_json(refund.amount, refund.currency),
        "settlementAmount": amount_json(-refund.amount, refund.currency),
        "status": refund.status,
        "createdAt": timestamp(refund.created_at),
        "description": refund.description,
        "metadata": refund.metadata,
        "paymentId": refund.payment_id,
        "_links": {
            "self": links.api(f"payments/{refund.payment_id}/refunds/{refund.id}"),
            "payment": links.api(f"payments/{refund.payment_id}"),
            "documentation": documentation("get-refund"),
        },
    }


def chargeback_json(chargeback: Chargeback, links: Links) -> dict:
    return {
        "resource": "chargeback",
        "id": chargeback.id,
        "amount": amount_json(chargeback.amount, chargeback.currency),
        "settlementAmount": amount_json(-chargeback.amount, chargeback.currency),
        "createdAt": timestamp(chargeback.created_at),
        "reason": chargeback.reason,
        "reversedAt": None,
        "paymentId": chargeback.payment_id,
        "_links": {
            "self": links.api(f"payments/{chargeback.payment_id}/chargebacks/{chargeback.id}"),
            "payment": links.api(f"payments/{chargeback.payment_id}"),
            "documentation": documentation("get-payment-chargeback"),
        },
    }


def method_json(method: PaymentMethod, links: Links) -> dict:
    image = f"{links.public_base}/_local/images/methods/{method.id}.svg"
    return {
        "resource": "method",
        "id": method.id,
        "description": method.description,
        "minimumAmount": amount_json(method.minimum_amount, "EUR"),
        "maximumAmount": amount_json(method.maximum_amount, "EUR"),
        # NOTE: Mollie serves PNG files for size1x and size2x, but the local
        # server has one SVG per method and returns it for all three.
        "image": {"size1x": image, "size2x": image, "svg": image},
        "status": "activated",
        "_links": {
            "self": links.api(f"methods/{method.id}"),
            "documentation": documentation("get-method"),
        },
    }


def list_json(
    name: str,
    items: list[dict],
    *,
    self_link: dict,
    next_link: dict | None,
    previous_link: dict | None,
    documentation_page: str,
) -> dict:
    return {
        "count": len(items),
        "_embedded": {name: items},
        "_links": {
            "self": self_link,
            "previous": previous_link,
            "next": next_link,
            "documentation": documentation(documentation_page),
        },
    }
