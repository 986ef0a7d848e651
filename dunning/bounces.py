"""Bounced e-mail: the reminder did not arrive, so a call replaces it and the address is marked doubtful.

A bounce comes from the SMTP server at send time (a permanent 5xx
rejection) or later, from a bounce report posted to the webhook. Either
way, ``email_bounce_record`` puts a call on the worklist and marks the
debtor's address doubtful, once per message. While the address is doubtful
the sender sends no e-mail to it; correcting the address clears the flag.
"""

import logging
import re
import uuid

from django.db import transaction

from debtors.models import Debtor, TimelineEvent, TimelineKind
from debtors.services import timeline_record
from dunning.models import Channel, Message, MessageStatus, PhoneTask, PhoneTaskSource
from dunning.phone import phone_task_create
from dunning.scripts import bounce_note_text, phone_script
from dunning.selectors import reminder_lines
from payt.api_errors import DomainError
from payt.models import Organization
from payt.tenancy import tenant_context
from portal.services import portal_url_for_debtor

logger = logging.getLogger(__name__)

BOUNCE_EVENT = "email_bounced"
RECORDED = "recorded"
ALREADY_RECORDED = "already_recorded"
UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
# <dunning-MESSAGE.ORGANISATION@domain>, or <dunning-MESSAGE@domain> from before the organisation was added.
MESSAGE_ID_HEADER = re.compile(rf"^<?dunning-(?P<message>{UUID})(?:\.(?P<organization>{UUID}))?@[^>\s]+>?$")
BARE_ID = re.compile(rf"^(?P<message>{UUID})$")


@transaction.atomic
def email_bounce_record(*, message_id, address: str, reason: str) -> PhoneTask | None:
    """Record that the message's e-mail to ``address`` bounced; return the call task, or None if known already.

    Marks the debtor's address doubtful when ``address`` is still the
    debtor's address (it may have been corrected since). A message that was
    counted as sent no longer counts as delivered: it becomes failed, so
    a 14-day term cannot start from it.
    """
    message = Message.objects.select_for_update().select_related("debtor", "organization").get(pk=message_id)
    debtor = message.debtor
    if _bounce_known(message):
        logger.info("Bounce of message %s was recorded before; nothing to do", message.pk)
        return None

    if address and address.strip().lower() == debtor.email.strip().lower():
        Debtor.objects.filter(pk=debtor.pk).update(email_doubtful=True)
        debtor.email_doubtful = True
    if message.status == MessageStatus.SENT:
        Message.objects.filter(pk=message.pk).update(
            status=MessageStatus.FAILED, status_reason=f"Bounced after sending: {reason}"[:300], delivered_on=None
        )

    task = _bounce_phone_task(message, address, reason)
    timeline_record(
        debtor=debtor,
        kind=TimelineKind.MESSAGE,
        summary=f"E-mail to {address or '-'} bounced: {reason}",
        data={"event": BOUNCE_EVENT, "message_id": str(message.pk), "address": address, "reason": reason[:200]},
    )
    logger.info("Bounce of message %s recorded; phone task %s for debtor %s", message.pk, task.pk, debtor.pk)
    return task


def _bounce_known(message: Message) -> bool:
    events = TimelineEvent.objects.filter(debtor_id=message.debtor_id, kind=TimelineKind.MESSAGE)
    return events.filter(data__event=BOUNCE_EVENT, data__message_id=str(message.pk)).exists()


def _bounce_phone_task(message: Message, address: str, reason: str) -> PhoneTask:
    lines = reminder_lines(message)
    note = bounce_note_text(message, address, reason)
    portal_url = portal_url_for_debtor(message.debtor)
    linked = PhoneTask.objects.filter(message=message).exists()
    return phone_task_create(
        debtor=message.debtor,
        source=PhoneTaskSource.BOUNCE,
        invoice=lines[0].invoice if len(lines) == 1 else None,
        reason=f"E-mail to {address or '-'} bounced: {reason}",
        script=phone_script(message, lines, portal_url=portal_url, bounce_note=note),
        message=None if linked else message,
    )


def email_bounce_receive(*, reference: str, reason: str) -> str:
    """Apply a bounce report that names a message by its Message-ID header or its id.

    Returns ``RECORDED`` or ``ALREADY_RECORDED``. Raises ``DomainError``
    when the reference is malformed (400), names no known message (404) or
    names a message that was not an e-mail (409).
    """
    message_pk, organization_pk = _parse_reference(reference)
    organization, message = _find_message(message_pk, organization_pk)
    if message is None:
        raise DomainError(
            f"No message {reference} is known; check the Message-ID of the bounced e-mail.",
            code="not_found",
            field="message_id",
            status_code=404,
        )
    with tenant_context(organization):
        if message.channel != Channel.EMAIL:
            raise DomainError(
                f"Message {reference} did not go out by e-mail, so it cannot bounce.",
                code="not_email",
                field="message_id",
                status_code=409,
            )
        task = email_bounce_record(message_id=message.pk, address=message.recipient, reason=reason)
    return RECORDED if task is not None else ALREADY_RECORDED


def _parse_reference(reference: str) -> tuple[uuid.UUID, uuid.UUID | None]:
    reference = reference.strip()
    match = MESSAGE_ID_HEADER.match(reference) or BARE_ID.match(reference)
    if match is None:
        raise DomainError(
            f"message_id {reference[:200]!r} is neither the Message-ID header of a reminder "
            "(<dunning-...@...>) nor a message id (a UUID).",
            code="invalid",
            field="message_id",
        )
    organization = match.groupdict().get("organization")
    return uuid.UUID(match["message"]), uuid.UUID(organization) if organization else None


def _find_message(message_pk: uuid.UUID, organization_pk: uuid.UUID | None):
    """Return (organisation, message) for the ids, or (None, None)."""
    if organization_pk is not None:
        candidates = Organization.objects.filter(pk=organization_pk)
    else:
        # TODO: a bare message id, or a Message-ID without the organisation, is looked up
        # in every organisation in turn. A lookup policy on dunning_message, like the one
        # on Mollie payments, would make it one query.
        candidates = Organization.objects.order_by("pk")
    for organization in candidates:
        with tenant_context(organization):
            message = Message.objects.filter(pk=message_pk).select_related("debtor").first()
        if message is not None:
            return organization, message
    return None, None
