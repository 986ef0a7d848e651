"""Sending of dunning messages from the outbox (``dunning.models.Message``).

A message row is written by the planner before anything is sent. A sender
claims it with a conditional UPDATE (queued -> sending), so no two workers
process a row at once, then re-checks every invoice, renders the e-mail and
its PDF, sends, and marks the row sent. The steps are separate transactions
on purpose: no database transaction stays open while the SMTP server is
talking.

A worker that dies after its claim leaves the row in "sending";
``message_requeue_stale`` releases such rows after ``CLAIM_TIMEOUT``, which
is longer than the hard time limit of the send task, so a live worker does
not lose its row that way. If the worker died after the SMTP server had
accepted the mail, the release sends it again; the fixed Message-ID header
lets the receiving server recognise the copy.

Each message goes out on its channel: e-mail (bodies plus the PDF), letter
(into the day's letter batch, ``dunning.letters``), SMS (through the
provider of ``dunning.sms``) or phone (a task on the call list). An e-mail
to a debtor whose address is doubtful goes out as a phone task instead, or
as a letter when there is no phone number or the message is a 14-day
letter, which must be in writing.
"""

import datetime as dt
import logging
import smtplib

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from debtors.models import TimelineKind
from debtors.services import timeline_record
from dunning import selectors
from dunning.bounces import email_bounce_record
from dunning.channels import DATA_ERRORS, Delivery, deliver, fallback_channel
from dunning.fourteen_day import fourteen_day_letter_record
from dunning.letters import letter_batch_for_day
from dunning.models import (
    ActionStatus,
    Channel,
    DunningAction,
    LetterBatch,
    Message,
    MessageStatus,
    PhoneTask,
    PhoneTaskSource,
)
from dunning.phone import phone_task_create
from dunning.planner import hold_reason
from dunning.selectors import ReminderLine
from invoices.selectors import debtor_net_balance
from payt.dates import local_today
from payt.models import Organization
from payt.tenancy import tenant_context
from portal.models import Question, QuestionStatus

logger = logging.getLogger(__name__)

# The first try plus five retries.
MAX_SEND_ATTEMPTS = 6
CLAIM_TIMEOUT = dt.timedelta(minutes=getattr(settings, "DUNNING_SEND_CLAIM_TIMEOUT_MINUTES", 15))
TRANSIENT_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError)
REASON_MAX_LENGTH = 300
BUILD_LETTER_BATCH_TASK = "dunning.tasks.build_letter_batch"
FALLBACK_WORDS = {Channel.PHONE: "a phone task", Channel.LETTER: "a letter"}


def dunning_message_send(*, message_id) -> str | None:
    """Send one queued message on its channel; return its new status, or None if it was not queued.

    Transient SMTP, connection and SMS-provider errors put the message back
    in the queue and are re-raised so that the caller (the Celery task)
    retries. After ``MAX_SEND_ATTEMPTS`` the message fails instead. Data
    errors (no valid recipient, address or number, a character no font can
    draw) fail the message at once. A permanent SMTP rejection fails it and
    records a bounce: a phone task, and the address marked doubtful. Any
    other exception propagates and leaves the row in "sending" until
    ``message_requeue_stale`` releases it.
    """
    message = message_claim(message_id=message_id)
    if message is None:
        return None

    lines = message_recheck(message=message)
    if not lines:
        return MessageStatus.SKIPPED

    try:
        channel, note = message_route(message=message)
        delivery = deliver(message, channel, lines, note)
    except TRANSIENT_ERRORS as error:
        return _handle_delivery_error(message, error)
    except DATA_ERRORS as error:
        message_fail(message=message, reason=str(error))
        return MessageStatus.FAILED

    message_record_sent(message=message, delivery=delivery)
    return MessageStatus.SENT


def _handle_delivery_error(message: Message, error: Exception) -> str:
    if _is_permanent_smtp_error(error):
        reason = f"SMTP server rejected the message: {error}"
        message_fail(message=message, reason=reason)
        email_bounce_record(message_id=message.pk, address=message.debtor.email, reason=reason)
        return MessageStatus.FAILED
    if message.attempts >= MAX_SEND_ATTEMPTS:
        message_fail(message=message, reason=f"Sending failed after {message.attempts} attempts: {error}")
        return MessageStatus.FAILED
    message_release(message=message, reason=f"Attempt {message.attempts} failed, will retry: {error}")
    raise error


def _is_permanent_smtp_error(error: Exception) -> bool:
    """Tell whether the SMTP server returned a permanent (5xx) error for every recipient."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return False


def message_route(*, message: Message) -> tuple[str, str]:
    """Return the channel to send on and a note: the message's own, or a fallback for a doubtful address.

    Raises ``MessageDataError`` when the debtor can be reached on no other channel.
    """
    if message.channel != Channel.EMAIL or not message.debtor.email_doubtful:
        return message.channel, ""
    channel = fallback_channel(message)
    note = f"E-mail address {message.debtor.email} is doubtful; sent as {FALLBACK_WORDS[channel]} instead."
    return channel, note


def _move_to_channel(message: Message, channel: str) -> None:
    """Move the message to the channel it went out on, unless the debtor already has a message there that day."""
    try:
        with transaction.atomic():
            Message.objects.filter(pk=message.pk).update(channel=channel)
    except IntegrityError:
        # One message per debtor, channel and day: the row keeps its channel,
        # and the phone task or letter batch shows how it went out.
        logger.info(
            "Message %s keeps channel %s; the debtor has a %s message that day", message.pk, message.channel, channel
        )
        return
    message.channel = channel


@transaction.atomic
def message_claim(*, message_id) -> Message | None:
    """Move a queued message to "sending" and return it; None if it is not queued."""
    claimed = Message.objects.filter(pk=message_id, status=MessageStatus.QUEUED, attempts__lt=MAX_SEND_ATTEMPTS).update(
        status=MessageStatus.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1
    )
    if not claimed:
        logger.info(
            "Message %s is not queued (sending elsewhere, done or out of attempts); nothing to do",
            message_id,
        )
        return None
    return Message.objects.select_related("debtor", "organization").get(pk=message_id)


@transaction.atomic
def message_recheck(*, message: Message) -> list[ReminderLine]:
    """Skip the message's invoices that no longer need a reminder and return the rest.

    A payment, credit note, dispute or question may have arrived since the
    planning run. When no invoice is left, the message is marked skipped and
    never sent.
    """
    actions = list(
        DunningAction.objects.filter(message=message, status=ActionStatus.PLANNED)
        .select_related("invoice")
        .select_for_update(of=("self",))
    )
    questioned = _open_question_invoice_ids(actions)
    balances = {}
    skipped = []
    for action in actions:
        invoice = action.invoice
        key = invoice.currency
        if key not in balances:
            balances[key] = debtor_net_balance(message.debtor, currency=invoice.currency)
        reason = hold_reason(invoice, has_open_question=invoice.pk in questioned, net_balance=balances[key])
        if reason is not None:
            DunningAction.objects.filter(pk=action.pk).update(status=ActionStatus.SKIPPED, status_reason=reason)
            skipped.append(f"{invoice.number} {reason}")
        else:
            DunningAction.objects.filter(pk=action.pk).update(open_amount=invoice.open_amount)

    lines = selectors.reminder_lines(message, statuses=[ActionStatus.PLANNED])
    if not lines:
        reason = "Nothing left to remind: " + ("; ".join(skipped) or "no planned invoices")
        _set_status(message, MessageStatus.SKIPPED, reason)
        logger.info("Message %s skipped at send time: %s", message.pk, reason)
    return lines


def _open_question_invoice_ids(actions: list[DunningAction]) -> set:
    invoice_ids = [action.invoice_id for action in actions]
    questions = Question.objects.filter(invoice_id__in=invoice_ids, status=QuestionStatus.OPEN)
    return set(questions.values_list("invoice_id", flat=True))


@transaction.atomic
def message_record_sent(*, message: Message, delivery: Delivery) -> None:
    """Mark the message and its invoices' actions sent and record it on the debtor's timeline.

    A letter joins the organisation's letter batch of the day, and a call
    becomes a phone task, in the same transaction.
    """
    now = timezone.now()
    today = local_today(message.organization)
    actions = DunningAction.objects.filter(message=message, status=ActionStatus.PLANNED)
    numbers = list(actions.order_by("invoice__due_date", "invoice__number").values_list("invoice__number", flat=True))
    single_invoice = actions.first().invoice if len(numbers) == 1 else None
    if delivery.channel != message.channel:
        _move_to_channel(message, delivery.channel)
    letter_batch = None
    if delivery.channel == Channel.LETTER:
        letter_batch = letter_batch_for_day(organization=message.organization, day=today)
    if delivery.channel == Channel.PHONE:
        _phone_task_for(message, single_invoice, delivery)

    updated = Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
        status=MessageStatus.SENT,
        sent_at=now,
        subject=delivery.subject[:300],
        recipient=delivery.recipient[:254],
        status_reason=delivery.note[:REASON_MAX_LENGTH],
        delivered_on=delivery.delivered_on,
        provider_id=delivery.provider_id,
        letter_batch=letter_batch,
    )
    if not updated:
        logger.warning("Message %s was sent but its row was no longer in 'sending'", message.pk)
    actions.update(status=ActionStatus.SENT)
    if delivery.delivered_on is not None:
        message.channel, message.delivered_on = delivery.channel, delivery.delivered_on
        fourteen_day_letter_record(message=message, sent_on=delivery.delivered_on)

    summary, data = _timeline_entry(message, delivery, numbers, letter_batch)
    timeline_record(
        debtor=message.debtor, invoice=single_invoice, kind=TimelineKind.MESSAGE, summary=summary, data=data,
        occurred_at=now,
    )
    if letter_batch is not None:
        _enqueue_letter_batch_build(letter_batch)
    logger.info(
        "Message %s sent by %s to debtor %s for %d invoices",
        message.pk, delivery.channel, message.debtor_id, len(numbers),
    )


def _phone_task_for(message: Message, invoice, delivery: Delivery) -> None:
    linked = PhoneTask.objects.filter(message=message).exists()
    phone_task_create(
        debtor=message.debtor,
        source=PhoneTaskSource.WORKFLOW,
        invoice=invoice,
        reason=delivery.note or str(message.get_template_display()),
        script=delivery.phone_script,
        message=None if linked else message,
    )


def _timeline_entry(message: Message, delivery: Delivery, numbers: list[str], letter_batch) -> tuple[str, dict]:
    template = message.get_template_display()
    invoices = ", ".join(numbers)
    data = {"message_id": str(message.pk), "template": message.template, "invoices": numbers}
    if delivery.channel == Channel.EMAIL:
        return f"{template} sent to {delivery.recipient}: {invoices}", data

    data["channel"] = delivery.channel
    if delivery.channel == Channel.LETTER:
        data["letter_batch"] = str(letter_batch.pk)
        return f"{template} put in the letters of {letter_batch.batch_date.isoformat()}: {invoices}", data
    if delivery.channel == Channel.SMS:
        return f"{template} sent by SMS to {delivery.recipient}: {invoices}", data
    return f"{template} put on the call list: {invoices}", data


def _enqueue_letter_batch_build(letter_batch: LetterBatch) -> None:
    # By name, because dunning.tasks imports this module. Robust: the letter is
    # sent either way, and a failed enqueue only delays the build until the
    # next letter or the download, which builds a stale batch first.
    args = [str(letter_batch.organization_id), str(letter_batch.pk)]
    transaction.on_commit(lambda: current_app.send_task(BUILD_LETTER_BATCH_TASK, args=args), robust=True)


@transaction.atomic
def message_fail(*, message: Message, reason: str) -> None:
    """Mark the message failed with a reason a credit controller can act on."""
    _set_status(message, MessageStatus.FAILED, reason)
    logger.error("Message %s failed after %d attempts: %s", message.pk, message.attempts, reason)


@transaction.atomic
def message_release(*, message: Message, reason: str) -> None:
    """Put a claimed message back in the queue after a transient error."""
    _set_status(message, MessageStatus.QUEUED, reason)
    logger.warning("Message %s released for a retry: %s", message.pk, reason)


def _set_status(message: Message, status: str, reason: str) -> None:
    Message.objects.filter(pk=message.pk).update(status=status, status_reason=reason[:REASON_MAX_LENGTH])
    message.status = status
    message.status_reason = reason[:REASON_MAX_LENGTH]


@transaction.atomic
def message_retry_failed(*, message_id) -> bool:
    """Put a failed message back in the queue with fresh attempts; False if it had not failed.

    For a person who fixed the cause (an e-mail address, say). The caller
    enqueues ``dunning.tasks.send_message`` after the commit.
    """
    updated = Message.objects.filter(pk=message_id, status=MessageStatus.FAILED).update(
        status=MessageStatus.QUEUED,
        attempts=0,
        claimed_at=None,
        status_reason="Queued again after a failure.",
    )
    if updated:
        logger.info("Failed message %s queued again", message_id)
    return bool(updated)


@transaction.atomic
def message_requeue_stale(*, organization: Organization, now: dt.datetime | None = None) -> list:
    """Release messages whose sender died and return the ids of messages that need a send task.

    A message stuck in "sending" longer than ``CLAIM_TIMEOUT`` goes back to
    the queue, or fails once it has used all its attempts. A queued message
    older than ``CLAIM_TIMEOUT`` whose task was lost (for example, the
    process stopped between commit and enqueue) is returned as well.
    """
    cutoff = (now or timezone.now()) - CLAIM_TIMEOUT
    with tenant_context(organization):
        stale = Message.objects.filter(status=MessageStatus.SENDING, claimed_at__lt=cutoff).select_for_update(
            skip_locked=True
        )
        stale_ids = list(stale.values_list("pk", "attempts"))
        exhausted = [pk for pk, attempts in stale_ids if attempts >= MAX_SEND_ATTEMPTS]
        released = [pk for pk, attempts in stale_ids if attempts < MAX_SEND_ATTEMPTS]
        Message.objects.filter(pk__in=exhausted).update(
            status=MessageStatus.FAILED,
            status_reason=f"Sending did not finish in {MAX_SEND_ATTEMPTS} attempts; the worker stopped each time.",
        )
        Message.objects.filter(pk__in=released).update(
            status=MessageStatus.QUEUED,
            status_reason="Released after the sending worker stopped without finishing.",
        )
        waiting = Message.objects.filter(status=MessageStatus.QUEUED, created_at__lt=cutoff).filter(
            Q(claimed_at__isnull=True) | Q(claimed_at__lt=cutoff)
        )
        waiting_ids = [pk for pk in waiting.values_list("pk", flat=True) if pk not in released]

    for pk in exhausted:
        logger.error("Message %s failed: its sender stopped %d times", pk, MAX_SEND_ATTEMPTS)
    for pk in released:
        logger.warning("Message %s released: its sender stopped after claiming it", pk)
    return released + waiting_ids
