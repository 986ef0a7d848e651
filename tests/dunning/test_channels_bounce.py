"""Bounces: a rejected or bounced reminder e-mail becomes a call and marks the address doubtful, once."""

import smtplib

import pytest
from django.core import mail

from debtors.models import Debtor, TimelineEvent
from debtors.services import debtor_contact_update
from dunning.models import Channel, MessageStatus, PhoneTask, PhoneTaskSource
from payt.tenancy import tenant_context
from tests.dunning import backends
from tests.dunning.channel_support import make_debtor, queue_message, reload, send

SECRET = "bounce-secret-for-tests"
URL = "/webhooks/email-bounce"


@pytest.fixture
def flaky_mail(settings):
    settings.EMAIL_BACKEND = "tests.dunning.backends.FlakyBackend"
    backends.planned_errors.clear()
    yield backends.planned_errors
    backends.planned_errors.clear()


@pytest.fixture
def bounce_secret(settings):
    settings.EMAIL_BOUNCE_WEBHOOK_SECRET = SECRET
    return SECRET


@pytest.fixture
def sent_email(org_alfa):
    """A reminder e-mail sent to Van Dijk, with the Message-ID it went out with."""
    debtor, invoices = make_debtor(org_alfa, email="ap@vandijk.example", phone="0612345678")
    message = queue_message(org_alfa, invoices, channel=Channel.EMAIL)
    assert send(org_alfa, message) == MessageStatus.SENT
    [email] = mail.outbox
    return debtor, message, email.extra_headers["Message-ID"]


def post_bounce(client, body, secret=SECRET, **headers):
    if secret is not None:
        headers["HTTP_X_WEBHOOK_SECRET"] = secret
    return client.post(URL, data=body, content_type="application/json", **headers)


def bounce_tasks(organization) -> list[PhoneTask]:
    with tenant_context(organization):
        return list(PhoneTask.objects.filter(source=PhoneTaskSource.BOUNCE).select_related("invoice"))


def bounce_events(organization) -> list[TimelineEvent]:
    with tenant_context(organization):
        return list(TimelineEvent.objects.filter(data__event="email_bounced"))


def test_smtp_rejection_becomes_a_call_and_doubtful_address(org_alfa, flaky_mail):
    debtor, invoices = make_debtor(org_alfa, email="gone@vandijk.example", phone="0612345678")
    message = queue_message(org_alfa, invoices, channel=Channel.EMAIL)
    flaky_mail.append(smtplib.SMTPRecipientsRefused({"gone@vandijk.example": (550, b"No such user")}))

    assert send(org_alfa, message) == MessageStatus.FAILED

    message = reload(org_alfa, message)
    assert message.status_reason == (
        "SMTP server rejected the message: {'gone@vandijk.example': (550, b'No such user')}"
    )
    assert reload(org_alfa, debtor).email_doubtful is True
    [task] = bounce_tasks(org_alfa)
    assert task.message_id == message.pk
    assert task.invoice.number == "INV-1"
    assert task.reason.startswith("E-mail to gone@vandijk.example bounced: SMTP server rejected the message")
    assert "The e-mail to gone@vandijk.example could not be delivered" in task.script
    assert "ask for the right e-mail address" in task.script
    assert "- INV-1, due 1 October 2025, days overdue: 7, open €250.00" in task.script
    [event] = bounce_events(org_alfa)
    assert event.data["message_id"] == str(message.pk)


def test_next_reminder_after_rejection_is_a_call(org_alfa, flaky_mail):
    debtor, invoices = make_debtor(
        org_alfa, email="gone@vandijk.example", phone="0612345678", invoices=[("INV-1", "10.00"), ("INV-2", "20.00")]
    )
    first = queue_message(org_alfa, invoices[:1], channel=Channel.EMAIL)
    flaky_mail.append(smtplib.SMTPRecipientsRefused({"gone@vandijk.example": (550, b"No such user")}))
    send(org_alfa, first)
    with tenant_context(org_alfa):
        first.__class__.objects.filter(pk=first.pk).update(run_date="2025-10-01")

    second = queue_message(org_alfa, invoices[1:], channel=Channel.EMAIL)
    assert send(org_alfa, second) == MessageStatus.SENT

    assert mail.outbox == []
    assert reload(org_alfa, second).channel == Channel.PHONE


def test_transient_smtp_error_is_no_bounce(org_alfa, flaky_mail):
    debtor, invoices = make_debtor(org_alfa, email="busy@vandijk.example")
    message = queue_message(org_alfa, invoices, channel=Channel.EMAIL)
    flaky_mail.append(smtplib.SMTPRecipientsRefused({"busy@vandijk.example": (450, b"Mailbox busy")}))

    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(org_alfa, message)

    assert reload(org_alfa, debtor).email_doubtful is False
    assert bounce_tasks(org_alfa) == []


def test_bounce_report_by_message_id_header(client, org_alfa, sent_email, bounce_secret):
    debtor, message, header = sent_email
    assert header == f"<dunning-{message.pk}.{org_alfa.pk}@localhost>"

    response = post_bounce(client, {"message_id": header, "reason": "550 5.1.1 mailbox unknown"})

    assert response.status_code == 200
    assert response.json() == {"status": "recorded"}
    message = reload(org_alfa, message)
    assert message.status == MessageStatus.FAILED
    assert message.status_reason == "Bounced after sending: 550 5.1.1 mailbox unknown"
    assert message.delivered_on is None
    assert reload(org_alfa, debtor).email_doubtful is True
    [task] = bounce_tasks(org_alfa)
    assert task.message_id == message.pk
    assert task.reason == "E-mail to ap@vandijk.example bounced: 550 5.1.1 mailbox unknown"


def test_bounce_report_is_idempotent(client, org_alfa, sent_email, bounce_secret):
    _, message, header = sent_email
    body = {"message_id": header, "reason": "550 mailbox unknown"}

    first = post_bounce(client, body)
    second = post_bounce(client, body)
    by_id = post_bounce(client, {"message_id": str(message.pk), "reason": "again"})

    assert [first.json(), second.json(), by_id.json()] == [
        {"status": "recorded"},
        {"status": "already_recorded"},
        {"status": "already_recorded"},
    ]
    assert len(bounce_tasks(org_alfa)) == 1
    assert len(bounce_events(org_alfa)) == 1


@pytest.mark.parametrize("form", ["bare", "legacy"])
def test_bounce_report_without_organisation(client, org_alfa, org_bravo, sent_email, bounce_secret, form):
    _, message, _ = sent_email
    reference = str(message.pk) if form == "bare" else f"<dunning-{message.pk}@localhost>"

    response = post_bounce(client, {"message_id": reference})

    assert response.json() == {"status": "recorded"}
    [task] = bounce_tasks(org_alfa)
    assert task.reason == "E-mail to ap@vandijk.example bounced: no reason given"


def test_bounce_report_cannot_cross_tenants(client, org_alfa, org_bravo, sent_email, bounce_secret):
    _, message, _ = sent_email

    response = post_bounce(client, {"message_id": f"<dunning-{message.pk}.{org_bravo.pk}@localhost>"})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert reload(org_alfa, message).status == MessageStatus.SENT
    assert bounce_tasks(org_alfa) == []
    assert bounce_tasks(org_bravo) == []


def test_bounce_for_corrected_address_keeps_new_address_trusted(client, org_alfa, sent_email, bounce_secret):
    debtor, message, header = sent_email
    with tenant_context(org_alfa):
        debtor_contact_update(debtor=debtor, email="new@vandijk.example", phone="")

    post_bounce(client, {"message_id": header, "reason": "550"})

    assert reload(org_alfa, debtor).email_doubtful is False
    assert len(bounce_tasks(org_alfa)) == 1


def test_editing_the_email_clears_the_doubt(org_alfa):
    debtor, _ = make_debtor(org_alfa, email="gone@vandijk.example", phone="0612345678")
    with tenant_context(org_alfa):
        Debtor.objects.filter(pk=debtor.pk).update(email_doubtful=True)
        same = debtor_contact_update(debtor=debtor, email="gone@vandijk.example", phone="06 1234 5678")
        assert same.email_doubtful is True
        assert same.phone == "+31612345678"
        fixed = debtor_contact_update(debtor=debtor, email="ap@vandijk.example", phone="+31612345678")

    assert fixed.email_doubtful is False
    assert reload(org_alfa, debtor).email == "ap@vandijk.example"


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ("not json", 400, "invalid", None),
        ("[1, 2]", 400, "invalid", None),
        ({"reason": "550"}, 400, "required", "message_id"),
        ({"message_id": "INV-1"}, 400, "invalid", "message_id"),
        ({"message_id": "00000000-0000-4000-8000-000000000000"}, 404, "not_found", "message_id"),
        ({"message_id": "00000000-0000-4000-8000-000000000000", "reason": 5}, 400, "invalid", "reason"),
    ],
)
def test_bad_bounce_reports(client, db, bounce_secret, body, status, code, field):
    response = post_bounce(client, body)

    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert list(error["fields"]) == ([field] if field else [])


def test_bounce_report_for_a_letter_refused(client, org_alfa, bounce_secret):
    _, invoices = make_debtor(org_alfa, address_line="Markt 1", city="Delft")
    letter = queue_message(org_alfa, invoices, channel=Channel.LETTER)
    send(org_alfa, letter)

    response = post_bounce(client, {"message_id": str(letter.pk)})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_email"


def test_bounce_report_needs_the_secret(client, org_alfa, sent_email, bounce_secret):
    _, message, header = sent_email

    assert post_bounce(client, {"message_id": header}, secret=None).status_code == 401
    assert post_bounce(client, {"message_id": header}, secret="wrong").status_code == 401
    assert client.get(URL).status_code == 405
    assert reload(org_alfa, message).status == MessageStatus.SENT


def test_bounce_reports_off_without_a_secret(client, org_alfa, sent_email, settings):
    settings.EMAIL_BOUNCE_WEBHOOK_SECRET = ""
    _, _, header = sent_email

    response = post_bounce(client, {"message_id": header}, secret="")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "disabled"
