"""Beat schedule and tasks: scoring nightly and training monthly, per organisation, once per period.

A real worker on the Redis broker named by REDIS_URL runs in a thread of the
test process, so these tests commit for real (transactional database).
"""

import datetime as dt
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from forecasting.models import ForecastRun, InvoiceForecast, PooledRun, RunKind, RunStatus
from forecasting.services import pooled_model_register
from forecasting.tasks import (
    score_all_organizations,
    score_organization,
    train_all_organizations,
    train_organization,
)
from payt.celery import app
from payt.tenancy import tenant_context

QUEUES = ["forecasting"]
WAIT_SECONDS = 120
# 06:30 in Amsterdam (UTC+2 in summer): past the forecast start hour of 05:00.
MORNING = "2025-10-15T04:30:00+00:00"
# 03:30 in Amsterdam: before it.
NIGHT = "2025-10-15T01:30:00+00:00"


@pytest.fixture
def celery_worker():
    with app.connection_for_write() as connection:
        for queue in QUEUES:
            connection.default_channel.queue_purge(queue)
    with start_worker(app, pool="solo", perform_ping_check=False, queues=QUEUES, shutdown_timeout=60) as worker:
        yield worker


def wait_for_runs(organization, kind: str, count: int) -> list[ForecastRun]:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        with tenant_context(organization):
            runs = list(ForecastRun.objects.filter(kind=kind).exclude(status=RunStatus.RUNNING))
        if len(runs) >= count:
            return runs
        time.sleep(0.2)
    raise AssertionError(f"{kind} runs of {organization.slug} did not finish within {WAIT_SECONDS} s")


def test_beat_schedules_both_dispatchers_hourly():
    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["forecasting.tasks.score_all_organizations"] == 3600.0
    assert schedule["forecasting.tasks.train_all_organizations"] == 3600.0
    assert settings.CELERY_TASK_ROUTES["forecasting.tasks.*"] == {"queue": "forecasting"}


@pytest.mark.django_db(transaction=True)
def test_nightly_scoring_runs_once_per_organisation_and_day(
    celery_worker, org_alfa, org_bravo, make_invoice, trained_outcome
):
    pooled_model_register(outcome=trained_outcome, organizations=2)
    make_invoice(org_alfa, number="A-1", total="100.00", issue_date=dt.date(2025, 10, 1), country="NL")
    make_invoice(org_bravo, number="B-1", total="100.00", issue_date=dt.date(2025, 10, 1), country="NL")

    assert score_all_organizations(NIGHT) == 0
    # Beat triggers twice before the first runs have finished.
    assert score_all_organizations(MORNING) == 2
    score_all_organizations(MORNING)

    for organization in (org_alfa, org_bravo):
        runs = wait_for_runs(organization, RunKind.SCORE, 1)
        assert [(run.period, run.status) for run in runs] == [("2025-10-15", RunStatus.DONE)]
        with tenant_context(organization):
            assert InvoiceForecast.objects.count() == 1
    # Once done, a later trigger the same day enqueues nothing and a redelivered task does nothing.
    assert score_all_organizations(MORNING) == 0
    assert score_organization(str(org_alfa.pk), "2025-10-15") == "skipped"
    assert score_all_organizations("2025-10-16T04:30:00+00:00") == 2


@pytest.mark.django_db(transaction=True)
def test_monthly_training_runs_once_per_organisation_and_month(celery_worker, org_alfa, org_bravo, make_invoice):
    make_invoice(org_alfa, number="A-1", total="100.00", issue_date=dt.date(2025, 10, 1), country="NL")

    assert train_all_organizations(NIGHT) == 0
    assert train_all_organizations(MORNING) == 2
    train_all_organizations(MORNING)

    for organization in (org_alfa, org_bravo):
        runs = wait_for_runs(organization, RunKind.TRAIN, 1)
        assert [(run.period, run.status) for run in runs] == [("2025-10", RunStatus.DONE)]
        assert runs[0].detail.startswith("pooled model kept:")
    deadline = time.monotonic() + WAIT_SECONDS
    while PooledRun.objects.filter(status=RunStatus.RUNNING).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert list(PooledRun.objects.values_list("period", "status")) == [("2025-10", RunStatus.DONE)]
    assert train_all_organizations("2025-10-28T04:30:00+00:00") == 0
    assert train_organization(str(org_alfa.pk), "2025-10", "2025-10-28") == "skipped"
    assert train_all_organizations("2025-11-01T05:30:00+00:00") == 2
