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
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

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


_DAY_COUNTS = frozenset(DayCount.values)
# Plain strings, because reading an enum member from its class costs a descriptor call per comparison.
_ACT_ACT = DayCount.ACT_ACT.value
_THIRTY_360 = DayCount.THIRTY_360.value
_YEARLY = CapitalisationRule.YEARLY.value
_DUE_DATE = RateFixing.DUE_DATE.value
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class RatePoint:
    """A rate in percent per year, in force from ``effective_from`` until the next point."""

    effective_from: dt.date
    rate: Decimal
    verified: bool = True


@dataclass(frozen=True)
class InterestSchedule:
    """A regime's rate table and conventions, as ``dunning.rate_selectors`` loads them.

    The rates are sorted by date once here, so a schedule loaded once serves
    many calculations.
    """

    code: str
    rates: tuple[RatePoint, ...]
    day_count: str = DayCount.ACT_365
    capitalisation: str = CapitalisationRule.SIMPLE
    rate_fixing: str = RateFixing.RUNNING
    effective_dates: tuple[dt.date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        rates = tuple(sorted(self.rates, key=lambda point: point.effective_from))
        object.__setattr__(self, "rates", rates)
        object.__setattr__(self, "effective_dates", tuple(point.effective_from for point in rates))


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
    _check_rates(schedule)

    fixed = None
    if schedule.rate_fixing == _DUE_DATE:
        fixed = _rate_point_at(schedule, due_date or start - ONE_DAY, "start")
    else:
        _rate_point_at(schedule, start, "start")

    anniversaries = _anniversaries(start, end) if schedule.capitalisation == _YEARLY else []
    spans = _spans(start, end, schedule, fixed, anniversaries, day_count)
    with decimal.localcontext(prec=_PRECISION):
        return _accrue(principal, start, end, spans, set(anniversaries), day_count, schedule.capitalisation)


def _as_schedule(schedule) -> InterestSchedule:
    if isinstance(schedule, InterestSchedule):
        return schedule
    return InterestSchedule(code="custom", rates=tuple(schedule))


def _check_day_count(day_count: str) -> str:
    if day_count not in _DAY_COUNTS:
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


def _check_rates(schedule: InterestSchedule) -> None:
    if not schedule.rates:
        raise CalculationError("rates", f"the rate table {schedule.code!r} is empty; add a rate first.")


def _rate_point_at(schedule: InterestSchedule, day: dt.date, parameter: str) -> RatePoint:
    index = bisect_right(schedule.effective_dates, day) - 1
    if index < 0:
        first = schedule.effective_dates[0].isoformat()
        raise CalculationError(
            parameter,
            f"no rate of {schedule.code!r} is known for {day.isoformat()}; its table starts on {first}.",
        )
    return schedule.rates[index]


def _anniversaries(start: dt.date, end: dt.date) -> list[dt.date]:
    """Return the anniversaries of ``start`` up to ``end``; a 29 February start falls on 28 February."""
    found = []
    for year in range(start.year + 1, end.year + 1):
        anniversary = _same_day_in(start, year)
        if anniversary <= end:
            found.append(anniversary)
    return found


def _same_day_in(day: dt.date, year: int) -> dt.date:
    # 29 February has no match in a common year, and relativedelta(years=n) also gives the 28th.
    if day.month == 2 and day.day == 29 and not calendar.isleap(year):
        return dt.date(year, 2, 28)
    return day.replace(year=year)


@dataclass(frozen=True)
class _Span:
    start: dt.date
    end: dt.date
    rate: Decimal
    verified: bool


def _spans(start, end, schedule: InterestSchedule, fixed: RatePoint | None, anniversaries, day_count) -> list[_Span]:
    """Split the days where the rate changes, on anniversaries, and on 1 January for actual/actual."""
    cuts = set(anniversaries)
    if fixed is None:
        cuts.update(_rate_changes(schedule, start, end))
    if day_count == _ACT_ACT:
        cuts.update(dt.date(year, 1, 1) for year in range(start.year + 1, end.year + 1))

    bounds = [start, *sorted(cuts), end + ONE_DAY]
    spans = []
    for span_start, next_start in zip(bounds, bounds[1:], strict=False):
        span_end = next_start - ONE_DAY
        if fixed is not None:
            spans.append(_Span(span_start, span_end, fixed.rate, fixed.verified))
            continue
        used = _points_in_force(schedule, span_start, span_end)
        spans.append(_Span(span_start, span_end, used[0].rate, all(point.verified for point in used)))
    return spans


def _rate_changes(schedule: InterestSchedule, start: dt.date, end: dt.date) -> list[dt.date]:
    """Return the days in (start, end] on which the rate value differs from the day before."""
    rates = schedule.rates
    first = max(bisect_right(schedule.effective_dates, start), 1)
    after_end = bisect_right(schedule.effective_dates, end)
    changed = (index for index in range(first, after_end) if rates[index].rate != rates[index - 1].rate)
    return [rates[index].effective_from for index in changed]


def _points_in_force(schedule: InterestSchedule, span_start: dt.date, span_end: dt.date) -> Sequence[RatePoint]:
    """Return the rows that set the (single) rate of a span, so their verified flags can be combined."""
    first = bisect_right(schedule.effective_dates, span_start) - 1
    after_end = bisect_right(schedule.effective_dates, span_end)
    return schedule.rates[first:after_end]




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
    if day_count == _THIRTY_360:
        return days_30e_360(start, end + ONE_DAY), 360
    days = (end - start).days + 1
    if day_count == _ACT_ACT:
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
