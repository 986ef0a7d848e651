"""The conformal model on small generated histories."""

import math

import numpy as np
import pytest

from forecasting.backtest import run_backtest
from forecasting.features import issue_table, training_table
from forecasting.model import PaymentForecaster, _group_labels, conformal_quantile
from forecasting.synthetic import generate_history
from tests.forecasting.conftest import FAST


@pytest.fixture(scope="module")
def generated():
    return generate_history(4000, seed=3, invoices_per_debtor=25)


def test_conformal_quantile_uses_the_finite_sample_rank():
    scores = np.arange(1, 11, dtype=float)
    assert conformal_quantile(scores, 0.9) == 10.0  # ceil(11 * 0.9) = 10th smallest
    assert conformal_quantile(scores, 0.5) == 6.0
    assert math.isinf(conformal_quantile(scores[:5], 0.9))


def test_forecast_intervals_hold_the_median(generated):
    history = generated.history
    cutoff = int(np.sort(history.issue)[3000])
    model = PaymentForecaster(FAST).fit(training_table(history, cutoff, countries=["NL", "BE", "DE", "FR", "GB"]))
    rows = np.flatnonzero(history.issue >= cutoff)
    predictions = model.predict(issue_table(history, rows, countries=["NL", "BE", "DE", "FR", "GB"]))
    assert np.all(predictions.lower <= predictions.median)
    assert np.all(predictions.median <= predictions.upper)
    assert np.all(predictions.lower >= 0)
    assert np.all((predictions.p_on_time >= 0) & (predictions.p_on_time <= 1))


def test_cold_start_interval_is_wider(generated):
    result = run_backtest(generated.history, true_settled=generated.true_settled, settings=FAST)
    assert result.cold_start["invoices"] > 20
    warm_width = [row["mean_width_days"] for row in result.by_history if row["paid_before"] == "21+"][0]
    assert result.cold_start["mean_width_days"] > warm_width
    assert 0.80 <= result.metrics.coverage <= 0.97
    assert result.censored_at_cutoff > 0


def test_censored_rows_weigh_in_through_their_age(generated):
    history = generated.history
    cutoff = int(np.sort(history.issue)[3000])
    table = training_table(history, cutoff, countries=["NL"])
    weights = PaymentForecaster()._weights(table)
    censored = np.isnan(table.remaining)
    assert censored.sum() > 0
    assert np.all(weights[censored] == 0)
    # Slow payments are seen less often before the cutoff, so they weigh more than quick ones.
    observed = ~censored & (table.age == 0)
    slow = observed & (table.remaining > 60)
    quick = observed & (table.remaining < 10)
    assert weights[slow].mean() > weights[quick].mean() >= 1.0


def test_predict_rejects_other_feature_columns(generated):
    history = generated.history
    cutoff = int(np.sort(history.issue)[3000])
    model = PaymentForecaster(FAST).fit(training_table(history, cutoff, countries=["NL"]))
    other = issue_table(history, np.arange(5), countries=["NL"], use_disputed=False)
    with pytest.raises(ValueError, match="feature columns differ"):
        model.predict(other)


def test_calibration_widens_each_group_by_its_own_scores():
    # 450 undisputed rows with scores 1..450 and 420 disputed rows with 1001..1420, at issue, deep history.
    scores = np.concatenate([np.arange(1, 451), np.arange(1001, 1421)]).astype(float)
    groups = np.array([(0, 0, 2)] * 450 + [(0, 1, 2)] * 420)
    model = PaymentForecaster()

    model._calibrate(scores, groups)

    assert model.widening["0/0/2"] == 406.0  # ceil(451 * 0.9) = 406th smallest
    assert model.widening["0/1/2"] == 1379.0  # ceil(421 * 0.9) = 379th smallest
    assert model._widening_for(np.array([(0, 0, 2), (0, 1, 2)])).tolist() == [406.0, 1379.0]


def test_small_group_falls_back_to_its_parent():
    # The 399 disputed rows without history are one short of a group of their own.
    scores = np.concatenate([np.arange(1, 451), np.full(399, 500.0)])
    groups = np.array([(0, 0, 2)] * 450 + [(0, 1, 0)] * 399)
    model = PaymentForecaster()

    model._calibrate(scores, groups)

    assert "0/1/0" not in model.widening
    assert model.calibration_rows["0/1/0"] == 399
    assert model._widening_for(np.array([(0, 1, 0)])).tolist() == [model.widening["0/*/*"]]
    assert model._widening_for(np.array([(1, 1, 1)])).tolist() == [model.widening["*/*/*"]]


def test_history_depth_groups_none_few_and_more():
    history = generate_history(1500, seed=2, invoices_per_debtor=10).history
    table = issue_table(history, np.arange(len(history)), countries=["NL"])

    depth = _group_labels(table, use_disputed=True)[:, 2]

    paid_count = table.column("paid_count")
    assert np.all(depth[paid_count == 0] == 0)
    assert np.all(depth[(paid_count >= 1) & (paid_count <= 2)] == 1)
    assert np.all(depth[paid_count >= 3] == 2)
    assert set(depth.tolist()) == {0, 1, 2}
