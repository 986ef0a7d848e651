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


CURRENCY_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}


def format_money_localized(value: Decimal, currency: str) -> str:
    """Format for people: currency symbol and the active language's separators.

    For example ``€ 1,234.50`` in English and ``€ 1.234,50`` in Dutch, with a
    no-break space after the symbol.
    """
    from django.utils import formats

    number = formats.number_format(to_money(value), decimal_pos=2, use_l10n=True, force_grouping=True)
    symbol = CURRENCY_SYMBOLS.get(currency, currency)
    return f"{symbol}\N{NO-BREAK SPACE}{number}"
