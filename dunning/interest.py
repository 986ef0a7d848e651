"""Statutory late-payment interest as a pure function of principal, dates and a rate table.

No statute sets a rounding rule for interest, so this module fixes one.
Interest accrues unrounded across rate changes and calendar-year splits. It
is rounded half up to the cent once per capitalisation period, when it is
added to the base on the yearly anniversary, and once at the end date.
Rounding every sub-period instead would make the result depend on where a
period happens to be split.

The interest days run from ``start`` up to and including ``end``; with the
default day count the interest of a period is ``base × rate × days / 365``.
"""

import calendar
import datetime as dt
import decimal
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import models
from django.utils.translation import gettext_lazy as _

from dunning.calculation import CalculationError, check_principal
from payt.money import ZERO, to_money

# Enough digits that no intermediate product of a long claim is rounded.
_PRECISION = 40


class DayCount(models.TextChoices):
    """Convention for counting the days of a period and the days of its year."""

    ACT_365 = "act_365", _("Actual/365")
    ACT_ACT = "act_act", _("Actual/actual, split by calendar year")
    THIRTY_360 = "30_360", _("30E/360")


class CapitalisationRule(models.TextChoices):
    SIMPLE = "simple", _("Simple interest")
    YEARLY = "yearly", _("Added to the principal every year on the anniversary of the start")


class RateFixing(models.TextChoices):
    """Whether a rate change reaches a debt that is already accruing interest."""

    RUNNING = "running", _("A new rate applies to interest already running")
    DUE_DATE = "due_date", _("The rate of the half-year in which the debt fell due applies throughout")


@dataclass(frozen=True)
class RatePoint:
    """A rate in percent per year, in force from ``effective_from`` until the next point."""

    effective_from: dt.date
    rate: Decimal
    verified: bool = True


@dataclass(frozen=True)
class InterestSchedule:
    """A regime's rate table and conventions, as ``dunning.rate_selectors`` loads them."""

    code: str
    rates: tuple[RatePoint, ...]
    day_count: str = DayCount.ACT_365
    capitalisation: str = CapitalisationRule.SIMPLE
    rate_fixing: str = RateFixing.RUNNING


@dataclass(frozen=True)
class InterestPeriod:
    """A stretch of days with one base, one rate and one year length; ``days`` counts both ends."""

    start: dt.date
    end: dt.date
    days: int
    year_basis: int
    base: Decimal
    rate: Decimal
    rate_verified: bool
    interest_unrounded: Decimal


@dataclass(frozen=True)
class CapitalisationEvent:
    """Interest of a full year, rounded and added to the base on the anniversary ``date``."""

    date: dt.date
    interest: Decimal
    base_after: Decimal


@dataclass(frozen=True)
class InterestResult:
    amount: Decimal
    principal: Decimal
    start: dt.date
    end: dt.date
    day_count: str
    capitalisation: str
    periods: tuple[InterestPeriod, ...]
    capitalisations: tuple[CapitalisationEvent, ...]

    @property
    def rates_verified(self) -> bool:
        """False when any rate used is flagged UNVERIFIED in the rate table."""
        return all(period.rate_verified for period in self.periods)


def statutory_interest(
    principal: Decimal,
    start: dt.date,
    end: dt.date,
    schedule: InterestSchedule | Sequence[RatePoint],
    day_count: str | None = None,
    *,
    due_date: dt.date | None = None,
) -> InterestResult:
    """Compute the interest on ``principal`` for the days ``start`` to ``end``, both inclusive.

    ``schedule`` is a regime's ``InterestSchedule``, or a bare list of rate
    points that then accrue simple interest, actual/365, with rate changes
    applied to running interest. ``day_count`` overrides the schedule's. For
    a regime that fixes the rate by the due date, ``due_date`` defaults to the
    day before ``start``. Raises ``CalculationError`` naming the bad parameter.
    """
    principal = check_principal(principal)
    schedule = _as_schedule(schedule)
    day_count = _check_day_count(day_count or schedule.day_count)
    _check_dates(start, end)
    rates = _sorted_rates(schedule)

    fixed = None
    if schedule.rate_fixing == RateFixing.DUE_DATE:
        fixed = _rate_point_at(rates, due_date or start - dt.timedelta(days=1), schedule.code, "start")
    else:
        _rate_point_at(rates, start, schedule.code, "start")

    anniversaries = _anniversaries(start, end) if schedule.capitalisation == CapitalisationRule.YEARLY else []
    spans = _spans(start, end, rates, fixed, anniversaries, day_count)
    with decimal.localcontext(prec=_PRECISION):
        return _accrue(principal, start, end, spans, set(anniversaries), day_count, schedule.capitalisation)


def _as_schedule(schedule) -> InterestSchedule:
    if isinstance(schedule, InterestSchedule):
        return schedule
    return InterestSchedule(code="custom", rates=tuple(schedule))


def _check_day_count(day_count: str) -> str:
    if day_count not in DayCount.values:
        raise CalculationError(
            "day_count", f"{str(day_count)[:20]!r} is not a day count; use one of {', '.join(DayCount.values)}."
        )
    return day_count


def _check_dates(start, end) -> None:
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise CalculationError(name, f"{value!r} is not a calendar date; send YYYY-MM-DD.")
    if end < start:
        raise CalculationError(
            "end", f"{end.isoformat()} is before the start {start.isoformat()}; both days count, so end >= start."
        )


def _sorted_rates(schedule: InterestSchedule) -> list[RatePoint]:
    rates = sorted(schedule.rates, key=lambda point: point.effective_from)
    if not rates:
        raise CalculationError("rates", f"the rate table {schedule.code!r} is empty; add a rate first.")
    return rates


def _rate_point_at(rates: list[RatePoint], day: dt.date, code: str, parameter: str) -> RatePoint:
    in_force = [point for point in rates if point.effective_from <= day]
    if not in_force:
        first = rates[0].effective_from.isoformat()
        raise CalculationError(
            parameter,
            f"no rate of {code!r} is known for {day.isoformat()}; its table starts on {first}.",
        )
    return in_force[-1]


def _anniversaries(start: dt.date, end: dt.date) -> list[dt.date]:
    """Return the anniversaries of ``start`` up to ``end``; a 29 February start falls on 28 February."""
    found = []
    years = 1
    while (anniversary := start + relativedelta(years=years)) <= end:
        found.append(anniversary)
        years += 1
    return found


@dataclass(frozen=True)
class _Span:
    start: dt.date
    end: dt.date
    rate: Decimal
    verified: bool


def _spans(start, end, rates, fixed: RatePoint | None, anniversaries, day_count) -> list[_Span]:
    """Split the days where the rate changes, on anniversaries, and on 1 January for actual/actual."""
    cuts = set(anniversaries)
    if fixed is None:
        cuts.update(_rate_changes(rates, start, end))
    if day_count == DayCount.ACT_ACT:
        cuts.update(dt.date(year, 1, 1) for year in range(start.year + 1, end.year + 1))

    bounds = [start, *sorted(cuts), end + dt.timedelta(days=1)]
    spans = []
    for span_start, next_start in zip(bounds, bounds[1:], strict=False):
        span_end = next_start - dt.timedelta(days=1)
        if fixed is not None:
            spans.append(_Span(span_start, span_end, fixed.rate, fixed.verified))
            continue
        used = _points_in_force(rates, span_start, span_end)
        spans.append(_Span(span_start, span_end, used[0].rate, all(point.verified for point in used)))
    return spans


def _rate_changes(rates: list[RatePoint], start: dt.date, end: dt.date) -> list[dt.date]:
    """Return the days in (start, end] on which the rate value differs from the day before."""
    changes = []
    previous = None
    for point in rates:
        if start < point.effective_from <= end and previous is not None and point.rate != previous.rate:
            changes.append(point.effective_from)
        previous = point
    return changes


def _points_in_force(rates: list[RatePoint], span_start: dt.date, span_end: dt.date) -> list[RatePoint]:
    """Return the rows that set the (single) rate of a span, so their verified flags can be combined."""
    first = [point for point in rates if point.effective_from <= span_start][-1]
    later = [point for point in rates if span_start < point.effective_from <= span_end]
    return [first, *later]


def _accrue(principal, start, end, spans, anniversaries, day_count, capitalisation) -> InterestResult:
    base = principal
    accrued = Decimal(0)
    total = ZERO
    periods = []
    capitalisations = []

    for span in spans:
        if span.start in anniversaries:
            year_interest = to_money(accrued)
            total += year_interest
            base += year_interest
            capitalisations.append(CapitalisationEvent(span.start, year_interest, base))
            accrued = Decimal(0)

        days, year_basis = _day_fraction(span.start, span.end, day_count)
        interest = base * span.rate * days / (100 * year_basis)
        accrued += interest
        periods.append(
            InterestPeriod(span.start, span.end, days, year_basis, base, span.rate, span.verified, interest)
        )

    total += to_money(accrued)
    return InterestResult(
        amount=to_money(total),
        principal=principal,
        start=start,
        end=end,
        day_count=day_count,
        capitalisation=capitalisation,
        periods=tuple(periods),
        capitalisations=tuple(capitalisations),
    )


def _day_fraction(start: dt.date, end: dt.date, day_count: str) -> tuple[int, int]:
    """Return (days, days in the year) of the span ``start`` to ``end``, both inclusive."""
    if day_count == DayCount.THIRTY_360:
        return days_30e_360(start, end + dt.timedelta(days=1)), 360
    days = (end - start).days + 1
    if day_count == DayCount.ACT_ACT:
        # Spans never cross 1 January under actual/actual, so one year decides.
        return days, 366 if calendar.isleap(start.year) else 365
    return days, 365


def days_30e_360(start: dt.date, end_exclusive: dt.date) -> int:
    """Count days under 30E/360 (ISDA 2006 section 4.16(g)): every month 30 days, the 31st counts as the 30th.

    The count is additive over adjacent spans, so splitting a period at a
    rate change leaves the total unchanged.
    """
    start_day = min(start.day, 30)
    end_day = min(end_exclusive.day, 30)
    return 360 * (end_exclusive.year - start.year) + 30 * (end_exclusive.month - start.month) + end_day - start_day
