"""Celery tasks of forecasting, on the ``forecasting`` queue (payt.settings.CELERY_TASK_ROUTES).

Beat calls the two dispatchers hourly. Each organisation is scored once per
local day and trained once per local month, from FORECAST_LOCAL_START_HOUR
on. A ``ForecastRun`` row per organisation, kind and period, under a unique
constraint, makes a repeated or redelivered task do nothing. A run still
marked running after FORECAST_RUN_LEASE_MINUTES lost its worker, so the next
trigger or redelivery marks it failed and runs it again.
"""

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from forecasting.models import ForecastRun, PooledRun, RunKind, RunStatus
from forecasting.services import (
    NotEnoughHistory,
    forecast_run_claim,
    forecast_run_finish,
    forecast_score,
    forecast_train,
    forecast_train_pooled,
    pooled_run_claim,
    run_lease_cutoff,
)
from payt.dates import local_now
from payt.models import Organization
from payt.tenancy import tenant_context

logger = logging.getLogger(__name__)


def _moment(now: str | None) -> dt.datetime:
    return dt.datetime.fromisoformat(now) if now else timezone.now()


def organizations_in_morning(moment: dt.datetime) -> list[tuple[Organization, dt.date]]:
    """Return (organisation, local date) for each organisation past its local start hour."""
    due = []
    for organization in Organization.objects.order_by("slug"):
        local = local_now(organization, moment)
        if local.hour >= settings.FORECAST_LOCAL_START_HOUR:
            due.append((organization, local.date()))
    return due


def _live_runs(runs: QuerySet) -> QuerySet:
    """Return the runs that block a new one: finished, or running within FORECAST_RUN_LEASE_MINUTES."""
    return runs.exclude(status=RunStatus.FAILED).exclude(status=RunStatus.RUNNING, started_at__lt=run_lease_cutoff())


def _has_run(organization: Organization, kind: str, period: str) -> bool:
    with tenant_context(organization):
        return _live_runs(ForecastRun.objects.filter(kind=kind, period=period)).exists()


@shared_task
def score_all_organizations(now: str | None = None) -> int:
    """Enqueue the scoring of each organisation whose local morning has begun and that has no run today."""
    count = 0
    for organization, local_date in organizations_in_morning(_moment(now)):
        if not _has_run(organization, RunKind.SCORE, local_date.isoformat()):
            score_organization.delay(str(organization.pk), local_date.isoformat())
            count += 1
    logger.info("Forecast scoring enqueued for %d organizations", count)
    return count


@shared_task
def train_all_organizations(now: str | None = None) -> int:
    """Enqueue this month's pooled training and the training of each organisation without one this month."""
    count = 0
    months = set()
    for organization, local_date in organizations_in_morning(_moment(now)):
        month = local_date.strftime("%Y-%m")
        months.add(month)
        if not _has_run(organization, RunKind.TRAIN, month):
            train_organization.delay(str(organization.pk), month, local_date.isoformat())
            count += 1
    for month in sorted(months):
        if not _live_runs(PooledRun.objects.filter(period=month)).exists():
            train_pooled.delay(month, _moment(now).date().isoformat())
    logger.info("Forecast training enqueued for %d organizations", count)
    return count


@shared_task
def score_organization(organization_id: str, run_date: str) -> str:
    """Score the organisation's open invoices for ``run_date`` unless that day's run is claimed already."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        logger.warning("Organization %s no longer exists; scoring skipped", organization_id)
        return "missing"
    run = forecast_run_claim(organization=organization, kind=RunKind.SCORE, period=run_date)
    if run is None:
        return "skipped"
    try:
        count = forecast_score(organization=organization, run_date=dt.date.fromisoformat(run_date))
    except Exception as error:
        logger.exception("Scoring of organization %s for %s failed", organization_id, run_date)
        with tenant_context(organization):
            forecast_run_finish(run=run, status=RunStatus.FAILED, detail=repr(error))
        raise
    with tenant_context(organization):
        forecast_run_finish(run=run, status=RunStatus.DONE, detail=f"{count} invoices scored")
    return "done"


@shared_task
def train_organization(organization_id: str, month: str, today: str) -> str:
    """Train the organisation's model for ``month`` unless that month's run is claimed already."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        logger.warning("Organization %s no longer exists; training skipped", organization_id)
        return "missing"
    run = forecast_run_claim(organization=organization, kind=RunKind.TRAIN, period=month)
    if run is None:
        return "skipped"
    try:
        registered = forecast_train(organization=organization, today=dt.date.fromisoformat(today))
        status, detail = RunStatus.DONE, f"{registered}: {registered.decision}"
    except NotEnoughHistory as error:
        # Not a failure: the organisation is scored with the pooled model until it has enough history.
        status, detail = RunStatus.DONE, f"pooled model kept: {error}"
    except Exception as error:
        logger.exception("Training of organization %s for %s failed", organization_id, month)
        with tenant_context(organization):
            forecast_run_finish(run=run, status=RunStatus.FAILED, detail=repr(error))
        raise
    with tenant_context(organization):
        forecast_run_finish(run=run, status=status, detail=detail)
    return "done"


@shared_task
def train_pooled(month: str, today: str) -> str:
    """Train the pooled model for ``month`` unless that month's run is claimed already."""
    run = pooled_run_claim(period=month)
    if run is None:
        return "skipped"
    try:
        registered = forecast_train_pooled(today=dt.date.fromisoformat(today))
        status, detail = RunStatus.DONE, f"{registered}: {registered.decision}"
    except NotEnoughHistory as error:
        status, detail = RunStatus.DONE, f"no pooled model: {error}"
    except Exception as error:
        logger.exception("Pooled training for %s failed", month)
        forecast_run_finish(run=run, status=RunStatus.FAILED, detail=repr(error))
        raise
    forecast_run_finish(run=run, status=status, detail=detail)
    return "done"
