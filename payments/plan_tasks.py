"""Celery tasks of payment plans; each takes ids, sets the tenant context and calls a service.

The daily check runs per organisation at its local morning, like the
dunning run, and is safe to deliver twice: reminders and break notices
have unique keys, and a plan is broken by a conditional UPDATE.
"""

import datetime as dt
import logging
import smtplib
from functools import partial

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dunning.selectors import organizations_due_for_run
from payments.plan_notices import plan_notice_send, plan_notices_requeue_stale
from payments.plan_progress import plans_daily_run
from payt.models import Organization
from payt.tenancy import tenant_context

logger = logging.getLogger(__name__)

# The hard limit stays below plan_notices.CLAIM_TIMEOUT (15 minutes).
SEND_SOFT_TIME_LIMIT = 120
SEND_TIME_LIMIT = 180


def plan_notices_send_on_commit(organization_id, notice_ids) -> None:
    """Enqueue a send for each notice once the current transaction commits (at once outside one)."""
    for notice_id in notice_ids:
        transaction.on_commit(partial(send_plan_notice.delay, str(organization_id), str(notice_id)))


def _organization(organization_id) -> Organization | None:
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        logger.warning("Organization %s no longer exists; task skipped", organization_id)
    return organization


@shared_task
def run_payment_plans_for_all_organizations(now: str | None = None) -> int:
    """Start the plan check of each organisation whose local morning has begun; return how many.

    Beat calls this hourly. ``now`` (ISO 8601 with offset) replaces the
    current time, for tests and replays.
    """
    moment = dt.datetime.fromisoformat(now) if now else timezone.now()
    due = organizations_due_for_run(moment, settings.DUNNING_LOCAL_START_HOUR)
    for organization, run_date in due:
        run_payment_plans_for_organization.delay(str(organization.pk), run_date.isoformat())
    logger.info("Payment plan checks started for %d organizations at %s", len(due), moment.isoformat())
    return len(due)


@shared_task
def run_payment_plans_for_organization(organization_id: str, run_date: str) -> int:
    """Check one organisation's running plans on ``run_date``, then send its queued plan e-mails.

    Returns the number of e-mails enqueued, including ones left queued by
    earlier runs and released from a stopped sender.
    """
    organization = _organization(organization_id)
    if organization is None:
        return 0

    with tenant_context(organization):
        plans_daily_run(organization=organization, run_date=dt.date.fromisoformat(run_date))
        notice_ids = plan_notices_requeue_stale(organization=organization)
    for notice_id in notice_ids:
        send_plan_notice.delay(str(organization.pk), str(notice_id))
    return len(notice_ids)


@shared_task(
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=SEND_SOFT_TIME_LIMIT,
    time_limit=SEND_TIME_LIMIT,
)
def send_plan_notice(organization_id: str, notice_id: str) -> str | None:
    """Send one queued plan e-mail; return its new status, or None if it was not queued."""
    organization = _organization(organization_id)
    if organization is None:
        return None
    with tenant_context(organization):
        return plan_notice_send(notice_id=notice_id)
