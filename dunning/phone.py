"""Phone tasks: calls on the credit controller's worklist, and what their outcome sets in motion.

A task comes from a workflow step with the phone channel, from a bounced
e-mail, from a risk alert or from a person. Recording the outcome closes it:
a promise to pay holds dunning until the promised date plus a grace period,
and a dispute marks the invoice disputed and holds it.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from debtors.models import Debtor, TimelineKind
from debtors.services import timeline_record
from dunning.holds import hold_place
from dunning.models import CallOutcome, HoldReason, PhoneTask, PhoneTaskStatus
from invoices.models import Invoice
from invoices.services import invoice_mark_disputed
from payt.api_errors import DomainError
from payt.dates import local_today

# Days after a promised payment date before dunning resumes by itself.
PROMISE_GRACE_DAYS = 3
# A promise further away than this is a payment plan, not a promise.
MAX_PROMISE_DAYS = 90


@transaction.atomic
def phone_task_create(
    *,
    debtor: Debtor,
    source: str,
    invoice: Invoice | None = None,
    reason: str = "",
    reason_codes: list[dict] | None = None,
    script: str = "",
    due_date: dt.date | None = None,
    message=None,
) -> PhoneTask:
    """Put a call to ``debtor`` on the worklist; an open task for the same invoice and source is reused."""
    existing = PhoneTask.objects.for_organization(debtor.organization).filter(
        debtor=debtor, invoice=invoice, source=source, status=PhoneTaskStatus.OPEN
    )
    task = existing.first()
    if task is not None:
        return task

    return PhoneTask.objects.create(
        organization=debtor.organization,
        debtor=debtor,
        invoice=invoice,
        message=message,
        source=source,
        reason=reason[:300],
        reason_codes=reason_codes,
        script=script,
        due_date=due_date or local_today(debtor.organization),
    )


@transaction.atomic
def phone_task_complete(
    *,
    task: PhoneTask,
    outcome: str,
    note: str = "",
    promised_date: dt.date | None = None,
    user=None,
) -> PhoneTask:
    """Record the outcome of a call, close the task and apply what the outcome means for dunning."""
    # Lock only the task row: PostgreSQL cannot lock the nullable side of the invoice join.
    task = PhoneTask.objects.select_for_update(of=("self",)).select_related("debtor", "invoice").get(pk=task.pk)
    if task.status == PhoneTaskStatus.DONE:
        raise DomainError("This call has already been recorded.", code="already_done", field="outcome")
    _check_outcome(outcome, promised_date, task)

    task.status = PhoneTaskStatus.DONE
    task.outcome = outcome
    task.outcome_note = note[:500]
    task.promised_date = promised_date
    task.completed_by = user
    task.completed_at = timezone.now()
    task.save()

    _apply_outcome(task, user)
    timeline_record(
        debtor=task.debtor,
        invoice=task.invoice,
        kind=TimelineKind.CALL,
        summary=f"Call: {outcome}",
        data={
            "event": "call",
            "outcome": outcome,
            "text": note,
            "promised_date": promised_date.isoformat() if promised_date else "",
            "number": task.invoice.number if task.invoice else "",
        },
    )
    return task


def _check_outcome(outcome: str, promised_date: dt.date | None, task: PhoneTask) -> None:
    if outcome not in CallOutcome.values:
        choices = ", ".join(CallOutcome.values)
        raise DomainError(f"Unknown outcome {outcome!r}; choose one of {choices}.", code="invalid", field="outcome")
    if outcome == CallOutcome.PROMISE_TO_PAY:
        if promised_date is None:
            raise DomainError(
                "A promise to pay needs the promised date.", code="required", field="promised_date"
            )
        if promised_date < local_today(task.organization):
            raise DomainError(
                f"The promised date {promised_date.isoformat()} is in the past; enter the date the debtor named.",
                code="invalid_date",
                field="promised_date",
            )
        latest = local_today(task.organization) + dt.timedelta(days=MAX_PROMISE_DAYS)
        if promised_date > latest:
            raise DomainError(
                f"The promised date {promised_date.isoformat()} is more than {MAX_PROMISE_DAYS} days away; "
                f"agree a date up to {latest.isoformat()}, or a payment plan instead.",
                code="invalid_date",
                field="promised_date",
            )


def _apply_outcome(task: PhoneTask, user) -> None:
    if task.outcome == CallOutcome.PROMISE_TO_PAY:
        hold_place(
            debtor=task.debtor,
            invoice=task.invoice,
            reason=HoldReason.PROMISE_TO_PAY,
            until=task.promised_date + dt.timedelta(days=PROMISE_GRACE_DAYS),
            note=task.outcome_note,
            user=user,
        )
    elif task.outcome == CallOutcome.DISPUTE and task.invoice is not None:
        invoice_mark_disputed(invoice=task.invoice, reason=task.outcome_note or "disputed by phone")
        hold_place(
            debtor=task.debtor, invoice=task.invoice, reason=HoldReason.DISPUTE, note=task.outcome_note, user=user
        )
