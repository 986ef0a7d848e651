"""Terms and input checks shared by the statutory-interest and collection-cost calculators.

The calculators in ``dunning.interest`` and ``dunning.costs`` are pure: they
take values, never touch the database, and raise ``CalculationError`` naming
the parameter that is wrong, so the API can answer 400 for that parameter and
a dashboard form can show the message beside its field.
"""

from decimal import Decimal, InvalidOperation

from django.db import models
from django.utils.translation import gettext_lazy as _

from payt.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS

# The currency in which each country's statutory amounts are fixed.
COUNTRY_CURRENCIES = {"NL": "EUR", "BE": "EUR", "FR": "EUR", "DE": "EUR", "GB": "GBP"}
# "UK" is what people type; ISO 3166 and the rest of the product use "GB".
COUNTRY_ALIASES = {"UK": "GB"}
MAX_PRINCIPAL = Decimal(10) ** (MONEY_MAX_DIGITS - MONEY_DECIMAL_PLACES) - Decimal("0.01")


class CalculationError(ValueError):
    """A calculator input that is missing, malformed or outside the range the law covers."""

    def __init__(self, parameter: str, message: str):
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.message = message


class LegalDebtorKind(models.TextChoices):
    """How the law classes a debtor: a natural person outside a trade or profession, or a business."""

    CONSUMER = "consumer", _("Consumer")
    BUSINESS = "business", _("Business")


def legal_debtor_kind(debtor_kind: str) -> str:
    """Map ``debtors.models.DebtorKind`` (company or consumer) to the calculators' kind."""
    return LegalDebtorKind.CONSUMER if debtor_kind == LegalDebtorKind.CONSUMER else LegalDebtorKind.BUSINESS


def check_country(country: str) -> str:
    """Return the upper-case country code, or raise naming ``country``."""
    code = (country or "").strip().upper()
    code = COUNTRY_ALIASES.get(code, code)
    if code not in COUNTRY_CURRENCIES:
        supported = ", ".join(COUNTRY_CURRENCIES)
        raise CalculationError("country", f"{country[:20]!r} is not supported; use one of {supported}.")
    return code


def check_debtor_kind(debtor_kind: str) -> str:
    if debtor_kind not in LegalDebtorKind.values:
        raise CalculationError(
            "debtor_kind", f"{str(debtor_kind)[:20]!r} is not a debtor kind; use consumer or business."
        )
    return debtor_kind


def check_currency(country: str, currency: str | None) -> str:
    """Return the country's currency; a different ``currency`` raises, because the statutory amounts are in it."""
    expected = COUNTRY_CURRENCIES[country]
    if currency is None or currency == "":
        return expected
    if currency.strip().upper() != expected:
        raise CalculationError(
            "currency",
            f"{currency[:20]!r} does not match {country}, whose statutory amounts are in {expected}; "
            f"send {expected} or convert the principal first.",
        )
    return expected


def check_principal(principal) -> Decimal:
    """Return the principal as a Decimal, or raise naming ``principal``.

    A principal is an amount of money: above zero, at most two decimals and
    small enough for the money columns.
    """
    try:
        value = Decimal(principal)
    except (InvalidOperation, TypeError, ValueError):
        raise CalculationError(
            "principal", f"{str(principal)[:30]!r} is not an amount; use digits with a dot, for example 1234.56."
        ) from None
    if not value.is_finite():
        raise CalculationError("principal", f"{principal!r} is not an amount; send a finite number.")
    if value <= 0:
        raise CalculationError("principal", f"{value} must be above zero.")
    if value > MAX_PRINCIPAL:
        raise CalculationError("principal", f"{value} is above the maximum of {MAX_PRINCIPAL}.")
    if value.as_tuple().exponent < -MONEY_DECIMAL_PLACES and value != value.quantize(Decimal("0.01")):
        raise CalculationError("principal", f"{value} has more than two decimals; send it rounded to the cent.")
    return value
