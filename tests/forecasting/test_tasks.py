"""Beat schedule and tasks: scoring nightly and training monthly, per organisation, once per period.

A real worker on the Redis broker named by REDIS_URL runs in a thread of the
test process, so these tests commit for real (transactional database).
"""

import datetime as dt
import logging
import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection
from django.utils import timezone

from forecasting.models import ForecastRun, InvoiceForecast, PooledRun, RunKind, RunStatus
from forecasting.services import RUN_LOST_DETAIL, forecast_run_claim, pooled_model_register
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


def start_run_minutes_ago(organization, kind: str, period: str, minutes: int) -> ForecastRun:
    """Leave a run marked running, as a worker killed mid-run does, started ``minutes`` ago."""
    with tenant_context(organization):
        run = ForecastRun.objects.create(organization=organization, kind=kind, period=period)
        ForecastRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - dt.timedelta(minutes=minutes))
        run.refresh_from_db()
    return run


@pytest.mark.django_db(transaction=True)
def test_stale_running_run_is_taken_over(celery_worker, org_alfa):
    lease = settings.FORECAST_RUN_LEASE_MINUTES
    lost = start_run_minutes_ago(org_alfa, RunKind.TRAIN, "2025-10", lease + 1)
    PooledRun.objects.create(period="2025-10")
    PooledRun.objects.update(started_at=timezone.now() - dt.timedelta(minutes=lease + 1))

    # The hourly trigger enqueues the lost runs again, and the worker completes them.
    assert train_all_organizations(MORNING) == 1

    runs = wait_for_runs(org_alfa, RunKind.TRAIN, 1)
    assert [(run.pk, run.status) for run in runs] == [(lost.pk, RunStatus.DONE)]
    assert runs[0].detail.startswith("pooled model kept:")
    assert runs[0].started_at > lost.started_at
    deadline = time.monotonic() + WAIT_SECONDS
    while PooledRun.objects.filter(status=RunStatus.RUNNING).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert list(PooledRun.objects.values_list("period", "status")) == [("2025-10", RunStatus.DONE)]
    assert train_all_organizations(MORNING) == 0


@pytest.mark.django_db(transaction=True)
def test_redelivered_task_takes_over_stale_run(org_alfa, caplog):
    lost = start_run_minutes_ago(org_alfa, RunKind.TRAIN, "2025-10", settings.FORECAST_RUN_LEASE_MINUTES + 1)

    with caplog.at_level(logging.WARNING, logger="forecasting.services"):
        assert train_organization(str(org_alfa.pk), "2025-10", "2025-10-15") == "done"

    taken_over = [record.getMessage() for record in caplog.records if RUN_LOST_DETAIL in record.getMessage()]
    assert len(taken_over) == 1
    assert f"run {lost.pk} started at" in taken_over[0]

    with tenant_context(org_alfa):
        run = ForecastRun.objects.get()
    assert run.pk == lost.pk
    assert run.status == RunStatus.DONE
    assert run.finished_at is not None


@pytest.mark.django_db(transaction=True)
def test_fresh_running_run_is_skipped(org_alfa):
    start_run_minutes_ago(org_alfa, RunKind.TRAIN, "2025-10", settings.FORECAST_RUN_LEASE_MINUTES - 1)
    PooledRun.objects.create(period="2025-10")

    assert train_all_organizations(MORNING) == 0
    assert train_organization(str(org_alfa.pk), "2025-10", "2025-10-15") == "skipped"

    with tenant_context(org_alfa):
        assert list(ForecastRun.objects.values_list("status", flat=True)) == [RunStatus.RUNNING]


@pytest.mark.django_db(transaction=True)
def test_concurrent_takeovers_claim_once(org_alfa):
    lost = start_run_minutes_ago(org_alfa, RunKind.SCORE, "2025-10-15", settings.FORECAST_RUN_LEASE_MINUTES + 1)
    takers = 4
    barrier = threading.Barrier(takers)
    claims = []

    def take_over():
        try:
            barrier.wait()
            claims.append(forecast_run_claim(organization=org_alfa, kind=RunKind.SCORE, period="2025-10-15"))
        finally:
            connection.close()

    threads = [threading.Thread(target=take_over) for _ in range(takers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    won = [claim for claim in claims if claim is not None]
    assert len(claims) == takers
    assert [claim.pk for claim in won] == [lost.pk]
    with tenant_context(org_alfa):
        run = ForecastRun.objects.get()
    assert run.status == RunStatus.RUNNING
    assert run.started_at > lost.started_at
