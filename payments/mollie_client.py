"""The Mollie API client as this project configures it, and amount conversion.

Development and tests point ``MOLLIE_API_ENDPOINT`` at the local server in
``payments.mollie_local``; production leaves it at https://api.mollie.com.
"""

from decimal import Decimal

from django.conf import settings
from mollie.api.client import Client

from payt.money import format_amount, to_money

# Connect and read timeouts in seconds. The webhook handler waits for these,
# and Mollie expects a quick response to its webhook call.
MOLLIE_TIMEOUT = (2, 10)

# Checkout locales by debtor language; Belgian debtors get the Belgian variant.
MOLLIE_LOCALES = {"nl": "nl_NL", "en": "en_US", "fr": "fr_FR", "de": "de_DE"}
MOLLIE_LOCALES_BY_COUNTRY = {("nl", "BE"): "nl_BE", ("fr", "BE"): "fr_BE", ("de", "AT"): "de_AT"}


def mollie_client() -> Client:
    """Build a client for ``MOLLIE_API_ENDPOINT`` with ``MOLLIE_API_KEY``."""
    client = Client(api_endpoint=settings.MOLLIE_API_ENDPOINT, timeout=MOLLIE_TIMEOUT)
    client.set_api_key(settings.MOLLIE_API_KEY)
    return client


def amount_payload(value: Decimal, currency: str) -> dict:
    """Return a Mollie amount: the value is a string with two decimals, rounded half up."""
    # NOTE: Mollie wants 0 decimals for currencies without minor units (JPY);
    # invoices here are in currencies with cents, so every value gets 2.
    return {"currency": currency, "value": format_amount(value)}


def amount_from_payload(payload: dict | None) -> Decimal:
    """Return the value of a Mollie amount object; a missing amount counts as zero."""
    if not payload:
        return to_money("0")
    return to_money(payload["value"])


def mollie_locale(language: str, country: str = "") -> str:
    return MOLLIE_LOCALES_BY_COUNTRY.get(
        (language, country.upper()), MOLLIE_LOCALES.get(language, "en_US")
    )
