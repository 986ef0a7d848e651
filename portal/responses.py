"""Writes of the debtor's responses in the portal: disputes, promises to pay, contact details, copies.

Each response is recorded on the debtor's timeline, appears in the
dashboard's responses inbox, and e-mails the organisation's contact
address where one is set. Disputes and promises also pause dunning
through holds: a dispute until it is resolved, a promise until the
promised date plus ``PROMISE_GRACE_DAYS``, after which dunning resumes by
itself.
"""

import datetime as dt
import logging
from decimal import Decimal

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from debtors.models import Debtor, TimelineEvent, TimelineKind
from debtors.services import debtor_contact_change, timeline_record
from dunning.holds import hold_place, hold_release
from dunning.models import Hold, HoldReason
from dunning.selectors import amounts_due
from invoices.models import DocumentKind, Invoice
from invoices.services import invoice_dispute_clear, invoice_mark_disputed
from payt.api_errors import DomainError
from payt.dates import local_today
from payt.money import format_amount
from payt.services import audit_record
from portal.attachments import CheckedAttachment
from portal.models import (
    Dispute,
    DisputeAttachment,
    DisputeCategory,
    DisputeOutcome,
    DisputeStatus,
    EmailKind,
    OutgoingEmail,
    PaymentPromise,
    PaymentPromiseLine,
    PromiseStatus,
)
from portal.outbox import controller_notify, debtor_email_queue
from portal.services import portal_url_for_debtor

logger = logging.getLogger(__name__)

TEXT_MAX_LENGTH = 4000
ANSWER_MAX_LENGTH = 5000
# Days after the promised date before reminders resume, for payments under way.
PROMISE_GRACE_DAYS = 3
PROMISE_MAX_DAYS_AHEAD = 60
# Copies of one invoice a debtor can ask for per day; the e-mail goes to their own address.
COPY_REQUESTS_PER_DAY = 3
# Contact changes per debtor per day; each one e-mails the old address and the credit controller.
CONTACT_CHANGES_PER_DAY = 3


# Disputes


@transaction.atomic
def dispute_open(
    *,
    debtor: Debtor,
    invoice: Invoice,
    category: str,
    text: str = "",
    amount: Decimal | None = None,
    attachment: CheckedAttachment | None = None,
) -> Dispute:
    """Record a debtor's dispute of an invoice, or of ``amount`` of it, and hold its dunning.

    The invoice is marked disputed and gets a dispute hold until a credit
    controller resolves the dispute.
    """
    text = _checked_text(text, field="text", required=category == DisputeCategory.OTHER)
    invoice = _receivable_invoice_of(debtor, invoice)
    # The lock makes a second submission wait and then find the first dispute open.
    invoice = Invoice.objects.select_for_update().select_related("debtor").get(pk=invoice.pk)
    if category not in DisputeCategory.values:
        raise DomainError(gettext("Choose one of the listed reasons."), code="invalid_choice", field="category")
    if Dispute.objects.filter(invoice=invoice, status=DisputeStatus.OPEN).exists():
        raise DomainError(
            gettext("Invoice %(number)s already has an open dispute. We will answer it first.")
            % {"number": invoice.number},
            code="duplicate",
            field="invoice",
        )
    amount = _disputed_amount(invoice, amount)

    hold = hold_place(debtor=debtor, reason=HoldReason.DISPUTE, invoice=invoice, note=category)
    dispute = Dispute.objects.create(
        organization=debtor.organization,
        debtor=debtor,
        invoice=invoice,
        category=category,
        amount=amount,
        currency=invoice.currency,
        text=text,
        hold=hold,
    )
    if attachment is not None:
        DisputeAttachment.objects.create(
            organization=debtor.organization,
            dispute=dispute,
            filename=attachment.filename,
            content_type=attachment.content_type,
            size=attachment.size,
            sha256=attachment.sha256,
            content=attachment.content,
        )
    # Stored summaries are English; the dashboard translates what it can at display time.
    with translation.override("en"):
        label = str(DisputeCategory(category).label)
    invoice_mark_disputed(
        invoice=invoice, reason=f"{label} ({invoice.currency} {format_amount(amount)}) {text}".strip()
    )
    controller_notify(
        organization=debtor.organization,
        template="portal/email/controller_dispute",
        context={"debtor": debtor, "dispute": dispute, "attachment": attachment},
    )
    logger.info("Dispute %s opened on invoice %s from the portal", dispute.pk, invoice.pk)
    return dispute


def _disputed_amount(invoice: Invoice, amount: Decimal | None) -> Decimal:
    if amount is None:
        return invoice.open_amount
    if amount <= 0 or amount > invoice.open_amount:
        raise DomainError(
            gettext(
                "The disputed amount %(amount)s must be above 0 and at most the open amount %(open)s. "
                "Leave it empty to dispute the whole invoice."
            )
            % {"amount": format_amount(amount), "open": format_amount(invoice.open_amount)},
            code="invalid_amount",
            field="amount",
        )
    return amount


@transaction.atomic
def dispute_resolve(*, dispute: Dispute, outcome: str, answer: str, user) -> Dispute:
    """Resolve a dispute with an answer to the debtor, release its hold and let dunning resume.

    Of two controllers resolving at once, the second gets a ValidationError.
    With outcome ``accepted`` the controller still corrects the invoice
    (credit note or cancellation); this records the decision and tells the debtor.
    """
    answer = _checked_answer(answer)
    if outcome not in (DisputeOutcome.ACCEPTED, DisputeOutcome.REJECTED):
        raise ValidationError({"outcome": gettext("Choose whether you accept or reject the dispute.")})
    claimed = Dispute.objects.filter(pk=dispute.pk, status=DisputeStatus.OPEN).update(
        status=DisputeStatus.RESOLVED,
        outcome=outcome,
        answer=answer,
        answered_by=user,
        answered_at=timezone.now(),
    )
    if not claimed:
        raise ValidationError(gettext("This dispute has already been resolved."))
    dispute.refresh_from_db()

    invoice = dispute.invoice
    if dispute.hold is not None:
        hold_release(hold=dispute.hold, note=answer[:300], user=user)
    if not Dispute.objects.filter(invoice=invoice, status=DisputeStatus.OPEN).exists():
        with translation.override("en"):
            note = str(DisputeOutcome(outcome).label)
        invoice_dispute_clear(invoice=invoice, note=note)
    _record_answer(dispute.debtor, invoice, answer, user, "dispute", dispute.pk)
    debtor_email_queue(
        debtor=dispute.debtor,
        kind=EmailKind.ANSWER,
        template="portal/email/dispute_answer",
        context={"dispute": dispute, "portal_url": portal_url_for_debtor(dispute.debtor)},
    )
    return dispute


# Promises to pay


@transaction.atomic
def promise_make(*, debtor: Debtor, invoices: list[Invoice], promised_date: dt.date, text: str = "") -> PaymentPromise:
    """Record a promise to pay ``invoices`` on ``promised_date`` and hold them until the date plus grace."""
    text = _checked_text(text, field="text", required=False)
    today = local_today(debtor.organization)
    _check_promised_date(promised_date, today)
    invoices = [_receivable_invoice_of(debtor, invoice) for invoice in invoices]
    if not invoices:
        raise DomainError(gettext("Choose at least one invoice."), code="required", field="invoices")
    # Locked, so that two promises sent at once cannot both pass the check for an earlier one.
    locked = Invoice.objects.select_for_update().filter(pk__in=[invoice.pk for invoice in invoices])
    invoices = list(locked.order_by("due_date", "number"))
    currencies = {invoice.currency for invoice in invoices}
    if len(currencies) > 1:
        raise DomainError(
            gettext("Choose invoices in one currency; make one promise per currency."),
            code="mixed_currencies",
            field="invoices",
        )
    _check_not_promised(invoices, today)

    due = amounts_due(invoices, today)
    held_until = promised_date + dt.timedelta(days=PROMISE_GRACE_DAYS)
    promise = PaymentPromise.objects.create(
        organization=debtor.organization,
        debtor=debtor,
        promised_date=promised_date,
        held_until=held_until,
        amount=sum((due[invoice.pk].total for invoice in invoices), Decimal("0.00")),
        currency=invoices[0].currency,
        text=text,
    )
    for invoice in invoices:
        hold = hold_place(debtor=debtor, reason=HoldReason.PROMISE_TO_PAY, invoice=invoice, until=held_until, note=text)
        PaymentPromiseLine.objects.create(
            organization=debtor.organization, promise=promise, invoice=invoice, amount=due[invoice.pk].total, hold=hold
        )
    timeline_record(
        debtor=debtor,
        invoice=invoices[0] if len(invoices) == 1 else None,
        kind=TimelineKind.NOTE,
        summary=f"Promise to pay {promise.currency} {format_amount(promise.amount)} on {promised_date.isoformat()}",
        data={
            "event": "promise_to_pay",
            "source": "portal",
            "promise_id": str(promise.pk),
            "date": promised_date.isoformat(),
            "amount": format_amount(promise.amount),
            "currency": promise.currency,
            "invoices": [invoice.number for invoice in invoices],
        },
    )
    controller_notify(
        organization=debtor.organization,
        template="portal/email/controller_promise",
        context={"debtor": debtor, "promise": promise, "invoices": invoices},
    )
    return promise


def _check_promised_date(promised_date: dt.date, today: dt.date) -> None:
    latest = today + dt.timedelta(days=PROMISE_MAX_DAYS_AHEAD)
    if not today <= promised_date <= latest:
        raise DomainError(
            gettext("Choose a date from %(first)s to %(last)s; %(date)s is outside that range.")
            % {"first": today.isoformat(), "last": latest.isoformat(), "date": promised_date.isoformat()},
            code="invalid_date",
            field="promised_date",
        )


def _check_not_promised(invoices: list[Invoice], today: dt.date) -> None:
    promised = (
        Hold.objects.filter(
            invoice__in=invoices, reason=HoldReason.PROMISE_TO_PAY, released_at__isnull=True, until__gte=today
        )
        .select_related("invoice")
        .first()
    )
    if promised is not None:
        raise DomainError(
            gettext("You already promised to pay invoice %(number)s. To change the date, ask us a question.")
            % {"number": promised.invoice.number},
            code="already_promised",
            field="invoices",
        )


@transaction.atomic
def promise_answer(*, promise: PaymentPromise, answer: str, user) -> PaymentPromise:
    """Answer a promise to pay; the holds stay until the promised date plus the grace period."""
    answer = _checked_answer(answer)
    claimed = PaymentPromise.objects.filter(pk=promise.pk, status=PromiseStatus.OPEN).update(
        status=PromiseStatus.ANSWERED, answer=answer, answered_by=user, answered_at=timezone.now()
    )
    if not claimed:
        raise ValidationError(gettext("This promise has already been answered."))
    promise.refresh_from_db()

    _record_answer(promise.debtor, None, answer, user, "promise", promise.pk)
    debtor_email_queue(
        debtor=promise.debtor,
        kind=EmailKind.ANSWER,
        template="portal/email/promise_answer",
        context={"promise": promise, "portal_url": portal_url_for_debtor(promise.debtor)},
    )
    return promise


# Contact details and copies


def phone_normalize(raw: str, country: str) -> str:
    """Return the phone number in E.164 form (+31201234567); raise DomainError if it is not valid.

    A number without a country code is read as one of ``country``.
    """
    raw = raw.strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, (country or "NL").upper())
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise DomainError(
            gettext(
                "%(phone)s is not a valid phone number. Write it with the country code, for example +31 20 123 4567."
            )
            % {"phone": raw},
            code="invalid_phone",
            field="phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@transaction.atomic
def contact_update(*, debtor: Debtor, email: str, phone: str) -> dict:
    """Change the debtor's e-mail address and phone number as they entered them.

    The old address, if any, gets a notice of the change, so that a person
    who found the link cannot quietly redirect the debtor's mail.
    Returns ``{field: (old, new)}``.
    """
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError(
            gettext("%(email)s is not a valid e-mail address. Check it, for example name@example.com.")
            % {"email": email},
            code="invalid_email",
            field="email",
        ) from None
    phone = phone_normalize(phone, debtor.country or debtor.organization.country)
    since = timezone.now() - dt.timedelta(days=1)
    recent = TimelineEvent.objects.filter(
        debtor=debtor, kind=TimelineKind.NOTE, data__event="contact_updated", occurred_at__gte=since
    ).count()
    if recent >= CONTACT_CHANGES_PER_DAY:
        raise DomainError(
            gettext("Your contact details were changed %(count)d times today. Try again tomorrow or call us.")
            % {"count": recent},
            code="too_many",
            field="email",
        )
    old_email = debtor.email
    changes = debtor_contact_change(debtor=debtor, email=email, phone=phone)
    if not changes:
        return {}

    timeline_record(
        debtor=debtor,
        kind=TimelineKind.NOTE,
        summary="Contact details changed in the portal: "
        + ", ".join(f"{name} {new}" for name, (_, new) in changes.items()),
        data={
            "event": "contact_updated",
            "source": "portal",
            "changes": {name: {"old": old, "new": new} for name, (old, new) in changes.items()},
        },
    )
    if "email" in changes and old_email:
        debtor_email_queue(
            debtor=debtor,
            kind=EmailKind.CONTACT_CHANGED,
            template="portal/email/contact_changed",
            context={"changes": changes, "new_email": email},
            recipient=old_email,
        )
    controller_notify(
        organization=debtor.organization,
        template="portal/email/controller_contact",
        context={"debtor": debtor, "changes": changes},
    )
    return changes


@transaction.atomic
def copy_request(*, debtor: Debtor, invoice: Invoice) -> OutgoingEmail:
    """E-mail a copy of the invoice as PDF to the debtor's own address, at most a few times a day."""
    if invoice.debtor_id != debtor.pk:
        raise DomainError(gettext("Choose one of your invoices."), code="invalid", field="invoice")
    if not debtor.email:
        raise DomainError(
            gettext("We have no e-mail address for you. Add one under contact details first."),
            code="no_email",
            field="email",
        )
    since = timezone.now() - dt.timedelta(days=1)
    recent = OutgoingEmail.objects.filter(invoice=invoice, kind=EmailKind.INVOICE_COPY, created_at__gte=since).count()
    if recent >= COPY_REQUESTS_PER_DAY:
        raise DomainError(
            gettext("We already sent %(count)d copies of invoice %(number)s today. Check your inbox and spam folder.")
            % {"count": recent, "number": invoice.number},
            code="too_many",
            field="invoice",
        )

    email = debtor_email_queue(
        debtor=debtor,
        kind=EmailKind.INVOICE_COPY,
        template="portal/email/invoice_copy",
        context={"invoice": invoice, "portal_url": portal_url_for_debtor(debtor)},
        invoice=invoice,
    )
    timeline_record(
        debtor=debtor,
        invoice=invoice,
        kind=TimelineKind.NOTE,
        summary=f"Copy of {invoice.number} requested in the portal and e-mailed to {debtor.email}",
        data={"event": "copy_requested", "source": "portal", "number": invoice.number, "email": debtor.email},
    )
    return email


# Shared checks


def _receivable_invoice_of(debtor: Debtor, invoice: Invoice) -> Invoice:
    """Return the invoice if the debtor still owes money on it; raise DomainError otherwise."""
    if invoice.debtor_id != debtor.pk:
        raise DomainError(gettext("Choose one of your invoices."), code="invalid", field="invoice")
    if invoice.kind != DocumentKind.INVOICE or invoice.cancelled_at is not None or invoice.open_amount <= 0:
        raise DomainError(
            gettext("Invoice %(number)s has nothing left to pay.") % {"number": invoice.number},
            code="not_open",
            field="invoice",
        )
    return invoice


def _checked_text(text: str, *, field: str, required: bool) -> str:
    text = (text or "").strip()
    if required and not text:
        raise DomainError(gettext("Explain the reason in a few words."), code="required", field=field)
    if len(text) > TEXT_MAX_LENGTH:
        raise DomainError(
            gettext("The text has %(length)d characters; the maximum is %(maximum)d.")
            % {"length": len(text), "maximum": TEXT_MAX_LENGTH},
            code="too_long",
            field=field,
        )
    return text


def _checked_answer(answer: str) -> str:
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": gettext("The answer is empty; write an answer before sending.")})
    if len(answer) > ANSWER_MAX_LENGTH:
        raise ValidationError(
            {
                "answer": gettext("The answer is longer than %(max)d characters; shorten it.")
                % {"max": ANSWER_MAX_LENGTH}
            }
        )
    return answer


def _record_answer(debtor: Debtor, invoice: Invoice | None, answer: str, user, subject: str, subject_id) -> None:
    timeline_record(
        debtor=debtor,
        invoice=invoice,
        kind=TimelineKind.ANSWER,
        summary=f"Answer to {subject}: {answer}",
        data={f"{subject}_id": str(subject_id), "answered_by": user.get_username(), "text": answer},
    )
    audit_record(organization=debtor.organization, actor=user, action=f"{subject}.answered", target=str(subject_id))
