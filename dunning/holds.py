"""Holds: pausing dunning for a debtor or one invoice, and releasing it again.

A hold with an end date lapses by itself: the planner treats it as active
up to and including ``until`` and resumes the day after. Placing and
releasing a hold are both written to the debtor's timeline.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from debtors.models import Debtor, TimelineKind
from debtors.services import timeline_record
from dunning.models import Hold
from invoices.models import Invoice
from payt.api_errors import DomainError
from payt.dates import local_today


@transaction.atomic
def hold_place(
    *,
    debtor: Debtor,
    reason: str,
    invoice: Invoice | None = None,
    until: dt.date | None = None,
    note: str = "",
    user=None,
) -> Hold:
    """Pause dunning for ``debtor`` (or only ``invoice``) until ``until``, or until released."""
    if invoice is not None and invoice.debtor_id != debtor.pk:
        raise DomainError(
            f"Invoice {invoice.number} belongs to another debtor; choose one of {debtor.name}'s invoices.",
            code="invalid_invoice",
            field="invoice",
        )
    today = local_today(debtor.organization)
    if until is not None and until < today:
        raise DomainError(
            f"The end date {until.isoformat()} is in the past; choose today or a later date.",
            code="invalid_date",
            field="until",
        )

    hold = Hold.objects.create(
        organization=debtor.organization,
        debtor=debtor,
        invoice=invoice,
        reason=reason,
        until=until,
        note=note[:300],
        created_by=user,
    )
    timeline_record(
        debtor=debtor,
        invoice=invoice,
        kind=TimelineKind.HOLD,
        summary=f"Dunning paused: {hold.reason}",
        data={
            "event": "hold_placed",
            "hold_id": str(hold.pk),
            "reason": hold.reason,
            "until": until.isoformat() if until else "",
            "number": invoice.number if invoice else "",
            "text": note,
        },
    )
    return hold


@transaction.atomic
def hold_release(*, hold: Hold, note: str = "", user=None) -> bool:
    """Release a hold before its end date; return False if it was released already."""
    now = timezone.now()
    released = Hold.objects.filter(pk=hold.pk, released_at__isnull=True).update(
        released_at=now, release_note=note[:300]
    )
    if not released:
        return False

    hold.released_at = now
    timeline_record(
        debtor=hold.debtor,
        invoice=hold.invoice,
        kind=TimelineKind.HOLD,
        summary=f"Dunning resumed: {hold.reason}",
        data={
            "event": "hold_released",
            "hold_id": str(hold.pk),
            "reason": hold.reason,
            "number": hold.invoice.number if hold.invoice else "",
            "text": note,
            "by": getattr(user, "email", ""),
        },
    )
    return True


def holds_release_for_invoice(*, invoice: Invoice, reason: str, note: str = "", user=None) -> int:
    """Release the active holds with ``reason`` on one invoice; return how many were released."""
    holds = Hold.objects.for_organization(invoice.organization).filter(
        invoice=invoice, reason=reason, released_at__isnull=True
    )
    return sum(hold_release(hold=hold, note=note, user=user) for hold in holds)
