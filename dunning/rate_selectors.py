"""Reads of the statutory interest rate tables, and the interest calculation that uses them.

The tables are shared by all tenants (rates are law), so these reads need
no tenant context.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch

from dunning.calculation import (
    COUNTRY_CURRENCIES,
    CalculationError,
    check_country,
    check_debtor_kind,
)
from dunning.interest import InterestResult, InterestSchedule, RatePoint, statutory_interest
from dunning.models import InterestRate, InterestRegime


@dataclass(frozen=True)
class InterestCalculation:
    """The interest on a claim together with the regime and currency it was computed for."""

    regime: InterestRegime
    currency: str
    result: InterestResult


def interest_regime_for(country: str, debtor_kind: str) -> InterestRegime:
    """Return the regime of ``country`` and ``debtor_kind``, or raise ``CalculationError`` naming the parameter."""
    country = check_country(country)
    debtor_kind = check_debtor_kind(debtor_kind)
    regime = InterestRegime.objects.filter(country=country, debtor_kind=debtor_kind).first()
    if regime is None:
        covered = ", ".join(f"{row.country} {row.debtor_kind}" for row in InterestRegime.objects.order_by("code"))
        raise CalculationError(
            "debtor_kind",
            f"the rate tables hold no statutory interest regime for {debtor_kind} debtors in {country}; "
            f"they cover {covered}.",
        )
    return regime


def interest_schedule(regime: InterestRegime) -> InterestSchedule:
    """Return the regime's rates and conventions as the value ``dunning.interest`` computes with."""
    rates = tuple(
        RatePoint(effective_from=row.effective_from, rate=row.rate, verified=row.verified)
        for row in InterestRate.objects.filter(regime=regime).order_by("effective_from")
    )
    return InterestSchedule(
        code=regime.code,
        rates=rates,
        day_count=regime.day_count,
        capitalisation=regime.capitalisation,
        rate_fixing=regime.rate_fixing,
    )


def statutory_interest_for(
    country: str,
    debtor_kind: str,
    principal: Decimal,
    start: dt.date,
    end: dt.date,
    day_count: str | None = None,
) -> InterestCalculation:
    """Compute the statutory interest of a claim from the stored rate table of its country and debtor kind.

    ``start`` is the first interest day and ``end`` the last, both counted.
    ``day_count`` overrides the regime's setting. Raises ``CalculationError``.
    """
    regime = interest_regime_for(country, debtor_kind)
    result = statutory_interest(principal, start, end, interest_schedule(regime), day_count)
    return InterestCalculation(regime=regime, currency=COUNTRY_CURRENCIES[regime.country], result=result)


def interest_regimes_with_rates() -> list[InterestRegime]:
    """Return every regime with its rates, newest first, for the rate-table page."""
    rates = InterestRate.objects.select_related("updated_by").order_by("-effective_from")
    return list(InterestRegime.objects.prefetch_related(Prefetch("rates", queryset=rates)))
