"""Celery tasks of the portal: sending its e-mails. Each takes ids and sets the tenant context."""

import logging

from celery import shared_task

from payt.models import Organization
from payt.tenancy import tenant_context
from portal.outbox import TRANSIENT_ERRORS, email_send, emails_requeue_stale

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=7,
)
def send_outgoing_email(organization_id: str, email_id: str) -> bool:
    """Send one portal e-mail; a repeated delivery finds the row claimed or sent and does nothing."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        logger.warning("Organization %s no longer exists; e-mail %s skipped", organization_id, email_id)
        return False
    with tenant_context(organization):
        return email_send(email_id=email_id)


@shared_task
def requeue_stale_emails() -> int:
    """Enqueue again the e-mails whose task was lost or whose worker died; return how many."""
    count = 0
    for organization in Organization.objects.all():
        with tenant_context(organization):
            for email_id in emails_requeue_stale(organization):
                send_outgoing_email.delay(str(organization.pk), str(email_id))
                count += 1
    if count:
        logger.info("Requeued %d portal e-mails", count)
    return count
