"""Writes started from the dashboard: answers to debtor questions, organisation settings."""

import logging

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from stdnum import iban as stdnum_iban

from debtors.models import TimelineKind
from debtors.services import timeline_record
from payt.models import Organization, Role
from payt.services import audit_record, membership_add, organization_create
from payt.tenancy import tenant_context
from portal.models import Question, QuestionStatus
from portal.services import portal_url_for_debtor

logger = logging.getLogger(__name__)

ANSWER_MAX_LENGTH = 5000
ORGANIZATION_SETTING_FIELDS = (
    "name",
    "time_zone",
    "default_language",
    "payment_term_basis",
    "payment_term_days",
    "payment_term_months",
    "email",
    "iban",
)


@transaction.atomic
def question_answer(*, question: Question, answer: str, user: User) -> Question:
    """Answer a debtor's question, record it on the timeline and e-mail it to the debtor.

    The question changes from open to answered with a conditional UPDATE, so
    of two controllers answering at once only the first one wins. The second
    gets a ValidationError. The e-mail goes out after the commit, in the
    debtor's language, and is skipped when the debtor has no e-mail address.
    """
    answer = answer.strip()
    if not answer:
        raise ValidationError({"answer": _("The answer is empty; write an answer before sending.")})
    if len(answer) > ANSWER_MAX_LENGTH:
        raise ValidationError(
            {
                "answer": _("The answer is longer than %(max)d characters; shorten it.")
                % {"max": ANSWER_MAX_LENGTH}
            }
        )

    organization = question.organization
    with tenant_context(organization):
        answered_at = timezone.now()
        claimed = Question.objects.filter(pk=question.pk, status=QuestionStatus.OPEN).update(
            status=QuestionStatus.ANSWERED, answer=answer, answered_by=user, answered_at=answered_at
        )
        if claimed == 0:
            raise ValidationError(_("This question has already been answered."))
        question.refresh_from_db()

        debtor = question.debtor
        timeline_record(
            debtor=debtor,
            invoice=question.invoice,
            kind=TimelineKind.ANSWER,
            summary=f"Answer to question: {answer}",
            data={"question_id": str(question.pk), "answered_by": user.get_username(), "text": answer},
            occurred_at=answered_at,
        )
        audit_record(
            organization=organization,
            actor=user,
            action="question.answered",
            target=str(question.pk),
        )
        if debtor.email:
            email = _answer_email(question, portal_url_for_debtor(debtor))
            transaction.on_commit(lambda: _send_answer_email(email, question.pk))
    return question


def _answer_email(question: Question, portal_url: str) -> EmailMessage:
    debtor = question.debtor
    organization = question.organization
    context = {
        "question": question,
        "debtor": debtor,
        "organization": organization,
        "portal_url": portal_url,
    }
    with translation.override(debtor.language):
        subject = render_to_string("dashboard/email/question_answer_subject.txt", context)
        body = render_to_string("dashboard/email/question_answer_body.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[debtor.email],
        reply_to=[organization.email] if organization.email else None,
        headers={"Content-Language": debtor.language},
    )


def _send_answer_email(email: EmailMessage, question_id) -> None:
    # TODO: a failed send is logged but not retried; move this e-mail to the
    # outbox with retries once the outbox carries free-form messages.
    try:
        email.send()
    except Exception:
        logger.exception("Sending the answer to question %s failed", question_id)
    else:
        logger.info("Sent the answer to question %s", question_id)


@transaction.atomic
def organization_settings_update(
    *, organization: Organization, actor: User, **fields
) -> Organization:
    """Change an organisation's settings after validation and record the change in the audit log."""
    unknown = set(fields) - set(ORGANIZATION_SETTING_FIELDS)
    if unknown:
        raise TypeError(f"Unknown organisation settings: {', '.join(sorted(unknown))}")
    iban = fields.get("iban")
    if iban:
        fields["iban"] = stdnum_iban.compact(iban)
        if not stdnum_iban.is_valid(fields["iban"]):
            raise ValidationError(
                {"iban": _("%(iban)s is not a valid IBAN; check the number.") % {"iban": iban}}
            )

    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    changed = {name: value for name, value in fields.items() if getattr(locked, name) != value}
    if not changed:
        return locked

    for name, value in changed.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save(update_fields=list(changed))
    audit_record(
        organization=locked,
        actor=actor,
        action="organization.settings_changed",
        target=locked.slug,
        data={name: str(value) for name, value in changed.items()},
    )
    return locked


@transaction.atomic
def organization_create_for_user(*, user: User, slug: str, name: str, country: str) -> Organization:
    """Create an organisation and make ``user`` its administrator."""
    organization = organization_create(slug=slug, name=name, country=country)
    membership_add(organization=organization, user=user, role=Role.ADMIN)
    audit_record(organization=organization, actor=user, action="organization.created", target=slug)
    return organization
