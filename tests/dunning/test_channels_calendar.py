"""Working days for the assumed delivery of posted letters (dunning.calendar)."""

import datetime as dt

import pytest

from dunning.calendar import add_business_days, is_business_day, next_business_day

D = dt.date


@pytest.mark.parametrize(
    ("start", "days", "country", "expected"),
    [
        # Thursday 24 December 2026: Christmas Friday, Boxing Day Saturday, Sunday skipped.
        (D(2026, 12, 24), 2, "NL", D(2026, 12, 29)),
        # Friday to Tuesday across a plain weekend.
        (D(2026, 11, 13), 2, "NL", D(2026, 11, 17)),
        # Posted on a Saturday: Monday is the first working day after it.
        (D(2026, 11, 14), 1, "NL", D(2026, 11, 16)),
        # King's Day, Monday 27 April 2026, is a holiday in NL but not in FR.
        (D(2026, 4, 24), 1, "NL", D(2026, 4, 28)),
        (D(2026, 4, 24), 1, "FR", D(2026, 4, 27)),
        # Whit Monday 2026 (25 May) is a holiday in NL and BE.
        (D(2026, 5, 22), 2, "BE", D(2026, 5, 27)),
        # Across the year end: New Year's Day 2027 is a Friday.
        (D(2026, 12, 31), 1, "NL", D(2027, 1, 4)),
        (D(2026, 12, 24), 0, "NL", D(2026, 12, 24)),
        (D(2026, 12, 29), -2, "NL", D(2026, 12, 24)),
        (D(2026, 12, 24), 2, "nl", D(2026, 12, 29)),
    ],
)
def test_add_business_days(start, days, country, expected):
    assert add_business_days(start, days, country) == expected


def test_business_days_and_next_business_day():
    assert is_business_day(D(2026, 12, 24), "NL") is True
    assert is_business_day(D(2026, 12, 25), "NL") is False
    assert is_business_day(D(2026, 12, 26), "NL") is False
    assert next_business_day(D(2026, 12, 25), "NL") == D(2026, 12, 28)
    assert next_business_day(D(2026, 12, 24), "NL") == D(2026, 12, 24)


def test_unknown_country_is_named():
    with pytest.raises(ValueError, match="Country 'XX' has no public-holiday calendar"):
        add_business_days(D(2026, 12, 24), 2, "XX")
