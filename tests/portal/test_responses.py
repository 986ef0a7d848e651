"""Debtor responses in the portal: disputes, promises, contact details, copies, and their answers."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client

from debtors.models import Debtor, TimelineEvent
from dunning.models import Hold, HoldReason
from dunning.selectors import active_holds
from invoices.models import Invoice
from payt.dates import local_today
from payt.tenancy import tenant_context
from portal.models import (
    Dispute,
    DisputeOutcome,
    DisputeStatus,
    EmailKind,
    EmailStatus,
    OutgoingEmail,
    PaymentPromise,
)
from portal.outbox import email_send, emails_requeue_stale
from portal.responses import PROMISE_GRACE_DAYS, copy_request, dispute_resolve, phone_normalize, promise_answer
from portal.tasks import send_outgoing_email
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_contact(alfa_debtor):
    organization = alfa_debtor.organization
    organization.email = "credit@alfa.example"
    organization.save(update_fields=["email"])
    return alfa_debtor


def emails(visitor, kind: str) -> list[OutgoingEmail]:
    with tenant_context(visitor.organization):
        return list(OutgoingEmail.objects.filter(kind=kind).order_by("created_at"))


def send_all(visitor) -> None:
    with tenant_context(visitor.organization):
        ids = list(OutgoingEmail.objects.filter(status=EmailStatus.QUEUED).values_list("pk", flat=True))
    for email_id in ids:
        send_outgoing_email(str(visitor.organization.pk), str(email_id))


def test_dispute_part_holds_invoice(client, with_contact):
    invoice = with_contact.invoice("INV-D-1", "200.00")

    response = client.post(
        f"{with_contact.home_url}invoices/{invoice.pk}/dispute",
        {"category": "amount_incorrect", "amount": "50.00", "text": "Line 3 was not delivered."},
    )

    assert response.status_code == 302
    with tenant_context(with_contact.organization):
        dispute = Dispute.objects.select_related("hold").get()
        disputed = Invoice.objects.get(pk=invoice.pk)
        held = {
            hold.invoice_id for hold in active_holds(with_contact.organization, local_today(with_contact.organization))
        }
    assert dispute.amount == Decimal("50.00")
    assert dispute.hold.reason == HoldReason.DISPUTE
    assert disputed.disputed_at is not None
    assert held == {invoice.pk}
    [notice] = emails(with_contact, EmailKind.CONTROLLER_NOTICE)
    assert notice.recipient == "credit@alfa.example"
    assert "INV-D-1" in notice.subject


def test_dispute_amount_above_open_rejected(client, alfa_debtor):
    invoice = alfa_debtor.invoice("INV-D-2", "200.00")

    response = client.post(
        f"{alfa_debtor.home_url}invoices/{invoice.pk}/dispute?lang=en",
        {"category": "amount_incorrect", "amount": "250.00"},
    )

    assert response.status_code == 400
    assert "The disputed amount 250.00 must be above 0 and at most the open amount 200.00" in response.content.decode()


def test_dispute_other_needs_text(client, alfa_debtor):
    invoice = alfa_debtor.invoice("INV-D-3", "200.00")

    response = client.post(f"{alfa_debtor.home_url}invoices/{invoice.pk}/dispute?lang=en", {"category": "other"})

    assert response.status_code == 400
    assert "Explain the reason in a few words." in response.content.decode()


def test_dispute_resolved_releases_hold_and_answers(client, alfa_debtor, bob):
    invoice = alfa_debtor.invoice("INV-D-4", "200.00")
    client.post(f"{alfa_debtor.home_url}invoices/{invoice.pk}/dispute", {"category": "already_paid"})
    with tenant_context(alfa_debtor.organization):
        dispute = Dispute.objects.select_related("invoice", "debtor", "hold").get()

        dispute_resolve(dispute=dispute, outcome=DisputeOutcome.REJECTED, answer="We found no payment.", user=bob)

        hold = Hold.objects.get(pk=dispute.hold_id)
        cleared = Invoice.objects.get(pk=invoice.pk)
    assert dispute.status == DisputeStatus.RESOLVED
    assert hold.released_at is not None
    assert cleared.disputed_at is None
    [answer] = emails(alfa_debtor, EmailKind.ANSWER)
    assert "We found no payment." in answer.body
    page = client.get(f"{alfa_debtor.home_url}?lang=en").content.decode()
    assert "We found no payment." in page
    assert "The invoice stands" in page


def test_dashboard_resolves_dispute(client, alfa_debtor, bob):
    invoice = alfa_debtor.invoice("INV-D-5", "200.00")
    client.post(f"{alfa_debtor.home_url}invoices/{invoice.pk}/dispute", {"category": "not_received"})
    with tenant_context(alfa_debtor.organization):
        dispute = Dispute.objects.get()
    dashboard = Client()
    dashboard.login(username=bob.username, password=PASSWORD)

    inbox = dashboard.get("/questions/").content.decode()
    response = dashboard.post(
        f"/disputes/{dispute.pk}/resolve/", {"outcome": "accepted", "answer": "We credit the invoice."}
    )

    assert "INV-D-5" in inbox
    assert response.status_code == 302
    with tenant_context(alfa_debtor.organization):
        assert Dispute.objects.get().outcome == DisputeOutcome.ACCEPTED


def test_dashboard_dispute_of_other_tenant_not_found(client, alfa_debtor, charlie):
    invoice = alfa_debtor.invoice("INV-D-6", "200.00")
    client.post(f"{alfa_debtor.home_url}invoices/{invoice.pk}/dispute", {"category": "not_received"})
    with tenant_context(alfa_debtor.organization):
        dispute = Dispute.objects.get()
    outsider = Client()
    outsider.login(username=charlie.username, password=PASSWORD)

    response = outsider.post(f"/disputes/{dispute.pk}/resolve/", {"outcome": "accepted", "answer": "x"})

    assert response.status_code == 404
    assert "INV-D-6" not in outsider.get("/questions/").content.decode()
    with tenant_context(alfa_debtor.organization):
        assert Dispute.objects.get().status == DisputeStatus.OPEN


def test_promise_holds_until_date_plus_grace(client, alfa_debtor, bob):
    first = alfa_debtor.invoice("INV-P-1", "120.00")
    second = alfa_debtor.invoice("INV-P-2", "30.50")
    today = local_today(alfa_debtor.organization)
    promised = today + dt.timedelta(days=10)

    response = client.post(
        f"{alfa_debtor.home_url}promise",
        {"invoices": [str(first.pk), str(second.pk)], "promised_date": promised.isoformat(), "text": "Salary day"},
    )

    assert response.status_code == 302
    last_held = promised + dt.timedelta(days=PROMISE_GRACE_DAYS)
    with tenant_context(alfa_debtor.organization):
        promise = PaymentPromise.objects.get()
        held_on_last_day = {h.invoice_id for h in active_holds(alfa_debtor.organization, last_held)}
        held_after = list(active_holds(alfa_debtor.organization, last_held + dt.timedelta(days=1)))
        promise_answer(promise=promise, answer="Thank you, noted.", user=bob)
    assert promise.amount == Decimal("150.50")
    assert promise.held_until == last_held
    assert held_on_last_day == {first.pk, second.pk}
    assert held_after == []
    assert "Thank you, noted." in client.get(f"{alfa_debtor.home_url}?lang=en").content.decode()


def test_promise_date_out_of_range_rejected(client, alfa_debtor):
    invoice = alfa_debtor.invoice("INV-P-3", "120.00")
    too_late = local_today(alfa_debtor.organization) + dt.timedelta(days=90)

    response = client.post(
        f"{alfa_debtor.home_url}promise?lang=en",
        {"invoices": [str(invoice.pk)], "promised_date": too_late.isoformat()},
    )

    assert response.status_code == 400
    assert f"{too_late.isoformat()} is outside that range" in response.content.decode()


def test_second_promise_on_invoice_rejected(client, alfa_debtor):
    invoice = alfa_debtor.invoice("INV-P-4", "120.00")
    date = (local_today(alfa_debtor.organization) + dt.timedelta(days=5)).isoformat()
    client.post(f"{alfa_debtor.home_url}promise", {"invoices": [str(invoice.pk)], "promised_date": date})

    response = client.post(
        f"{alfa_debtor.home_url}promise?lang=en", {"invoices": [str(invoice.pk)], "promised_date": date}
    )

    assert response.status_code == 400
    assert "You already promised to pay invoice INV-P-4" in response.content.decode()


def test_contact_update_validated_and_noticed(client, with_contact):
    response = client.post(f"{with_contact.home_url}contact", {"email": "new@debtor.example", "phone": "020 123 4567"})

    assert response.status_code == 302
    with tenant_context(with_contact.organization):
        debtor = Debtor.objects.get(pk=with_contact.debtor.pk)
        event = TimelineEvent.objects.get(data__event="contact_updated")
    assert debtor.email == "new@debtor.example"
    assert debtor.phone == "+31201234567"
    assert event.data["changes"]["email"] == {"old": "noordkade@debtor.example", "new": "new@debtor.example"}
    [notice] = emails(with_contact, EmailKind.CONTACT_CHANGED)
    assert notice.recipient == "noordkade@debtor.example"
    assert len(emails(with_contact, EmailKind.CONTROLLER_NOTICE)) == 1


@pytest.mark.parametrize(
    ("email", "phone", "expected"),
    [
        ("not-an-address", "", "not-an-address is not a valid e-mail address"),
        ("ok@debtor.example", "12", "12 is not a valid phone number"),
    ],
)
def test_contact_update_bad_input_rejected(client, alfa_debtor, email, phone, expected):
    response = client.post(f"{alfa_debtor.home_url}contact?lang=en", {"email": email, "phone": phone})

    assert response.status_code == 400
    assert expected in response.content.decode()
    with tenant_context(alfa_debtor.organization):
        assert Debtor.objects.get(pk=alfa_debtor.debtor.pk).email == "noordkade@debtor.example"


def test_phone_normalized_with_country():
    assert phone_normalize("+32 2 555 12 12", "NL") == "+3225551212"
    assert phone_normalize("030 123 45 67", "NL") == "+31301234567"


def test_copy_request_sends_pdf_once_claimed(client, alfa_debtor):
    invoice = alfa_debtor.invoice("INV-K-1", "99.00")

    response = client.post(f"{alfa_debtor.home_url}invoices/{invoice.pk}/copy")
    send_all(alfa_debtor)
    with tenant_context(alfa_debtor.organization):
        email = OutgoingEmail.objects.get(kind=EmailKind.INVOICE_COPY)
        again = email_send(email_id=email.pk)

    assert response.status_code == 302
    assert email.status == EmailStatus.SENT
    assert again is False
    [message] = mail.outbox
    assert message.to == ["noordkade@debtor.example"]
    assert message.attachments[0][0] == "INV-K-1.pdf"
    assert message.attachments[0][1].startswith(b"%PDF")


def test_copy_requests_limited_per_day(client, alfa_debtor):
    invoice = alfa_debtor.invoice("INV-K-2", "99.00")

    for _ in range(4):
        client.post(f"{alfa_debtor.home_url}invoices/{invoice.pk}/copy")

    assert len(emails(alfa_debtor, EmailKind.INVOICE_COPY)) == 3


def test_outbox_retries_then_fails(alfa_debtor, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9
    invoice = alfa_debtor.invoice("INV-K-3", "99.00")
    with tenant_context(alfa_debtor.organization):
        email = copy_request(debtor=alfa_debtor.debtor, invoice=invoice)
        with pytest.raises(OSError):
            email_send(email_id=email.pk)
        email.refresh_from_db()

    assert email.status == EmailStatus.QUEUED
    assert email.attempts == 1
    assert email.last_error


def test_portal_activity_listed_in_inbox(client, alfa_debtor, bob):
    client.post(f"{alfa_debtor.home_url}contact", {"email": "changed@debtor.example", "phone": ""})
    dashboard = Client()
    dashboard.login(username=bob.username, password=PASSWORD)

    inbox = dashboard.get("/questions/").content.decode()

    assert "Recent portal activity" in inbox
    assert "changed@debtor.example" in inbox


def test_stale_email_requeued_until_sent(alfa_debtor):
    invoice = alfa_debtor.invoice("INV-K-4", "99.00")
    with tenant_context(alfa_debtor.organization):
        email = copy_request(debtor=alfa_debtor.debtor, invoice=invoice)
        OutgoingEmail.objects.filter(pk=email.pk).update(created_at=email.created_at - dt.timedelta(minutes=10))
        waiting = emails_requeue_stale(alfa_debtor.organization)
        email_send(email_id=email.pk)
        after_send = emails_requeue_stale(alfa_debtor.organization)

    assert waiting == [email.pk]
    assert after_send == []


def test_contact_changes_capped_per_day(client, with_contact):
    statuses = [
        client.post(f"{with_contact.home_url}contact?lang=en", {"email": f"victim{index}@example.com", "phone": ""})
        for index in range(5)
    ]

    assert [response.status_code for response in statuses] == [302, 302, 302, 400, 400]
    assert "changed 3 times today" in statuses[3].content.decode()
    assert len(emails(with_contact, EmailKind.CONTACT_CHANGED)) == 3
