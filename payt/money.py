"""Money helpers: Decimal amounts with two places, rounded half up.

Python's Decimal rounds half to even by default (0.625 -> 0.62); commercial
and legal amounts here round half up (0.625 -> 0.63), so every rounding in
the product goes through ``to_money``.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MONEY_MAX_DIGITS = 14
MONEY_DECIMAL_PLACES = 2


def to_money(value: Decimal | int | str) -> Decimal:
    """Round ``value`` half up to the cent."""
    try:
        return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a valid amount; use digits with a dot, for example 12.50.") from None


def format_amount(value: Decimal) -> str:
    """Format as the API and Mollie expect: a string with exactly two decimals."""
    return f"{to_money(value):.2f}"
