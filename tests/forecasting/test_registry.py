"""The model registry: versions, hold-out metrics, promotion only when not worse."""

import dataclasses
import pickle

import pytest

from forecasting.model import PaymentForecaster
from forecasting.models import ModelStatus, PooledModel, TrainedModel
from forecasting.services import pooled_model_register, promotion_decision, trained_model_register
from payt.tenancy import tenant_context

METRIC_KEYS = ("mae_days", "coverage", "mean_width_days", "brier_on_time", "auc_on_time")


def with_metrics(outcome, **changes):
    return dataclasses.replace(outcome, metrics={**outcome.metrics, **changes})


def test_training_outcome_has_hold_out_metrics(trained_outcome):
    for key in METRIC_KEYS + ("coverage_disputed", "coverage_undisputed"):
        assert key in trained_outcome.metrics, key
    assert trained_outcome.window_start < trained_outcome.window_end
    assert trained_outcome.training_invoices == 3000


def test_registry_promotes_better_model(org_alfa, trained_outcome):
    first = trained_model_register(organization=org_alfa, outcome=trained_outcome)
    better = with_metrics(trained_outcome, mae_days=trained_outcome.metrics["mae_days"] - 1.0)

    second = trained_model_register(organization=org_alfa, outcome=better)

    with tenant_context(org_alfa):
        first.refresh_from_db()
    assert (first.version, first.status) == (1, ModelStatus.RETIRED)
    assert (second.version, second.status) == (2, ModelStatus.PROMOTED)
    assert second.decision == "not worse than the current model"
    assert second.feature_names == trained_outcome.model.feature_names
    assert isinstance(pickle.loads(bytes(second.artifact)), PaymentForecaster)


def test_registry_keeps_current_model_when_new_is_worse(org_alfa, trained_outcome):
    current = trained_model_register(organization=org_alfa, outcome=trained_outcome)
    worse = with_metrics(trained_outcome, mae_days=trained_outcome.metrics["mae_days"] + 2.0)

    rejected = trained_model_register(organization=org_alfa, outcome=worse)

    with tenant_context(org_alfa):
        current.refresh_from_db()
    assert current.status == ModelStatus.PROMOTED
    assert rejected.status == ModelStatus.REJECTED
    assert rejected.decision.startswith("worse than the current model: MAE")
    with tenant_context(org_alfa):
        assert TrainedModel.objects.filter(status=ModelStatus.PROMOTED).get() == current


def test_registry_is_per_organisation(org_alfa, org_bravo, trained_outcome):
    trained_model_register(organization=org_alfa, outcome=trained_outcome)

    with tenant_context(org_bravo):
        assert TrainedModel.objects.count() == 0
        assert TrainedModel.objects_unscoped.count() == 0  # row-level security hides Alfa's model
    bravo = trained_model_register(organization=org_bravo, outcome=trained_outcome)
    assert bravo.version == 1 and bravo.status == ModelStatus.PROMOTED


def test_pooled_registry_promotes_and_rejects(db, trained_outcome):
    first = pooled_model_register(outcome=trained_outcome, organizations=2)
    worse = pooled_model_register(outcome=with_metrics(trained_outcome, coverage=0.70), organizations=2)

    assert first.status == ModelStatus.PROMOTED
    assert worse.status == ModelStatus.REJECTED
    assert "coverage" in worse.decision
    assert PooledModel.objects.get(status=ModelStatus.PROMOTED) == first


@pytest.mark.parametrize(
    ("change", "promoted"),
    [
        ({}, True),
        ({"mae_days": 5.2}, True),  # within the 0.25-day tolerance
        ({"mae_days": 5.5}, False),
        ({"coverage": 0.915}, True),
        ({"coverage": 0.93}, False),
        ({"coverage": 0.85}, False),
        ({"brier_on_time": 0.12}, False),
        ({"auc_on_time": 0.85}, False),
        ({"auc_on_time": 0.95, "mae_days": 4.0}, True),
    ],
)
def test_promotion_decision(change, promoted):
    current = {"mae_days": 5.0, "coverage": 0.90, "brier_on_time": 0.10, "auc_on_time": 0.90}

    decision, reason = promotion_decision({**current, **change}, current)

    assert decision is promoted, reason


def test_first_model_is_promoted():
    assert promotion_decision({"mae_days": 9.0}, None) == (True, "first model")
