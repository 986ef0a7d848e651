"""Reads of the responses inbox: what debtors sent through the portal and still waits for an answer."""

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from debtors.models import TimelineEvent
from payt.models import Organization
from portal.models import Dispute, DisputeAttachment, DisputeStatus, PaymentPromise, PromiseStatus

ACTIVITY_DAYS = 30
ACTIVITY_LIMIT = 50
ANSWERED_LIMIT = 20


def disputes_waiting(organization: Organization) -> QuerySet[Dispute]:
    """Return the open disputes, oldest first, with their invoice, debtor and attachment names."""
    return (
        Dispute.objects.for_organization(organization)
        .filter(status=DisputeStatus.OPEN)
        .select_related("debtor", "invoice")
        .prefetch_related("attachments")
        .order_by("created_at")
    )


def disputes_resolved(organization: Organization) -> list[Dispute]:
    disputes = (
        Dispute.objects.for_organization(organization)
        .filter(status=DisputeStatus.RESOLVED)
        .select_related("debtor", "invoice", "answered_by")
        .prefetch_related("attachments")
        .order_by("-answered_at")
    )
    return list(disputes[:ANSWERED_LIMIT])


def promises_waiting(organization: Organization) -> QuerySet[PaymentPromise]:
    return (
        PaymentPromise.objects.for_organization(organization)
        .filter(status=PromiseStatus.OPEN)
        .select_related("debtor")
        .prefetch_related("lines__invoice")
        .order_by("promised_date", "created_at")
    )


def portal_activity(organization: Organization, now: dt.datetime | None = None) -> list[TimelineEvent]:
    """Return the recent contact changes, copy requests and promises that debtors made in the portal."""
    since = (now or timezone.now()) - dt.timedelta(days=ACTIVITY_DAYS)
    events = (
        TimelineEvent.objects.for_organization(organization)
        .filter(data__source="portal", occurred_at__gte=since)
        .select_related("debtor", "invoice")
        .order_by("-occurred_at")
    )
    return list(events[:ACTIVITY_LIMIT])


def attachment_of_organization(organization: Organization, dispute_id, attachment_id) -> DisputeAttachment | None:
    return (
        DisputeAttachment.objects.for_organization(organization).filter(pk=attachment_id, dispute_id=dispute_id).first()
    )


def debtor_disputes(organization: Organization, debtor) -> list[Dispute]:
    disputes = Dispute.objects.for_organization(organization).filter(debtor=debtor).select_related("invoice")
    return list(disputes.prefetch_related("attachments").order_by("-created_at")[:ANSWERED_LIMIT])
