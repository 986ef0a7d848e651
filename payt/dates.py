"""Calendar dates in the tenant's time zone, and due dates from payment terms."""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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


class PaymentTermBasis(models.TextChoices):
    DAYS_AFTER_ISSUE = "days_after_issue", _("Days after the issue date")
    MONTHS_AFTER_MONTH_END = "months_after_month_end", _("Months after the end of the invoice month")


def end_of_month_after(issue_date: dt.date, months: int) -> dt.date:
    """Return the last day of the month ``months`` after the invoice month ("N months after end of month").

    The months are added to the invoice month before its end is taken, so a
    February invoice with a one-month term is due on 31 March, not on the
    28th that February's length would carry over.
    """
    if months < 0:
        raise ValueError(f"months must be 0 or more, not {months}.")
    target_month = issue_date.replace(day=1) + relativedelta(months=months)
    # relativedelta(day=31) moves to the month's last day, whatever its length.
    return target_month + relativedelta(day=31)


def due_date_from_term(issue_date: dt.date, *, basis: str, days: int = 0, months: int = 0) -> dt.date:
    """Return the due date that a payment term gives an invoice issued on ``issue_date``."""
    if basis == PaymentTermBasis.MONTHS_AFTER_MONTH_END:
        return end_of_month_after(issue_date, months)
    if basis == PaymentTermBasis.DAYS_AFTER_ISSUE:
        return issue_date + dt.timedelta(days=days)
    raise ValueError(f"{basis!r} is not a payment term basis; use one of {', '.join(PaymentTermBasis.values)}.")
