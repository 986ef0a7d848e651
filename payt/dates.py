"""Calendar dates in the tenant's time zone."""

import datetime as dt

from django.utils import timezone


def local_today(organization, now: dt.datetime | None = None) -> dt.date:
    """Return today's date where the organisation is, not in UTC."""
    moment = now or timezone.now()
    return moment.astimezone(organization.zone).date()


def local_now(organization, now: dt.datetime | None = None) -> dt.datetime:
    moment = now or timezone.now()
    return moment.astimezone(organization.zone)


def days_past_due(due_date: dt.date, today: dt.date) -> int:
    """Days overdue, 0 on and before the due date itself."""
    return max((today - due_date).days, 0)
