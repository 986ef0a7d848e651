"""Dashboard pages of the channels: call list and outcome form, letter batches, texts, contact details."""

import datetime as dt

import pytest
from django.urls import reverse

from debtors.models import Debtor
from dunning.models import CallOutcome, Channel, Hold, LetterBatch, MessageStatus, PhoneTask, PhoneTaskSource
from dunning.phone import phone_task_create
from payt.dates import local_today
from payt.tenancy import tenant_context
from tests.dunning.channel_support import make_debtor, queue_message, reload, send
from tests.dunning.helpers import pdf_pages

CALLS = reverse("dashboard:calls")
LETTERS = reverse("dashboard:letters")


def outcome_url(task) -> str:
    return reverse("dashboard:call_outcome", args=[task.pk])


def add_call(organization, debtor, *, invoice=None, due_date=None, script="Ask when they will pay.") -> PhoneTask:
    with tenant_context(organization):
        return phone_task_create(
            debtor=debtor,
            source=PhoneTaskSource.MANUAL,
            invoice=invoice,
            reason="Large amount",
            script=script,
            due_date=due_date,
        )


@pytest.fixture
def calls(org_alfa, org_bravo):
    """Alfa: a call due today and one due yesterday (two debtors), one next week. Bravo: one call today."""
    today = local_today(org_alfa)
    dijk, dijk_invoices = make_debtor(
        org_alfa, phone="+31612345678", invoices=[("INV-1", "250.00"), ("INV-2", "1234.56")]
    )
    aalders, aalders_invoices = make_debtor(org_alfa, name="Aalders Bouw", invoices=[("INV-9", "99.95")])
    bravo_debtor, _ = make_debtor(org_bravo, name="Bravo Klant BV", invoices=[("B-1", "10.00")])
    return {
        "today": add_call(org_alfa, dijk, invoice=dijk_invoices[0], script="Call Van Dijk about INV-1."),
        "yesterday": add_call(org_alfa, aalders, due_date=today - dt.timedelta(days=1)),
        "next_week": add_call(org_alfa, aalders, invoice=aalders_invoices[0], due_date=today + dt.timedelta(days=7)),
        "bravo": add_call(org_bravo, bravo_debtor, script="Bravo script"),
        "dijk": dijk,
    }


def task_row(organization, task) -> PhoneTask:
    with tenant_context(organization):
        return PhoneTask.objects.get(pk=task.pk)


def test_worklist_shows_open_calls_due_by_today(bob_client, calls):
    response = bob_client.get(CALLS)

    content = response.content.decode()
    assert response.status_code == 200
    assert content.index("Aalders Bouw") < content.index("Van Dijk Installatie BV")  # oldest call first
    assert f'id="call-{calls["today"].pk}"' in content
    assert f'id="call-{calls["yesterday"].pk}"' in content
    assert f'id="call-{calls["next_week"].pk}"' not in content
    assert "Call Van Dijk about INV-1." in content
    assert "+31 6 12345678" in content
    assert 'data-invoice="INV-2"' in content
    assert "€\xa01,234.56" in content
    assert "Bravo" not in content
    assert outcome_url(calls["today"]) in content


def test_worklist_query_count_is_pinned(bob_client, calls, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        bob_client.get(CALLS)


def test_outcome_reached_closes_the_call(bob_client, bob, org_alfa, calls):
    task = calls["today"]

    response = bob_client.post(outcome_url(task), {"outcome": CallOutcome.REACHED, "note": "Pays Friday"})

    assert response.status_code == 302
    assert response["Location"] == CALLS
    done = task_row(org_alfa, task)
    assert (done.status, done.outcome, done.outcome_note, done.completed_by) == ("done", "reached", "Pays Friday", bob)
    assert f'id="call-{task.pk}"' not in bob_client.get(CALLS).content.decode()


def test_promise_to_pay_outcome(bob_client, org_alfa, calls):
    task = calls["today"]
    today = local_today(org_alfa)

    missing = bob_client.post(outcome_url(task), {"outcome": CallOutcome.PROMISE_TO_PAY})
    past = bob_client.post(
        outcome_url(task),
        {"outcome": CallOutcome.PROMISE_TO_PAY, "promised_date": (today - dt.timedelta(days=1)).isoformat()},
    )
    promised = bob_client.post(
        outcome_url(task),
        {"outcome": CallOutcome.PROMISE_TO_PAY, "promised_date": (today + dt.timedelta(days=5)).isoformat()},
    )

    assert missing.status_code == 400
    assert "A promise to pay needs the date the debtor named." in missing.content.decode()
    assert past.status_code == 400
    assert "is in the past; enter the date the debtor named." in past.content.decode()
    assert promised.status_code == 302
    with tenant_context(org_alfa):
        hold = Hold.objects.get()
    assert hold.until == today + dt.timedelta(days=5 + 3)
    assert task_row(org_alfa, task).promised_date == today + dt.timedelta(days=5)


def test_outcome_in_dutch(bob_client, calls):
    bob_client.post(reverse("dashboard:language"), {"language": "nl"})

    content = bob_client.get(CALLS).content.decode()
    assert "Te bellen" in content
    assert "Betalingstoezegging" in content
    response = bob_client.post(outcome_url(calls["today"]), {"outcome": "promise_to_pay"})
    assert "Een betalingstoezegging heeft de datum nodig die de debiteur noemde." in response.content.decode()


def test_outsider_cannot_see_or_record_calls(charlie_client, org_alfa, calls):
    content = charlie_client.get(CALLS).content.decode()
    assert "Bravo script" in content
    assert "Van Dijk" not in content

    response = charlie_client.post(outcome_url(calls["today"]), {"outcome": CallOutcome.REACHED})

    assert response.status_code == 404
    assert task_row(org_alfa, calls["today"]).status == "open"


def test_read_only_member_cannot_record(reader_client, org_alfa, calls):
    assert 'class="call-outcome"' not in reader_client.get(CALLS).content.decode()
    response = reader_client.post(outcome_url(calls["today"]), {"outcome": CallOutcome.REACHED})

    assert response.status_code == 403
    assert task_row(org_alfa, calls["today"]).status == "open"


@pytest.fixture
def sent_letter(org_alfa):
    _, invoices = make_debtor(org_alfa, address_line="Keizersgracht 12", postal_code="1015 CX", city="Amsterdam")
    message = queue_message(org_alfa, invoices, channel=Channel.LETTER)
    assert send(org_alfa, message) == MessageStatus.SENT
    message = reload(org_alfa, message)
    with tenant_context(org_alfa):
        return message, LetterBatch.objects.get(pk=message.letter_batch_id)


def test_letters_page_downloads_and_records_posting(bob_client, org_alfa, sent_letter):
    message, batch = sent_letter
    today = local_today(org_alfa)

    page = bob_client.get(LETTERS).content.decode()
    download = bob_client.get(reverse("dashboard:letter_batch_pdf", args=[batch.pk]))
    posted = bob_client.post(reverse("dashboard:letter_batch_posting", args=[batch.pk]), {"posted_on": today})

    assert f'data-batch="{today.isoformat()}"' in page
    assert reverse("dashboard:letter_batch_pdf", args=[batch.pk]) in page
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == f'attachment; filename="letters-{today.isoformat()}.pdf"'
    cover, letter = pdf_pages(download.content)
    assert "Van Dijk Installatie BV" in cover
    assert "INV-1" in letter
    assert posted.status_code == 302
    assert reload(org_alfa, batch).posted_on == today
    assert reload(org_alfa, message).delivered_on is not None
    assert "Posted on" in bob_client.get(LETTERS).content.decode()


def test_future_posting_date_refused(bob_client, org_alfa, sent_letter):
    _, batch = sent_letter
    tomorrow = local_today(org_alfa) + dt.timedelta(days=1)

    response = bob_client.post(
        reverse("dashboard:letter_batch_posting", args=[batch.pk]), {"posted_on": tomorrow}, follow=True
    )

    assert "is in the future; enter the day the letters went into the post." in response.content.decode()
    assert reload(org_alfa, batch).posted_on is None


def test_outsider_cannot_reach_letter_batches(charlie_client, org_alfa, sent_letter):
    _, batch = sent_letter

    assert "letters-" not in charlie_client.get(LETTERS).content.decode()
    assert charlie_client.get(reverse("dashboard:letter_batch_pdf", args=[batch.pk])).status_code == 404
    response = charlie_client.post(
        reverse("dashboard:letter_batch_posting", args=[batch.pk]), {"posted_on": local_today(org_alfa)}
    )
    assert response.status_code == 404
    assert reload(org_alfa, batch).posted_on is None


def test_texts_page_shows_local_provider_text(bob_client, charlie_client, org_alfa, settings, tmp_path):
    settings.SMS_PROVIDER = "dunning.sms.LocalSmsProvider"
    settings.SMS_LOCAL_OUTBOX = tmp_path / "sms.jsonl"
    _, invoices = make_debtor(org_alfa, phone="0612345678")
    message = queue_message(org_alfa, invoices, channel=Channel.SMS)
    send(org_alfa, message)

    content = bob_client.get(reverse("dashboard:texts")).content.decode()

    assert "+31 6 12345678" in content
    assert "Alfa Installaties BV: Friendly reminder, invoice INV-1, open €250.00." in content
    assert "INV-1" not in charlie_client.get(reverse("dashboard:texts")).content.decode()


def test_editing_email_clears_doubt(bob_client, org_alfa, calls):
    debtor = calls["dijk"]
    with tenant_context(org_alfa):
        Debtor.objects.filter(pk=debtor.pk).update(email_doubtful=True, email="old@vandijk.example")
    url = reverse("dashboard:debtor_contact", args=[debtor.pk])

    assert 'id="email-doubtful"' in bob_client.get(reverse("dashboard:debtor", args=[debtor.pk])).content.decode()
    bad = bob_client.post(url, {"email": "new@vandijk.example", "phone": "12"})
    good = bob_client.post(url, {"email": "new@vandijk.example", "phone": "06 1234 5678"})

    assert "12 is not a valid phone number" in bad.content.decode()
    assert good.status_code == 302
    debtor = reload(org_alfa, debtor)
    assert (debtor.email, debtor.phone, debtor.email_doubtful) == ("new@vandijk.example", "+31612345678", False)


def test_outsider_cannot_edit_contact(charlie_client, org_alfa, calls):
    debtor = calls["dijk"]
    url = reverse("dashboard:debtor_contact", args=[debtor.pk])

    assert charlie_client.get(url).status_code == 404
    assert charlie_client.post(url, {"email": "evil@example.com", "phone": ""}).status_code == 404
    assert reload(org_alfa, debtor).email == ""
