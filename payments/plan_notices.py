"""E-mails about payment plans, sent through the ``PlanNotice`` outbox.

A notice row is written in the transaction that changed the plan. Its key
is unique per organisation (one reminder per instalment, one break notice
per plan), so a repeated run creates nothing new. ``plan_notice_send``
claims a queued row (queued -> sending), checks that the e-mail still
applies, renders it in the recipient's language and sends it. A worker
that dies mid-send leaves the row in "sending", and
``plan_notices_requeue_stale`` releases it after ``CLAIM_TIMEOUT``.
"""

import datetime as dt
import logging
import smtplib

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from debtors.models import TimelineKind
from debtors.services import timeline_record
from payments.models import (
    Instalment,
    InstalmentStatus,
    PaymentPlan,
    PlanNotice,
    PlanNoticeKind,
    PlanNoticeStatus,
    PlanStatus,
)
from payments.plan_rules import describe_reason
from payments.selectors import credit_controller_emails, plan_policy_for
from payt.models import Organization
from payt.money import format_money_localized
from portal.services import portal_link_ensure

logger = logging.getLogger(__name__)

# The first try plus five retries.
MAX_SEND_ATTEMPTS = 6
# Longer than the hard time limit of the send task, so a live worker keeps its claim.
CLAIM_TIMEOUT = dt.timedelta(minutes=15)
TRANSIENT_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError)
REASON_MAX_LENGTH = 300
CONTROLLER_LANGUAGES = ("nl", "en")

TEMPLATES = {
    PlanNoticeKind.PLAN_ACCEPTED: "payments/plans/email/plan_accepted.txt",
    PlanNoticeKind.PLAN_REJECTED: "payments/plans/email/plan_rejected.txt",
    PlanNoticeKind.PLAN_REVIEW: "dashboard/plans/email/plan_review.txt",
    PlanNoticeKind.INSTALMENT_REMINDER: "payments/plans/email/instalment_reminder.txt",
    PlanNoticeKind.PLAN_BROKEN: "payments/plans/email/plan_broken.txt",
    PlanNoticeKind.PLAN_BROKEN_CONTROLLER: "dashboard/plans/email/plan_broken_controller.txt",
}


# Writing notices


def notice_for_debtor(*, plan: PaymentPlan, kind: str, instalment: Instalment | None = None) -> PlanNotice | None:
    """Queue an e-mail to the plan's debtor in the debtor's language; None if it exists already."""
    debtor = plan.debtor
    recipients = [debtor.email] if debtor.email else []
    return _notice_create(plan, kind, recipients, debtor.language, instalment)


def notice_for_controllers(
    *, plan: PaymentPlan, kind: str, instalment: Instalment | None = None
) -> PlanNotice | None:
    """Queue an e-mail to the organisation's credit controllers; None if it exists already."""
    organization = Organization.objects.get(pk=plan.organization_id)
    language = organization.default_language if organization.default_language in CONTROLLER_LANGUAGES else "en"
    return _notice_create(plan, kind, credit_controller_emails(organization), language, instalment)


def _notice_create(plan, kind: str, recipients: list[str], language: str, instalment) -> PlanNotice | None:
    key = f"{kind}:{instalment.pk if instalment is not None else plan.pk}"
    try:
        # A savepoint: a notice that exists already (a second run) is no error.
        with transaction.atomic():
            return PlanNotice.objects.create(
                organization_id=plan.organization_id,
                plan=plan,
                instalment=instalment,
                kind=kind,
                key=key,
                recipients=recipients,
                language=language,
            )
    except IntegrityError:
        logger.info("Plan notice %s exists already; not queued again", key)
        return None


# Sending


def plan_notice_send(*, notice_id) -> str | None:
    """Send one queued plan e-mail; return its new status, or None if it was not queued.

    Transient SMTP and connection errors put the notice back in the queue and
    are re-raised, so that the Celery task retries. After MAX_SEND_ATTEMPTS
    the notice fails instead.
    """
    notice = notice_claim(notice_id=notice_id)
    if notice is None:
        return None

    skip_reason = _skip_reason(notice)
    if skip_reason:
        _set_status(notice, PlanNoticeStatus.SKIPPED, skip_reason)
        logger.info("Plan notice %s skipped: %s", notice.pk, skip_reason)
        return PlanNoticeStatus.SKIPPED

    try:
        build_plan_email(notice).send()
    except TRANSIENT_ERRORS as error:
        return _handle_delivery_error(notice, error)
    except BadHeaderError as error:
        _set_status(notice, PlanNoticeStatus.FAILED, f"Invalid header: {error}")
        return PlanNoticeStatus.FAILED

    notice_record_sent(notice=notice)
    return PlanNoticeStatus.SENT


@transaction.atomic
def notice_claim(*, notice_id) -> PlanNotice | None:
    """Move a queued notice to "sending" and return it; None if it is not queued."""
    claimed = PlanNotice.objects.filter(
        pk=notice_id, status=PlanNoticeStatus.QUEUED, attempts__lt=MAX_SEND_ATTEMPTS
    ).update(status=PlanNoticeStatus.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1)
    if not claimed:
        logger.info("Plan notice %s is not queued; nothing to do", notice_id)
        return None
    return PlanNotice.objects.select_related("plan__debtor", "organization", "instalment").get(pk=notice_id)


def _skip_reason(notice: PlanNotice) -> str:
    """Return why the e-mail no longer applies, or an empty string."""
    plan = notice.plan
    if not notice.recipients:
        return "No e-mail address to send to; add one to the debtor or to the organisation."
    if notice.kind == PlanNoticeKind.INSTALMENT_REMINDER:
        if plan.status != PlanStatus.ACCEPTED:
            return f"The plan is {plan.status}; the reminder no longer applies."
        if notice.instalment.status != InstalmentStatus.OPEN:
            return f"Instalment {notice.instalment.sequence} is {notice.instalment.status}."
    if notice.kind == PlanNoticeKind.PLAN_REVIEW and plan.status != PlanStatus.PROPOSED:
        return f"The plan was decided ({plan.status}) before the e-mail went out."
    return ""


def _handle_delivery_error(notice: PlanNotice, error: Exception) -> str:
    if notice.attempts >= MAX_SEND_ATTEMPTS:
        _set_status(notice, PlanNoticeStatus.FAILED, f"Sending failed after {notice.attempts} attempts: {error}")
        logger.error("Plan notice %s failed after %d attempts: %s", notice.pk, notice.attempts, error)
        return PlanNoticeStatus.FAILED
    _set_status(notice, PlanNoticeStatus.QUEUED, f"Attempt {notice.attempts} failed, will retry: {error}")
    logger.warning("Plan notice %s: attempt %d failed, will retry: %s", notice.pk, notice.attempts, error)
    raise error


def _set_status(notice: PlanNotice, status: str, reason: str) -> None:
    PlanNotice.objects.filter(pk=notice.pk).update(
        status=status, status_reason=reason[:REASON_MAX_LENGTH], claimed_at=None
    )


@transaction.atomic
def notice_record_sent(*, notice: PlanNotice) -> None:
    """Mark the notice sent; a reminder also goes on the debtor's timeline."""
    now = timezone.now()
    PlanNotice.objects.filter(pk=notice.pk).update(
        status=PlanNoticeStatus.SENT, sent_at=now, status_reason="", claimed_at=None
    )
    if notice.kind == PlanNoticeKind.INSTALMENT_REMINDER:
        plan = notice.plan
        instalment = notice.instalment
        timeline_record(
            debtor=plan.debtor,
            kind=TimelineKind.MESSAGE,
            summary=f"Reminder for instalment {instalment.sequence} of the payment plan sent to "
            f"{', '.join(notice.recipients)}",
            data={"event": "instalment_reminder", "plan_id": str(plan.pk), "sequence": instalment.sequence},
            occurred_at=now,
        )
    logger.info("Plan notice %s (%s) sent for plan %s", notice.pk, notice.kind, notice.plan_id)


def plan_notices_requeue_stale(*, organization: Organization, now: dt.datetime | None = None) -> list:
    """Release notices whose sender died mid-send; return the ids of all queued notices."""
    cutoff = (now or timezone.now()) - CLAIM_TIMEOUT
    notices = PlanNotice.objects.for_organization(organization)
    released = notices.filter(status=PlanNoticeStatus.SENDING, claimed_at__lt=cutoff).update(
        status=PlanNoticeStatus.QUEUED, claimed_at=None, status_reason="Released after the sender stopped"
    )
    if released:
        logger.warning("Released %d plan notices of organization %s after a stopped sender", released,
                       organization.pk)
    queued = notices.filter(status=PlanNoticeStatus.QUEUED, attempts__lt=MAX_SEND_ATTEMPTS)
    return list(queued.order_by("created_at").values_list("pk", flat=True))


# Rendering


def build_plan_email(notice: PlanNotice) -> EmailMessage:
    """Render the notice in its language as a plain-text e-mail."""
    plan = notice.plan
    organization = notice.organization
    with translation.override(notice.language):
        context = _context(notice)
        subject = _subject(notice, context)
        body = render_to_string(TEMPLATES[notice.kind], context)
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(notice.recipients),
        reply_to=[organization.email] if organization.email else None,
        headers={"Content-Language": notice.language, "X-Payment-Plan": str(plan.pk)},
    )


def _context(notice: PlanNotice) -> dict:
    plan = notice.plan
    debtor = plan.debtor
    context = {
        "organization_name": notice.organization.name,
        "debtor_name": debtor.name,
        "total": format_money_localized(plan.total, plan.currency),
        "instalment_count": plan.instalment_count,
        "schedule": [
            {
                "sequence": instalment.sequence,
                "due_date": _date(instalment.due_date),
                "amount": format_money_localized(instalment.amount, plan.currency),
                "open": format_money_localized(instalment.open_amount, plan.currency),
                "status": instalment.get_status_display(),
            }
            for instalment in plan.instalments.order_by("sequence")
        ],
        "reasons": [describe_reason(reason) for reason in plan.review_reasons],
        "reason": plan.reason,
    }
    if notice.kind in (PlanNoticeKind.PLAN_REVIEW, PlanNoticeKind.PLAN_BROKEN_CONTROLLER):
        context["dashboard_url"] = settings.BASE_URL + reverse("dashboard:plan", args=[plan.pk])
    else:
        _link, token = portal_link_ensure(debtor=debtor)
        context["portal_url"] = settings.BASE_URL + reverse("portal:plan", kwargs={"token": token})
    if notice.instalment is not None:
        instalment = notice.instalment
        grace_days = plan_policy_for(notice.organization).grace_days
        context["instalment"] = {
            "sequence": instalment.sequence,
            "due_date": _date(instalment.due_date),
            "open": format_money_localized(instalment.open_amount, plan.currency),
            "last_day": _date(instalment.due_date + dt.timedelta(days=grace_days)),
        }
    return context


def _subject(notice: PlanNotice, context: dict) -> str:
    organization = context["organization_name"]
    debtor = context["debtor_name"]
    if notice.kind == PlanNoticeKind.PLAN_ACCEPTED:
        return gettext("Your payment plan with %(organization)s is accepted") % {"organization": organization}
    if notice.kind == PlanNoticeKind.PLAN_REJECTED:
        return gettext("Your payment plan proposal to %(organization)s") % {"organization": organization}
    if notice.kind == PlanNoticeKind.INSTALMENT_REMINDER:
        return gettext("Reminder: instalment %(sequence)s of %(amount)s was due on %(date)s") % {
            "sequence": context["instalment"]["sequence"],
            "amount": context["instalment"]["open"],
            "date": context["instalment"]["due_date"],
        }
    if notice.kind == PlanNoticeKind.PLAN_BROKEN:
        return gettext("Your payment plan with %(organization)s has ended") % {"organization": organization}
    if notice.kind == PlanNoticeKind.PLAN_REVIEW:
        return gettext("Payment plan to review: %(debtor)s") % {"debtor": debtor}
    return gettext("Payment plan broken: %(debtor)s") % {"debtor": debtor}


def _date(value: dt.date) -> str:
    return formats.date_format(value, "DATE_FORMAT")
