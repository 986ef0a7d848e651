"""Forecasting at scale: train on 1,000,000 generated paid invoices, score 1,000,000 open ones.

The history is generated (forecasting.synthetic), not loaded into PostgreSQL:
the figures are those of the feature builder and the models, the part that
grows with the history. Peak memory is the peak of the allocations that
tracemalloc traces during the step (numpy arrays and Python objects).
"""

import time
import tracemalloc

import numpy as np
import pytest
from django.db import connection

from forecasting.features import scoring_table, training_table
from forecasting.history import OPEN
from forecasting.model import PaymentForecaster
from forecasting.synthetic import generate_history
from tests.bench.conftest import machine_description

pytestmark = [pytest.mark.bench]

PAID = 1_000_000
OPEN_INVOICES = 1_000_000
SECTION = "Forecasting: 1,000,000 paid invoices to train on, 1,000,000 open ones to score"


def _measured(function):
    tracemalloc.start()
    started = time.perf_counter()
    value = function()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return value, seconds, f"{peak / 2**30:.2f} GiB traced"


def test_forecasting_at_scale(bench_results, db):
    if not bench_results.machine:
        bench_results.machine = machine_description(connection)
    generated, seconds, _ = _measured(
        lambda: generate_history(PAID + OPEN_INVOICES, seed=7, years=4.0, invoices_per_debtor=40)
    )
    history = generated.history
    debtors = len(history.debtor_keys)
    bench_results.add(SECTION, "generate the history", f"{PAID + OPEN_INVOICES:,} invoices, {debtors:,} debtors",
                      f"{seconds:.1f} s")

    # The first million (by issue date) are paid; the rest are open.
    first_open = PAID
    history.settled = np.where(np.arange(len(history)) < first_open, generated.true_settled, OPEN)
    paid = history.subset(np.arange(len(history)) < first_open)
    cutoff = int(paid.settled.max()) + 1
    countries = sorted(set(history.debtor_country))

    table, seconds, memory = _measured(lambda: training_table(paid, cutoff, countries=countries))
    bench_results.add(SECTION, "build training features", f"{len(table):,} rows", f"{seconds:.1f} s", memory)
    assert np.isnan(table.remaining).sum() == 0  # every training invoice is paid

    def fit():
        model = PaymentForecaster()
        model.countries = countries
        return model.fit(table)

    model, seconds, memory = _measured(fit)
    bench_results.add(SECTION, "train (3 calibration blocks, final models, on-time classifier)",
                      f"{len(table):,} rows, at most {model.settings.max_fit_rows:,} per fit",
                      f"{seconds:.1f} s", memory)

    as_of = int(history.issue.max()) + 1

    def score():
        rows = scoring_table(history, as_of, countries=countries)
        return rows, model.predict(rows)

    (rows, predictions), seconds, memory = _measured(score)
    bench_results.add(SECTION, "score open invoices (features and prediction)", f"{len(rows):,} invoices",
                      f"{seconds:.1f} s", memory)
    assert len(rows) == OPEN_INVOICES
    assert np.all(predictions.lower <= predictions.upper)
