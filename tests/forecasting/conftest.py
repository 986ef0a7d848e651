"""Fixtures of the forecasting tests: quick model settings and a model trained on a generated history."""

import datetime as dt

import pytest

from forecasting.history import day_date
from forecasting.model import ModelSettings
from forecasting.services import train_on_history
from forecasting.synthetic import generate_history

# Few boosting rounds: the tests check behaviour, not accuracy.
FAST = ModelSettings(bound_boosting=(40, 0.15, 8, 20), median_boosting=(40, 0.15, 8, 20))


@pytest.fixture(scope="session")
def fast_settings():
    return FAST


@pytest.fixture(scope="session")
def trained_outcome():
    """A model trained on 3,000 generated invoices of NL, BE, DE, FR and GB debtors."""
    generated = generate_history(3000, seed=5, start=dt.date(2023, 1, 1), years=2.5, invoices_per_debtor=25)
    today = day_date(int(generated.history.issue.max()))
    return train_on_history(generated.history, today=today, settings=FAST)
