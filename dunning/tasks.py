"""Celery tasks of the dunning engine; each takes ids, sets the tenant context and calls a service.

Routing (payt.settings.CELERY_TASK_ROUTES): planning tasks go to the
``dunning`` queue, ``send_message`` to ``mail``. Every task is safe to
deliver twice: planning creates nothing new on a repeat, and a message is
claimed before it is sent.
"""

import datetime as dt
import logging
import smtplib
from functools import partial

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dunning import selectors
from dunning.letters import letter_batch_build
from dunning.models import LetterBatch
from dunning.sender import dunning_message_send, message_requeue_stale
from dunning.services import dunning_run
from payt.models import Organization
from payt.tenancy import tenant_context

logger = logging.getLogger(__name__)

# The hard limit must stay below sender.CLAIM_TIMEOUT (15 minutes by
# default), so that a message is only released when its worker is gone.
# Celery enforces time limits in the prefork and gevent pools only (Celery
# 5 workers guide, "Time Limits"); the Procfile workers use the default prefork pool.
SEND_SOFT_TIME_LIMIT = 120
SEND_TIME_LIMIT = 180


def _organization(organization_id) -> Organization | None:
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        logger.warning("Organization %s no longer exists; task skipped", organization_id)
    return organization


@shared_task
def run_dunning_for_all_organizations(now: str | None = None) -> int:
    """Start the run of each organisation whose local morning has begun; return how many started.

    Beat calls this hourly. ``now`` (ISO 8601 with offset) replaces the
    current time, for tests and replays.
    """
    moment = dt.datetime.fromisoformat(now) if now else timezone.now()
    due = selectors.organizations_due_for_run(moment, settings.DUNNING_LOCAL_START_HOUR)
    for organization, run_date in due:
        run_dunning_for_organization.delay(str(organization.pk), run_date.isoformat())
    logger.info("Dunning runs started for %d organizations at %s", len(due), moment.isoformat())
    return len(due)


@shared_task
def run_dunning_for_organization(organization_id: str, run_date: str) -> int:
    """Plan one organisation's dunning for ``run_date`` and enqueue its new messages.

    Returns the number of messages enqueued.
    """
    organization = _organization(organization_id)
    if organization is None:
        return 0

    with tenant_context(organization), transaction.atomic():
        result = dunning_run(organization=organization, run_date=dt.date.fromisoformat(run_date))
        for message_id in result.message_ids:
            transaction.on_commit(partial(send_message.delay, str(organization.pk), str(message_id)))
    return len(result.message_ids)


@shared_task(
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=SEND_SOFT_TIME_LIMIT,
    time_limit=SEND_TIME_LIMIT,
)
def send_message(organization_id: str, message_id: str) -> str | None:
    """Send one outbox message; return its new status, or None if it was not queued."""
    organization = _organization(organization_id)
    if organization is None:
        return None
    with tenant_context(organization):
        return dunning_message_send(message_id=message_id)


@shared_task
def requeue_stale_messages() -> int:
    """Release messages whose sender died, enqueue a send for each waiting one, return how many."""
    count = 0
    for organization in Organization.objects.order_by("slug"):
        # message_requeue_stale has committed, so the sends can go out now.
        message_ids = message_requeue_stale(organization=organization)
        for message_id in message_ids:
            send_message.delay(str(organization.pk), str(message_id))
        count += len(message_ids)
    return count


@shared_task
def build_letter_batch(organization_id: str, batch_id: str) -> int:
    """Bring a letter batch's PDF up to date; return the number of letters in it.

    The sender enqueues one build per letter. The first build takes every
    letter so far, so the builds after it find the PDF current and do nothing.
    """
    organization = _organization(organization_id)
    if organization is None:
        return 0
    with tenant_context(organization):
        batch = LetterBatch.objects.filter(pk=batch_id).first()
        if batch is None:
            logger.warning("Letter batch %s no longer exists; build skipped", batch_id)
            return 0
        return letter_batch_build(batch=batch).letter_count
