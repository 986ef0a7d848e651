"""Working days: Monday to Friday, less the public holidays of a country (``holidays`` package)."""

import datetime as dt
import functools

import holidays

SATURDAY = 5


@functools.lru_cache(maxsize=256)
def _public_holidays(country: str, year: int) -> frozenset[dt.date]:
    try:
        calendar = holidays.country_holidays(country, years=year)
    except NotImplementedError:
        raise ValueError(
            f"Country {country!r} has no public-holiday calendar; use an ISO 3166 alpha-2 code such as NL or BE."
        ) from None
    return frozenset(calendar)


def is_business_day(day: dt.date, country: str) -> bool:
    """Tell whether ``day`` is a working day: not a weekend day and not a public holiday in ``country``."""
    return day.weekday() < SATURDAY and day not in _public_holidays(country.upper(), day.year)


def next_business_day(day: dt.date, country: str) -> dt.date:
    """Return ``day`` itself when it is a working day, otherwise the first working day after it."""
    while not is_business_day(day, country):
        day += dt.timedelta(days=1)
    return day


def add_business_days(start: dt.date, days: int, country: str) -> dt.date:
    """Return the date ``days`` working days after ``start`` (before it when ``days`` is negative).

    ``start`` itself never counts, so a letter posted on Thursday 24 December
    2026 with two delivery days arrives on Tuesday 29 December in NL:
    Christmas, Boxing Day and the weekend are skipped. With ``days`` 0 it
    returns ``start``, working day or not.
    """
    step = dt.timedelta(days=1 if days >= 0 else -1)
    day = start
    remaining = abs(days)
    while remaining:
        day += step
        if is_business_day(day, country):
            remaining -= 1
    return day
