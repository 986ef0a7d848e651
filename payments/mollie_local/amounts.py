"""Amounts as the Mollie v2 API writes them: ``{"currency": "EUR", "value": "10.00"}``.

The value is a string with exactly as many decimals as the currency has, so a
JSON number or ``"10"`` is rejected, as Mollie does.
"""

import re
from decimal import Decimal

from .errors import invalid

CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")

# NOTE: only JPY is known here to have no decimals in the Mollie API. Every
# other ISO 4217 code is treated as having 2 decimals.
ZERO_DECIMAL_CURRENCIES = frozenset({"JPY"})


def currency_places(currency: str) -> int:
    return 0 if currency in ZERO_DECIMAL_CURRENCIES else 2


def format_value(value: Decimal, currency: str) -> str:
    return f"{value:.{currency_places(currency)}f}"


def amount_json(value: Decimal, currency: str) -> dict:
    return {"currency": currency, "value": format_value(value, currency)}


def parse_amount(raw: object, field: str = "amount") -> tuple[Decimal, str]:
    """Validate an amount object and return its value and currency.

    Raises a 422 ``MollieError`` whose field names the part that is invalid,
    for example ``amount.value``.
    """
    if raw is None:
        raise invalid(
            f'Missing {field}: send an object such as {{"currency": "EUR", "value": "10.00"}}.',
            field,
        )
    if not isinstance(raw, dict):
        raise invalid(
            f'Invalid {field}: expected an object such as {{"currency": "EUR", "value": "10.00"}}.',
            field,
        )

    currency = _parse_currency(raw.get("currency"), f"{field}.currency")
    value = _parse_value(raw.get("value"), currency, f"{field}.value")
    if value <= 0:
        raise invalid(
            f"Invalid {field}.value {raw['value']!r}: the amount must be above 0.", f"{field}.value"
        )
    return value, currency


def _parse_currency(raw: object, field: str) -> str:
    if not isinstance(raw, str) or not CURRENCY_PATTERN.match(raw):
        raise invalid(f"Invalid {field} {raw!r}: use an ISO 4217 code such as 'EUR'.", field)
    return raw


def _parse_value(raw: object, currency: str, field: str) -> Decimal:
    places = currency_places(currency)
    pattern = r"^\d+$" if places == 0 else rf"^\d+\.\d{{{places}}}$"
    example = "1000" if places == 0 else "10." + "0" * places
    if not isinstance(raw, str) or not re.match(pattern, raw):
        raise invalid(
            f"Invalid {field} {raw!r}: send a string with exactly {places} decimals "
            f"for {currency}, for example '{example}'.",
            field,
        )
    return Decimal(raw)
