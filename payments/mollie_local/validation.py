"""Checks on request bodies, with Mollie-style 422 errors that name the field.

Fields that the local server does not know are ignored.
"""

import json
import re

from .amounts import parse_amount
from .errors import bad_request, invalid
from .store import PaymentRequest, RefundRequest, Settings

DESCRIPTION_MAX_LENGTH = 255

# NOTE: Mollie documents "approximately 1kB" for metadata. The exact limit
# is not known, so this server rejects more than 1024 bytes of compact JSON.
METADATA_MAX_BYTES = 1024

# Only the form of a locale such as nl_NL is checked, not Mollie's list.
LOCALE_PATTERN = re.compile(r"^[a-z]{2}_[A-Z]{2}$")

SUPPORTED_SEQUENCE_TYPES = ("oneoff",)


def parse_json_object(raw: bytes) -> dict:
    """Decode a JSON request body. An empty body counts as ``{}``."""
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise bad_request(f"Invalid JSON in the request body: {error}.") from error
    if not isinstance(body, dict):
        raise bad_request("Invalid request body: send a JSON object.")
    return body


def parse_payment_request(body: dict, settings: Settings) -> PaymentRequest:
    amount, currency = parse_amount(body.get("amount"), "amount")
    _check_sequence_type(body.get("sequenceType"))
    return PaymentRequest(
        amount=amount,
        currency=currency,
        description=_required_description(body.get("description")),
        redirect_url=_optional_url(body.get("redirectUrl"), "redirectUrl"),
        cancel_url=_optional_url(body.get("cancelUrl"), "cancelUrl"),
        webhook_url=_optional_url(body.get("webhookUrl"), "webhookUrl"),
        metadata=_metadata(body.get("metadata")),
        method=_method(body.get("method"), settings.enabled_methods),
        locale=_locale(body.get("locale")),
    )


def parse_refund_request(body: dict) -> RefundRequest:
    amount, currency = parse_amount(body.get("amount"), "amount")
    description = body.get("description", "")
    if not isinstance(description, str) or len(description) > DESCRIPTION_MAX_LENGTH:
        raise invalid(
            f"Invalid description: send a string of at most {DESCRIPTION_MAX_LENGTH} characters.",
            "description",
        )
    return RefundRequest(
        amount=amount,
        currency=currency,
        description=description,
        metadata=_metadata(body.get("metadata")),
    )


def _required_description(raw: object) -> str:
    if raw is None or raw == "":
        raise invalid(
            "Missing description: send the text for the customer's statement.", "description"
        )
    if not isinstance(raw, str) or len(raw) > DESCRIPTION_MAX_LENGTH:
        raise invalid(
            f"Invalid description: send a string of at most {DESCRIPTION_MAX_LENGTH} characters.",
            "description",
        )
    return raw


def _optional_url(raw: object, field: str) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not re.match(r"^https?://[^\s/]+", raw):
        raise invalid(f"Invalid {field} {raw!r}: send an absolute http or https URL.", field)
    return raw


def _metadata(raw: object) -> object:
    size = len(json.dumps(raw, separators=(",", ":")).encode())
    if size > METADATA_MAX_BYTES:
        raise invalid(
            f"Invalid metadata: {size} bytes of JSON is more than {METADATA_MAX_BYTES} bytes.",
            "metadata",
        )
    return raw


def _method(raw: object, enabled_methods: list[str]) -> str | list[str] | None:
    if raw is None:
        return None
    requested = [raw] if isinstance(raw, str) else raw
    if not isinstance(requested, list) or not all(isinstance(item, str) for item in requested):
        raise invalid("Invalid method: send a method id or a list of method ids.", "method")
    disabled = [item for item in requested if item not in enabled_methods]
    if disabled:
        raise invalid(
            f"Invalid method {', '.join(disabled)}: "
            f"the enabled methods are {', '.join(enabled_methods)}.",
            "method",
        )
    return raw


def _locale(raw: object) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not LOCALE_PATTERN.match(raw):
        raise invalid(f"Invalid locale {raw!r}: send a locale such as 'nl_NL'.", "locale")
    return raw


def _check_sequence_type(raw: object) -> None:
    if raw is not None and raw not in SUPPORTED_SEQUENCE_TYPES:
        raise invalid(
            f"Unsupported sequenceType {raw!r}: the local server only creates one-off payments.",
            "sequenceType",
        )
