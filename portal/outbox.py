"""The portal's outgoing e-mail: rows written with the change that caused them, sent by a task.

``email_queue`` stores the message in the caller's transaction and enqueues
``portal.tasks.send_outgoing_email`` after the commit, so a rolled-back
change sends nothing and a lost task is picked up again by
``emails_requeue_stale``. ``email_send`` claims a row before sending it, so
two workers never send the same row.
"""

import datetime as dt
import logging
import smtplib
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from debtors.models import Debtor
from invoices.models import Invoice
from invoices.pdf import MissingGlyphsError, render_invoice_pdf
from payt.models import Organization
from portal.models import EmailKind, EmailStatus, OutgoingEmail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# A claim older than this belongs to a worker that died while sending.
CLAIM_TIMEOUT = dt.timedelta(minutes=15)
# Errors after which the same e-mail may go through later.
TRANSIENT_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError, OSError)


def email_queue(
    *,
    organization: Organization,
    kind: str,
    recipient: str,
    subject: str,
    body: str,
    debtor: Debtor | None = None,
    invoice: Invoice | None = None,
    language: str = "",
) -> OutgoingEmail:
    """Store an e-mail and send it after the surrounding transaction commits."""
    email = OutgoingEmail.objects.create(
        organization=organization,
        kind=kind,
        debtor=debtor,
        invoice=invoice,
        language=language,
        recipient=recipient,
        reply_to=organization.email if kind != EmailKind.CONTROLLER_NOTICE else "",
        subject=" ".join(subject.split())[:300],
        body=body,
    )
    # A broker outage must not fail the committed request, so the callback is robust and
    # requeue_stale_emails sends the e-mail later.
    transaction.on_commit(partial(_enqueue, organization.pk, email.pk), robust=True)
    return email


def _enqueue(organization_id, email_id) -> None:
    from portal.tasks import send_outgoing_email

    send_outgoing_email.delay(str(organization_id), str(email_id))


def debtor_email_queue(
    *, debtor: Debtor, kind: str, template: str, context: dict, invoice: Invoice | None = None, recipient: str = ""
) -> OutgoingEmail | None:
    """Render ``template``_subject.txt and _body.txt in the debtor's language and queue them.

    Returns None, and sends nothing, when there is no address to send to.
    """
    recipient = recipient or debtor.email
    if not recipient:
        logger.info("No %s e-mail for debtor %s: no e-mail address", kind, debtor.pk)
        return None
    organization = debtor.organization
    context = {"debtor": debtor, "organization": organization, **context}
    with translation.override(debtor.language):
        subject = render_to_string(f"{template}_subject.txt", context)
        body = render_to_string(f"{template}_body.txt", context)
    return email_queue(
        organization=organization,
        kind=kind,
        recipient=recipient,
        subject=subject,
        body=body,
        debtor=debtor,
        invoice=invoice,
        language=debtor.language,
    )


def controller_notify(*, organization: Organization, template: str, context: dict) -> OutgoingEmail | None:
    """E-mail the organisation's contact address about a debtor's response, in the dashboard language.

    Without a contact address nothing is sent; the dashboard's inbox lists the response either way.
    """
    if not organization.email:
        return None
    language = organization.default_language if organization.default_language in settings.DASHBOARD_LANGUAGES else "en"
    context = {"organization": organization, "dashboard_url": settings.BASE_URL, **context}
    with translation.override(language):
        subject = render_to_string(f"{template}_subject.txt", context)
        body = render_to_string(f"{template}_body.txt", context)
    return email_queue(
        organization=organization,
        kind=EmailKind.CONTROLLER_NOTICE,
        recipient=organization.email,
        subject=subject,
        body=body,
        language=language,
    )


def email_send(*, email_id) -> bool:
    """Send one queued e-mail; return False when another worker has it or it is done.

    A transient error puts the row back in the queue and is raised again,
    so the task retries; after ``MAX_ATTEMPTS`` the row is marked failed.
    A document that cannot be rendered fails at once.
    """
    email = _claim(email_id)
    if email is None:
        return False
    try:
        _message(email).send()
    except MissingGlyphsError as error:
        _mark_unsent(email, str(error), final=True)
        logger.error("Portal e-mail %s failed for good: %s", email.pk, error)
        return False
    except TRANSIENT_ERRORS as error:
        final = email.attempts >= MAX_ATTEMPTS
        _mark_unsent(email, str(error), final=final)
        logger.warning("Portal e-mail %s attempt %d failed: %s", email.pk, email.attempts, error)
        if final:
            return False
        raise

    OutgoingEmail.objects.filter(pk=email.pk).update(status=EmailStatus.SENT, sent_at=timezone.now(), last_error="")
    logger.info("Sent portal e-mail %s (%s)", email.pk, email.kind)
    return True


def _claim(email_id) -> OutgoingEmail | None:
    now = timezone.now()
    claimable = Q(status=EmailStatus.QUEUED) | Q(status=EmailStatus.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT)
    claimed = OutgoingEmail.objects.filter(claimable, pk=email_id).update(
        status=EmailStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    return OutgoingEmail.objects.select_related("invoice__debtor", "invoice__organization").get(pk=email_id)


def _mark_unsent(email: OutgoingEmail, error: str, *, final: bool) -> None:
    status = EmailStatus.FAILED if final else EmailStatus.QUEUED
    OutgoingEmail.objects.filter(pk=email.pk).update(status=status, last_error=error[:300])


def _message(email: OutgoingEmail) -> EmailMessage:
    message = EmailMessage(
        subject=email.subject,
        body=email.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.recipient],
        reply_to=[email.reply_to] if email.reply_to else None,
        headers={"Content-Language": email.language} if email.language else None,
    )
    if email.invoice is not None:
        pdf = render_invoice_pdf(email.invoice, language=email.language or None)
        message.attach(pdf_filename(email.invoice.number), pdf, "application/pdf")
    return message


def pdf_filename(number: str) -> str:
    """Return ``<invoice number>.pdf`` with every character but letters, digits, - _ and . replaced."""
    safe = "".join(char if char.isalnum() or char in "-_." else "_" for char in number) or "invoice"
    return f"{safe}.pdf"


def emails_requeue_stale(organization: Organization) -> list:
    """Return the ids of e-mails still waiting: queued, or claimed by a worker that died."""
    stale = Q(status=EmailStatus.QUEUED) | Q(status=EmailStatus.SENDING, claimed_at__lt=timezone.now() - CLAIM_TIMEOUT)
    return list(
        OutgoingEmail.objects.for_organization(organization)
        .filter(stale, attempts__lt=MAX_ATTEMPTS, created_at__lt=timezone.now() - dt.timedelta(minutes=5))
        .values_list("pk", flat=True)
    )
