"""Sending from the outbox: claim, re-check at send time, retries and stale claims."""

import datetime as dt
import smtplib
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from debtors.models import Debtor
from debtors.services import debtor_create
from dunning.models import ActionStatus, DunningAction, Message, MessageStatus
from dunning.sender import (
    MAX_SEND_ATTEMPTS,
    dunning_message_send,
    message_claim,
    message_requeue_stale,
    message_retry_failed,
)
from dunning.services import dunning_run
from dunning.tasks import send_message
from invoices.models import PaymentSource
from invoices.services import invoice_register, payment_register
from payt.tenancy import tenant_context
from tests.dunning import backends
from tests.dunning.helpers import messages_of

RUN_DATE = dt.date(2025, 10, 8)


@pytest.fixture
def flaky_mail(settings):
    settings.EMAIL_BACKEND = "tests.dunning.backends.FlakyBackend"
    backends.planned_errors.clear()
    yield backends.planned_errors
    backends.planned_errors.clear()


@pytest.fixture
def planned_message(org_alfa, make_invoice):
    """One invoice due 2025-10-01, planned (not sent) on its friendly-reminder day."""
    invoice = make_invoice(org_alfa, number="INV-2025-040", total="250.00", due_date=dt.date(2025, 10, 1))
    result = dunning_run(organization=org_alfa, run_date=RUN_DATE)
    [message_id] = result.message_ids
    return invoice, message_id


def send(organization, message_id):
    with tenant_context(organization):
        return dunning_message_send(message_id=message_id)


def message_row(organization, message_id) -> Message:
    with tenant_context(organization):
        return Message.objects.get(pk=message_id)


def actions_of(organization):
    with tenant_context(organization):
        return list(DunningAction.objects.order_by("invoice__number").select_related("invoice"))


def test_payment_after_planning_cancels_send(org_alfa, planned_message):
    invoice, message_id = planned_message
    with tenant_context(org_alfa):
        payment_register(
            organization=org_alfa,
            amount=Decimal("250.00"),
            payment_date=RUN_DATE,
            invoice=invoice,
            source=PaymentSource.MOLLIE,
            external_id="tr_test_A",
        )

    status = send(org_alfa, message_id)

    assert status == MessageStatus.SKIPPED
    assert mail.outbox == []
    message = message_row(org_alfa, message_id)
    assert message.status == MessageStatus.SKIPPED
    assert message.status_reason == "Nothing left to remind: INV-2025-040 invoice paid"
    assert message.sent_at is None
    [action] = actions_of(org_alfa)
    assert (action.status, action.status_reason) == (ActionStatus.SKIPPED, "invoice paid")
    with tenant_context(org_alfa):
        invoice.refresh_from_db()
        assert DunningAction.objects.filter(invoice=invoice, status=ActionStatus.SENT).count() == 0
    assert invoice.open_amount == Decimal("0.00")


def test_paid_invoice_dropped_from_shared_message(org_alfa, make_invoice, pay):
    first = make_invoice(org_alfa, number="INV-1", total="100.00", due_date=dt.date(2025, 10, 1), language="en")
    second = make_invoice(org_alfa, number="INV-2", total="80.00", due_date=dt.date(2025, 10, 1), debtor=first.debtor)
    [message_id] = dunning_run(organization=org_alfa, run_date=RUN_DATE).message_ids
    pay(second, "80.00", RUN_DATE)

    assert send(org_alfa, message_id) == MessageStatus.SENT

    [email] = mail.outbox
    assert email.subject == "Friendly reminder: invoice INV-1 from Alfa Installaties BV"
    assert "INV-2" not in email.body
    assert [(a.invoice.number, a.status, a.status_reason) for a in actions_of(org_alfa)] == [
        ("INV-1", ActionStatus.SENT, ""),
        ("INV-2", ActionStatus.SKIPPED, "invoice paid"),
    ]


def test_message_sent_once_when_sent_twice(org_alfa, planned_message):
    _, message_id = planned_message

    assert send(org_alfa, message_id) == MessageStatus.SENT
    assert send(org_alfa, message_id) is None

    assert len(mail.outbox) == 1
    assert message_row(org_alfa, message_id).attempts == 1


def test_message_claimed_elsewhere_not_sent(org_alfa, planned_message):
    _, message_id = planned_message
    with tenant_context(org_alfa):
        assert message_claim(message_id=message_id) is not None
        assert message_claim(message_id=message_id) is None

    assert send(org_alfa, message_id) is None
    assert mail.outbox == []
    assert message_row(org_alfa, message_id).status == MessageStatus.SENDING


def test_transient_error_requeues_then_sends(org_alfa, planned_message, flaky_mail):
    _, message_id = planned_message
    flaky_mail.append(smtplib.SMTPServerDisconnected("Connection unexpectedly closed"))

    with pytest.raises(smtplib.SMTPServerDisconnected):
        send(org_alfa, message_id)
    message = message_row(org_alfa, message_id)
    assert message.status == MessageStatus.QUEUED
    assert message.attempts == 1
    assert message.status_reason == "Attempt 1 failed, will retry: Connection unexpectedly closed"
    assert mail.outbox == []

    assert send(org_alfa, message_id) == MessageStatus.SENT
    message = message_row(org_alfa, message_id)
    assert (message.status, message.attempts, message.status_reason) == (MessageStatus.SENT, 2, "")
    assert len(mail.outbox) == 1


def test_transient_errors_fail_after_max_attempts(org_alfa, planned_message, flaky_mail):
    _, message_id = planned_message
    flaky_mail.extend(ConnectionRefusedError(111, "Connection refused") for _ in range(MAX_SEND_ATTEMPTS))

    for _ in range(MAX_SEND_ATTEMPTS - 1):
        with pytest.raises(ConnectionRefusedError):
            send(org_alfa, message_id)
    assert send(org_alfa, message_id) == MessageStatus.FAILED
    assert send(org_alfa, message_id) is None

    message = message_row(org_alfa, message_id)
    assert message.status == MessageStatus.FAILED
    assert message.attempts == 6
    assert message.status_reason == "Sending failed after 6 attempts: [Errno 111] Connection refused"
    assert mail.outbox == []


def test_permanent_smtp_rejection_fails_at_once(org_alfa, planned_message, flaky_mail):
    _, message_id = planned_message
    flaky_mail.append(smtplib.SMTPRecipientsRefused({"inv-2025-040@debtor.example": (550, b"No such user")}))

    assert send(org_alfa, message_id) == MessageStatus.FAILED

    message = message_row(org_alfa, message_id)
    assert message.status == MessageStatus.FAILED
    assert message.attempts == 1
    assert message.status_reason == (
        "SMTP server rejected the message: {'inv-2025-040@debtor.example': (550, b'No such user')}"
    )


def test_task_retries_transient_errors(org_alfa, planned_message, flaky_mail):
    _, message_id = planned_message
    flaky_mail.extend([smtplib.SMTPServerDisconnected("closed"), ConnectionResetError(104, "reset")])

    # apply() runs the task and its retries in this process, without a broker.
    result = send_message.apply(args=[str(org_alfa.pk), str(message_id)])

    assert result.get() == MessageStatus.SENT
    assert len(mail.outbox) == 1
    assert message_row(org_alfa, message_id).attempts == 3


def test_task_retry_settings():
    assert send_message.autoretry_for == (smtplib.SMTPException, ConnectionError, TimeoutError)
    assert send_message.max_retries == 5
    assert send_message.retry_backoff is True
    assert send_message.time_limit == 180


def test_stale_claim_released_and_sent_once(org_alfa, planned_message):
    _, message_id = planned_message
    with tenant_context(org_alfa):
        # A worker claimed the message 20 minutes ago and died before sending.
        message_claim(message_id=message_id)
        Message.objects.filter(pk=message_id).update(claimed_at=timezone.now() - dt.timedelta(minutes=20))

    assert message_requeue_stale(organization=org_alfa) == [message_id]
    message = message_row(org_alfa, message_id)
    assert message.status == MessageStatus.QUEUED
    assert message.status_reason == "Released after the sending worker stopped without finishing."

    assert send(org_alfa, message_id) == MessageStatus.SENT
    assert message_requeue_stale(organization=org_alfa) == []
    assert send(org_alfa, message_id) is None
    assert len(mail.outbox) == 1
    assert message_row(org_alfa, message_id).attempts == 2


def test_recent_claim_not_released(org_alfa, planned_message):
    _, message_id = planned_message
    with tenant_context(org_alfa):
        message_claim(message_id=message_id)
        Message.objects.filter(pk=message_id).update(claimed_at=timezone.now() - dt.timedelta(minutes=5))

    assert message_requeue_stale(organization=org_alfa) == []
    assert message_row(org_alfa, message_id).status == MessageStatus.SENDING


def test_stale_claim_fails_after_max_attempts(org_alfa, planned_message):
    _, message_id = planned_message
    with tenant_context(org_alfa):
        Message.objects.filter(pk=message_id).update(
            status=MessageStatus.SENDING,
            attempts=MAX_SEND_ATTEMPTS,
            claimed_at=timezone.now() - dt.timedelta(minutes=20),
        )

    assert message_requeue_stale(organization=org_alfa) == []
    message = message_row(org_alfa, message_id)
    assert message.status == MessageStatus.FAILED
    assert message.status_reason == "Sending did not finish in 6 attempts; the worker stopped each time."


def test_queued_message_without_task_requeued(org_alfa, planned_message):
    _, message_id = planned_message
    now = timezone.now()

    assert message_requeue_stale(organization=org_alfa, now=now) == []
    assert message_requeue_stale(organization=org_alfa, now=now + dt.timedelta(minutes=16)) == [message_id]
    assert message_row(org_alfa, message_id).status == MessageStatus.QUEUED


def test_sender_sees_only_its_tenant(org_alfa, org_bravo, planned_message):
    _, message_id = planned_message

    assert send(org_bravo, message_id) is None
    assert mail.outbox == []
    assert [m.status for m in messages_of(org_alfa)] == [MessageStatus.QUEUED]


def test_failed_message_retried_after_fix(org_alfa):
    with tenant_context(org_alfa):
        debtor = debtor_create(organization=org_alfa, name="No Mail BV", language="en")
        invoice_register(
            organization=org_alfa,
            debtor=debtor,
            number="INV-NM",
            issue_date=dt.date(2025, 9, 1),
            due_date=dt.date(2025, 10, 1),
            total_amount=Decimal("100.00"),
        )
    [message_id] = dunning_run(organization=org_alfa, run_date=RUN_DATE).message_ids
    assert send(org_alfa, message_id) == MessageStatus.FAILED

    with tenant_context(org_alfa):
        Debtor.objects.filter(pk=debtor.pk).update(email="ap@nomail.example")
        assert message_retry_failed(message_id=message_id) is True
        assert message_retry_failed(message_id=message_id) is False
    message = message_row(org_alfa, message_id)
    assert (message.status, message.attempts) == (MessageStatus.QUEUED, 0)

    assert send(org_alfa, message_id) == MessageStatus.SENT
    [email] = mail.outbox
    assert email.to == ["ap@nomail.example"]
    message = message_row(org_alfa, message_id)
    assert (message.status, message.recipient, message.attempts) == (
        MessageStatus.SENT,
        "ap@nomail.example",
        1,
    )
