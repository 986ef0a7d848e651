"""Generated invoice histories with known payment behaviour per debtor type.

Used by the back-test on 200,000 invoices, the benchmarks and the unit tests.
Each debtor has a type that fixes how many days after (or before) the due
date it pays, plus a few effects shared by all types: a dispute delays
payment, paying electronically (from a date on, per debtor) speeds it up, an
invoice far above the debtor's usual amount is paid later, and December is
slow. Debtors join over the whole period, so a share of them has no history
when the test period starts. Invoices not paid by the end of the history are
open (censored); their real payment day is returned apart.
"""

import datetime as dt
from dataclasses import dataclass

import numpy as np

from forecasting.history import DEBTOR_KINDS, OPEN, InvoiceHistory, day_number, debtor_key


@dataclass(frozen=True)
class DebtorType:
    """Payment behaviour: days after the due date ~ Normal(mean, spread), or late with ``late_share``."""

    name: str
    kind: str
    share: float
    mean_days_late: float
    spread_days: float
    late_share: float = 0.0
    late_extra_days: float = 0.0
    dispute_share: float = 0.08


DEBTOR_TYPES = (
    DebtorType("prompt company", "company", 0.30, -4.0, 3.0, dispute_share=0.05),
    DebtorType("regular company", "company", 0.30, 2.0, 4.0),
    DebtorType("late company", "company", 0.15, 14.0, 6.0, dispute_share=0.12),
    DebtorType("erratic company", "company", 0.10, 0.0, 3.0, late_share=0.4, late_extra_days=25.0),
    DebtorType("consumer", "consumer", 0.15, 6.0, 8.0, late_share=0.2, late_extra_days=20.0),
)
DISPUTE_DELAY_DAYS = 15.0
ELECTRONIC_SPEEDUP_DAYS = 4.0
LARGE_INVOICE_DELAY_DAYS = 3.0
DECEMBER_DELAY_DAYS = 3.0
PAYMENT_TERMS = (14, 30, 30, 30, 60)
COUNTRIES = ("NL", "BE", "DE", "FR", "GB")
# Reminders go out this many days after the due date while an invoice is unpaid (steps 1, 2, 3).
REMINDER_DAYS_AFTER_DUE = (7, 21, 35)


@dataclass
class GeneratedHistory:
    history: InvoiceHistory
    # Real payment day of every invoice, also of those the history shows open.
    true_settled: np.ndarray
    # Index into DEBTOR_TYPES of each debtor.
    debtor_type: np.ndarray


def generate_history(
    invoices: int,
    *,
    seed: int = 0,
    start: dt.date = dt.date(2021, 1, 1),
    years: float = 3.0,
    invoices_per_debtor: float = 40.0,
    secret: bytes = b"generated-history",
) -> GeneratedHistory:
    """Generate ``invoices`` invoices of about ``invoices / invoices_per_debtor`` debtors."""
    rng = np.random.default_rng(seed)
    span = int(365 * years)
    first_day = day_number(start)
    debtors = max(int(invoices / invoices_per_debtor), 1)

    debtor_type = rng.choice(len(DEBTOR_TYPES), size=debtors, p=[t.share for t in DEBTOR_TYPES])
    # A fifth of the debtors join in the last third of the period, so they have little or no history.
    joined = np.where(rng.random(debtors) < 0.2, rng.integers(int(span * 0.66), span, debtors),
                      rng.integers(0, int(span * 0.6), debtors))
    activity = rng.lognormal(0.0, 0.8, debtors) * (span - joined)
    debtor = rng.choice(debtors, size=invoices, p=activity / activity.sum())
    issue = first_day + joined[debtor] + (rng.random(invoices) * (span - joined[debtor])).astype(np.int64)
    order = np.argsort(issue, kind="stable")
    debtor, issue = debtor[order], issue[order]

    term = np.array(PAYMENT_TERMS)[rng.integers(0, len(PAYMENT_TERMS), debtors)][debtor]
    due = issue + term
    usual_amount = rng.lognormal(6.0, 1.0, debtors)
    amount = np.round(usual_amount[debtor] * rng.lognormal(0.0, 0.5, invoices), 2)
    paperless_from = first_day + rng.integers(0, span * 2, debtors)
    electronic = (issue >= paperless_from[debtor]).astype(np.float64)

    types = debtor_type[debtor]
    disputed = rng.random(invoices) < _by_type("dispute_share")[types]
    days_late = _days_late(rng, types, disputed, electronic, amount / usual_amount[debtor], issue)
    true_settled = np.maximum(due + np.round(days_late).astype(np.int64), issue)

    end = first_day + span
    settled = np.where(true_settled < end, true_settled, OPEN)
    reminder_invoice, reminder_day, reminder_step = _reminders(due, true_settled, end)
    kinds = np.array([DEBTOR_KINDS.index(t.kind) for t in DEBTOR_TYPES])[debtor_type]
    history = InvoiceHistory(
        debtor=debtor.astype(np.int64),
        issue=issue.astype(np.int64),
        due=due.astype(np.int64),
        settled=settled.astype(np.int64),
        amount=amount,
        disputed=disputed,
        disputed_on=np.where(disputed, issue, OPEN).astype(np.int64),
        electronic=electronic,
        debtor_keys=[debtor_key(secret, f"debtor-{index}") for index in range(debtors)],
        debtor_kind=kinds.astype(np.int64),
        debtor_country=[COUNTRIES[index] for index in rng.integers(0, len(COUNTRIES), debtors)],
        reminder_invoice=reminder_invoice,
        reminder_day=reminder_day,
        reminder_step=reminder_step,
    )
    return GeneratedHistory(history=history, true_settled=true_settled, debtor_type=debtor_type)


def _by_type(attribute: str) -> np.ndarray:
    return np.array([getattr(debtor_type, attribute) for debtor_type in DEBTOR_TYPES], dtype=np.float64)


def _days_late(rng, types, disputed, electronic, amount_ratio, issue) -> np.ndarray:
    count = len(types)
    mean = _by_type("mean_days_late")[types]
    spread = _by_type("spread_days")[types]
    late_share = _by_type("late_share")[types]
    late_extra = _by_type("late_extra_days")[types]
    days = mean + spread * rng.standard_normal(count)
    days += np.where(rng.random(count) < late_share, rng.exponential(1.0, count) * late_extra, 0.0)
    days += disputed * DISPUTE_DELAY_DAYS * rng.lognormal(0.0, 0.3, count)
    days -= electronic * ELECTRONIC_SPEEDUP_DAYS
    days += (amount_ratio > 2.0) * LARGE_INVOICE_DELAY_DAYS
    months = (issue - 719163).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12 + 1
    days += (months == 12) * DECEMBER_DELAY_DAYS
    return days


def _reminders(due: np.ndarray, settled: np.ndarray, end: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    invoices, days, steps = [], [], []
    for step, offset in enumerate(REMINDER_DAYS_AFTER_DUE, start=1):
        day = due + offset
        sent = (settled > day) & (day < end)
        invoices.append(np.flatnonzero(sent))
        days.append(day[sent])
        steps.append(np.full(int(sent.sum()), step))
    return (
        np.concatenate(invoices).astype(np.int64),
        np.concatenate(days).astype(np.int64),
        np.concatenate(steps).astype(np.int64),
    )
