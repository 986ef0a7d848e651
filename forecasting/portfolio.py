"""Portfolio forecasts from per-invoice forecasts: on-time share and weekly cash in, with bands.

Both treat invoices as independent, so the bands describe the chance in the
payments given the forecasts. They leave out a shock that hits all debtors at
once (a crisis, a bank holiday week), which would widen them.
"""

import math

import numpy as np

# Two-sided 90%: the 5th and 95th percentiles of the standard normal distribution.
Z_90 = 1.6448536269514722
# Share of the payments expected after the upper bound of a 90% interval; spread over one
# more median-to-upper distance there.
UPPER_TAIL = 0.05


def on_time_share(known: np.ndarray, probabilities: np.ndarray) -> tuple[float, float, float]:
    """Return (expected share, lower, upper) of invoices paid by their due date, 90% band.

    ``known`` contains 1 or 0 for invoices whose outcome is settled (paid, or
    past due unpaid); ``probabilities`` the forecast chance for the others.
    The count of on-time invoices among the others is a sum of independent
    Bernoulli draws; the band is its normal approximation, cut at what is
    possible.
    """
    count = len(known) + len(probabilities)
    if count == 0:
        return math.nan, math.nan, math.nan
    settled = float(np.sum(known))
    expected = settled + float(np.sum(probabilities))
    spread = Z_90 * math.sqrt(float(np.sum(probabilities * (1 - probabilities))))
    lower = max(expected - spread, settled)
    upper = min(expected + spread, settled + len(probabilities))
    return expected / count, lower / count, upper / count


def payment_cdf(days: np.ndarray, lower: np.ndarray, median: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Return the chance that each invoice is paid by ``days`` (days from today, per invoice or shared).

    The distribution is piecewise linear through 5% at ``lower``, 50% at
    ``median`` and 95% at ``upper`` (all days from today), with the first 5%
    spread over the days before ``lower`` back to today and the last 5% over
    one more median-to-upper distance after ``upper``.
    """
    start = np.zeros_like(lower)
    end = upper + np.maximum(upper - median, 1.0)
    points_x = [start, lower, median, upper, end]
    points_y = [0.0, 0.05, 0.5, 1 - UPPER_TAIL, 1.0]
    result = np.zeros(np.broadcast(days, lower).shape)
    for index in range(len(points_x) - 1):
        x0, x1 = points_x[index], points_x[index + 1]
        y0, y1 = points_y[index], points_y[index + 1]
        width = np.maximum(x1 - x0, 1e-9)
        inside = (days > x0) & (days <= x1)
        result = np.where(inside, y0 + (y1 - y0) * (days - x0) / width, result)
    return np.where(days > end, 1.0, result)


def weekly_cash_in(
    amounts: np.ndarray, lower: np.ndarray, median: np.ndarray, upper: np.ndarray, weeks: int
) -> list[tuple[float, float, float]]:
    """Return (expected, lower, upper) cash in for each of the next ``weeks`` weeks, 90% band.

    Days are counted from today; week 0 is days 0 to 6. An invoice whose
    payment is forecast before today (an interval already passed) counts in
    week 0 as far as its distribution allows.
    """
    amounts = np.asarray(amounts, dtype=np.float64)
    rows = []
    previous = payment_cdf(np.zeros_like(lower) - 1.0, lower, median, upper)
    for week in range(weeks):
        current = payment_cdf(np.full_like(lower, 7.0 * week + 6.0), lower, median, upper)
        chance = np.clip(current - previous, 0.0, 1.0)
        expected = float(np.sum(amounts * chance))
        spread = Z_90 * math.sqrt(float(np.sum(amounts**2 * chance * (1 - chance))))
        rows.append((expected, max(expected - spread, 0.0), expected + spread))
        previous = current
    return rows
