"""How one reminder goes out on each channel: e-mail, letter, SMS or phone task.

``deliver`` talks to the outside world (the SMTP server, the SMS
provider) or checks the data (address, number, fonts), and returns a
``Delivery``. ``dunning.sender.message_record_sent`` then writes the
outcome in one transaction: the letter's batch, the phone task, the sent
status. Nothing here writes to the database.
"""

import datetime as dt
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.mail import BadHeaderError, EmailMultiAlternatives
from django.core.validators import validate_email
from django.utils import translation
from django.utils.text import slugify

from dunning.content import reminder_context, reminder_subject, render_bodies, wording_for
from dunning.letters import MissingPostalAddress, postal_address_lines, render_letter_pdf
from dunning.models import Channel, Message, StepTemplate
from dunning.pdf import render_reminder_pdf
from dunning.scripts import phone_script
from dunning.selectors import ReminderLine
from dunning.sms import reminder_sms_text, sms_provider
from invoices.pdf import MissingGlyphsError
from payt.dates import local_today
from payt.phones import InvalidPhoneNumber, normalize_phone
from portal.services import portal_url_for_debtor


class MessageDataError(ValueError):
    """Raised when a message cannot be sent because of its data; a retry would not help."""


# Errors that fail a message at once: a person must fix the data and retry it.
DATA_ERRORS = (MessageDataError, MissingGlyphsError, BadHeaderError, MissingPostalAddress, InvalidPhoneNumber)


@dataclass(frozen=True)
class Delivery:
    """The outcome of one send, as ``message_record_sent`` records it."""

    channel: str
    subject: str
    recipient: str = ""
    delivered_on: dt.date | None = None
    provider_id: str = ""
    phone_script: str = ""
    note: str = ""


def deliver(message: Message, channel: str, lines: list[ReminderLine], note: str = "") -> Delivery:
    """Send or prepare the message on ``channel``; raises one of ``DATA_ERRORS`` or a transient error."""
    senders = {
        Channel.EMAIL: deliver_email,
        Channel.LETTER: deliver_letter,
        Channel.SMS: deliver_sms,
        Channel.PHONE: deliver_phone,
    }
    return senders[channel](message, lines, note)


def fallback_channel(message: Message) -> str:
    """Return the channel that replaces e-mail for a debtor whose address is doubtful.

    A phone call when the debtor has a valid number, otherwise a letter. A
    14-day letter always becomes a letter, because it has to reach the
    debtor in writing.
    """
    debtor = message.debtor
    if message.template != StepTemplate.FOURTEEN_DAY_LETTER and _valid_phone(message):
        return Channel.PHONE
    if debtor.address_line and debtor.city:
        return Channel.LETTER
    raise MessageDataError(
        f"The e-mail address {debtor.email!r} of debtor {debtor.name!r} is marked doubtful and the debtor "
        "has no phone number or postal address; correct the e-mail address and retry the message."
    )


def _valid_phone(message: Message) -> str:
    try:
        return normalize_phone(message.debtor.phone, _country(message)) if message.debtor.phone else ""
    except InvalidPhoneNumber:
        return ""


def _country(message: Message) -> str:
    return message.debtor.country or message.organization.country


def deliver_email(message: Message, lines: list[ReminderLine], note: str = "") -> Delivery:
    email = build_reminder_email(message, lines)
    email.send()
    return Delivery(
        channel=Channel.EMAIL,
        subject=email.subject,
        recipient=message.debtor.email,
        delivered_on=local_today(message.organization),
        note=note,
    )


def build_reminder_email(message: Message, lines: list[ReminderLine]) -> EmailMultiAlternatives:
    """Render the reminder in the debtor's language: text and HTML bodies, the PDF attached."""
    recipient = _valid_recipient(message)
    portal_url = portal_url_for_debtor(message.debtor)
    with translation.override(message.language):
        subject = reminder_subject(message, lines)
        text_body, html_body = render_bodies(reminder_context(message, lines, portal_url))
        pdf = render_reminder_pdf(message, lines, portal_url)
        filename = f"{slugify(str(wording_for(message, lines).title))}-{message.run_date.isoformat()}.pdf"

    email = EmailMultiAlternatives(
        subject=subject,
        body=text_body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
        reply_to=[message.organization.email] if message.organization.email else None,
        headers={"Message-ID": message_id_header(message)},
    )
    email.attach_alternative(html_body, "text/html")
    email.attach(filename, pdf, "application/pdf")
    return email


def _valid_recipient(message: Message) -> str:
    recipient = message.debtor.email
    if not recipient:
        raise MessageDataError(
            f"Debtor {message.debtor.name!r} has no e-mail address; add one and requeue the message."
        )
    try:
        validate_email(recipient)
    except ValidationError:
        raise MessageDataError(
            f"E-mail address {recipient!r} of debtor {message.debtor.name!r} is invalid; "
            "correct it and requeue the message."
        ) from None
    return recipient


def message_id_header(message: Message) -> str:
    """Return the Message-ID of the message's e-mail: it names the message and its organisation.

    The same Message-ID on every attempt lets a receiving server drop a copy
    that a retry delivered after an ambiguous SMTP failure. A bounce report
    quotes it, and ``dunning.bounces`` finds the message from it without
    searching every organisation.
    """
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<dunning-{message.pk}.{message.organization_id}@{domain}>"


def deliver_letter(message: Message, lines: list[ReminderLine], note: str = "") -> Delivery:
    """Render the letter once to check its address and fonts; the batch build prints it."""
    address = postal_address_lines(message.debtor, message.organization)
    render_letter_pdf(message, lines, portal_url_for_debtor(message.debtor))
    with translation.override(message.language):
        subject = reminder_subject(message, lines)
    return Delivery(channel=Channel.LETTER, subject=subject, recipient=", ".join(address[1:]), note=note)


def deliver_sms(message: Message, lines: list[ReminderLine], note: str = "") -> Delivery:
    debtor = message.debtor
    if not debtor.phone:
        raise MessageDataError(f"Debtor {debtor.name!r} has no phone number; add a mobile number and retry.")
    to = normalize_phone(debtor.phone, _country(message), sms=True)
    portal_url = portal_url_for_debtor(debtor)
    with translation.override(message.language):
        subject = reminder_subject(message, lines)
        text = reminder_sms_text(
            creditor=message.organization.name,
            title=str(wording_for(message, lines).title),
            numbers=[line.invoice.number for line in lines],
            total=reminder_context(message, lines, portal_url)["total_open"],
            portal_url=portal_url,
        )
    try:
        provider = sms_provider()
    except ImproperlyConfigured as error:
        raise MessageDataError(str(error)) from None
    provider_id = provider.send(to, text)
    return Delivery(
        channel=Channel.SMS,
        subject=subject,
        recipient=to,
        delivered_on=local_today(message.organization),
        provider_id=provider_id[:100],
        note=note,
    )


def deliver_phone(message: Message, lines: list[ReminderLine], note: str = "") -> Delivery:
    """Prepare the call: the script and the number to dial (empty when the debtor has none that is valid)."""
    script = phone_script(message, lines, portal_url=portal_url_for_debtor(message.debtor))
    return Delivery(
        channel=Channel.PHONE,
        subject=str(message.get_template_display()),
        recipient=_valid_phone(message) or message.debtor.phone,
        phone_script=script,
        note=note,
    )
