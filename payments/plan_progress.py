"""Writes that follow a running payment plan: payments towards its instalments, reminders, break, completion.

The instalments follow the money: whatever reached the covered invoices
since the proposal (a paid instalment checkout, a bank transfer, a credit
note) counts towards the instalments in sequence, so recomputing is
idempotent. When every instalment is paid the plan completes; when one
stays unpaid past the grace period the plan breaks. Either way its holds
are released.
"""

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from debtors.models import TimelineKind
from debtors.services import timeline_record
from dunning.holds import hold_release
from dunning.models import Hold
from payments import plan_notices
from payments.models import Instalment, InstalmentStatus, PaymentPlan, PlanNoticeKind, PlanStatus
from payments.plan_rules import BREAK, distribute_settled, missed_instalment_action
from payments.selectors import plan_ids_to_check, plan_open_amount, plan_policy_for, running_plan_ids_for_invoices
from payt.models import Organization
from payt.money import format_amount

logger = logging.getLogger(__name__)


# Following payments


@transaction.atomic
def plan_refresh(*, plan_id) -> PaymentPlan:
    """Count the money that reached the plan's invoices towards its instalments, in sequence.

    Runs under a lock on the plan. A plan whose instalments are all paid is
    completed: its holds are released. Safe to repeat, because the result
    depends only on the invoices' open amounts.
    """
    plan = PaymentPlan.objects.select_for_update().select_related("debtor__organization").get(pk=plan_id)
    if plan.status != PlanStatus.ACCEPTED:
        return plan

    settled = plan.total - plan_open_amount(plan)
    instalments = list(plan.instalments.exclude(status=InstalmentStatus.CANCELED).order_by("sequence"))
    paid_parts = distribute_settled(settled, [instalment.amount for instalment in instalments])
    for instalment, paid in zip(instalments, paid_parts, strict=True):
        _instalment_set_paid(plan, instalment, paid)

    if all(instalment.status == InstalmentStatus.PAID for instalment in instalments):
        _plan_complete(plan)
    return plan


def _instalment_set_paid(plan: PaymentPlan, instalment: Instalment, paid) -> None:
    status = InstalmentStatus.PAID if paid >= instalment.amount else InstalmentStatus.OPEN
    if paid == instalment.paid_amount and status == instalment.status:
        return

    newly_paid = status == InstalmentStatus.PAID and instalment.status != InstalmentStatus.PAID
    instalment.paid_amount = paid
    instalment.status = status
    if newly_paid:
        instalment.paid_at = timezone.now()
    elif status == InstalmentStatus.OPEN:
        # A chargeback can reopen a paid instalment.
        instalment.paid_at = None
    instalment.save(update_fields=["paid_amount", "status", "paid_at"])
    if newly_paid:
        plan_event_record(
            plan,
            "instalment_paid",
            f"Instalment {instalment.sequence} of {plan.instalment_count} paid: "
            f"{plan.currency} {format_amount(instalment.amount)}",
            sequence=instalment.sequence,
            count=plan.instalment_count,
            amount=format_amount(instalment.amount),
        )


def _plan_complete(plan: PaymentPlan) -> None:
    PaymentPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.COMPLETED, ended_at=timezone.now())
    plan.status = PlanStatus.COMPLETED
    plan_holds_release(plan, "Payment plan completed")
    plan_event_record(plan, "plan_completed", f"Payment plan completed: {plan_summary(plan)}")
    logger.info("Payment plan %s of debtor %s completed", plan.pk, plan.debtor_id)


def plans_refresh_for_invoices(*, organization: Organization, invoice_ids) -> None:
    """Refresh every running plan that covers one of these invoices (after a payment or chargeback)."""
    for plan_id in running_plan_ids_for_invoices(organization, invoice_ids):
        plan_refresh(plan_id=plan_id)


# Missed instalments


def plans_daily_run(*, organization: Organization, run_date: dt.date) -> list:
    """Check the organisation's running plans on ``run_date``; return the ids of queued e-mails.

    Each plan is refreshed first, so a payment that came in by bank transfer
    counts. Then an instalment unpaid after its due date gets one reminder,
    and a plan with an instalment unpaid after the grace period is broken.
    Each plan is checked in its own transaction. Running twice on a day sends
    nothing twice, because every notice has a unique key.
    """
    policy = plan_policy_for(organization)
    notice_ids = []
    for plan_id in plan_ids_to_check(organization):
        notice_ids += _plan_check(plan_id=plan_id, run_date=run_date, grace_days=policy.grace_days)
    logger.info(
        "Payment plan run for organization %s on %s: %d e-mails queued", organization.pk, run_date, len(notice_ids)
    )
    return notice_ids


@transaction.atomic
def _plan_check(*, plan_id, run_date: dt.date, grace_days: int) -> list:
    plan = plan_refresh(plan_id=plan_id)
    if plan.status != PlanStatus.ACCEPTED:
        return []

    unpaid = plan.instalments.filter(status=InstalmentStatus.OPEN, due_date__lt=run_date).order_by("sequence")
    actions = [
        (instalment, missed_instalment_action(instalment.due_date, run_date, grace_days)) for instalment in unpaid
    ]
    broken = [instalment for instalment, action in actions if action == BREAK]
    if broken:
        return plan_break(plan=plan, instalment=broken[0], grace_days=grace_days)

    notice_ids = []
    for instalment, _action in actions:
        notice = plan_notices.notice_for_debtor(
            plan=plan, kind=PlanNoticeKind.INSTALMENT_REMINDER, instalment=instalment
        )
        notice_ids += notice_ids_of(notice)
    return notice_ids


@transaction.atomic
def plan_break(*, plan: PaymentPlan, instalment: Instalment, grace_days: int) -> list:
    """End a running plan whose ``instalment`` stayed unpaid past the grace period.

    Releases the plan's holds so dunning resumes on everything still open,
    cancels the unpaid instalments, records it on the timeline and queues
    e-mails to the debtor and the credit controllers. Returns the notice
    ids; a plan that is no longer running is left alone and returns [].
    """
    ended_at = timezone.now()
    reason = (
        f"Instalment {instalment.sequence} of {plan.currency} {format_amount(instalment.open_amount)}, "
        f"due {instalment.due_date.isoformat()}, unpaid after {grace_days} grace days"
    )
    broken = PaymentPlan.objects.filter(pk=plan.pk, status=PlanStatus.ACCEPTED).update(
        status=PlanStatus.BROKEN, ended_at=ended_at, reason=reason
    )
    if not broken:
        return []

    plan.status = PlanStatus.BROKEN
    plan.ended_at = ended_at
    plan.instalments.filter(status=InstalmentStatus.OPEN).update(status=InstalmentStatus.CANCELED)
    plan_holds_release(plan, "Payment plan broken: dunning resumes")
    remainder = plan_open_amount(plan)
    plan_event_record(
        plan,
        "plan_broken",
        f"Payment plan broken: {reason}. Dunning resumes on {plan.currency} {format_amount(remainder)}.",
        sequence=instalment.sequence,
        due_date=instalment.due_date.isoformat(),
        amount=format_amount(remainder),
    )
    logger.info("Payment plan %s of debtor %s broken: %s", plan.pk, plan.debtor_id, reason)
    # TODO: the checkouts of the canceled instalments stay open at Mollie. A
    # payment through one still settles invoices, but no instalment.
    notices = [
        plan_notices.notice_for_debtor(plan=plan, kind=PlanNoticeKind.PLAN_BROKEN, instalment=instalment),
        plan_notices.notice_for_controllers(
            plan=plan, kind=PlanNoticeKind.PLAN_BROKEN_CONTROLLER, instalment=instalment
        ),
    ]
    return [notice_id for notice in notices for notice_id in notice_ids_of(notice)]


# Shared steps


def plan_holds_release(plan: PaymentPlan, note: str) -> None:
    """Release the holds that the plan put on its invoices, so dunning resumes."""
    hold_ids = plan.plan_invoices.exclude(hold__isnull=True).values_list("hold_id", flat=True)
    for hold in Hold.objects.for_organization(plan.organization_id).filter(pk__in=list(hold_ids)):
        hold_release(hold=hold, note=note)


def plan_summary(plan: PaymentPlan) -> str:
    """Return the plan in one line of English for timeline summaries and logs."""
    return (
        f"{plan.currency} {format_amount(plan.total)} in {plan.instalment_count} instalments "
        f"from {plan.first_due_date.isoformat()}"
    )


def plan_event_record(plan: PaymentPlan, event: str, summary: str, user=None, **data) -> None:
    """Put a plan event on the debtor's timeline, with the facts its translation needs."""
    timeline_record(
        debtor=plan.debtor,
        kind=TimelineKind.NOTE,
        summary=summary,
        data={
            "event": event,
            "plan_id": str(plan.pk),
            "total": format_amount(plan.total),
            "currency": plan.currency,
            "instalments": plan.instalment_count,
            "first_due_date": plan.first_due_date.isoformat(),
            "by": user.get_username() if user is not None else "",
            **data,
        },
    )


def notice_ids_of(notice) -> list:
    """Return ``[notice.pk]``, or [] for a notice that already existed (None)."""
    return [notice.pk] if notice is not None else []

