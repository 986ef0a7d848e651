"""Letters: a queued letter goes into the day's batch, the batch PDF has a cover list, posting dates delivery."""

import datetime as dt
import io
import time

import pypdf
import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from debtors.models import TimelineEvent
from dunning.letters import letter_batch_build, letter_batch_for_day, letter_batch_is_stale, letter_batch_post
from dunning.models import ActionStatus, Channel, DunningAction, LetterBatch, MessageStatus
from dunning.tasks import build_letter_batch, send_message
from payt.api_errors import DomainError
from payt.celery import app
from payt.dates import local_today
from payt.tenancy import tenant_context
from tests.dunning.channel_support import make_debtor, queue_message, reload, send
from tests.dunning.helpers import pdf_pages

MM = 72 / 25.4
A4_HEIGHT_MM = 297
# The window of a DIN 5008 form B envelope, in millimetres from the paper's left and top edges.
WINDOW = {"left": 20, "right": 105, "top": 45, "bottom": 90}
ADDRESS = {"address_line": "Keizersgracht 12", "postal_code": "1015 CX", "city": "Amsterdam", "country": "NL"}


@pytest.fixture
def letter(org_alfa):
    """A queued letter to Van Dijk for two invoices, 250.00 and 1,234.56."""
    _, invoices = make_debtor(org_alfa, invoices=[("INV-1", "250.00"), ("INV-2", "1234.56")], **ADDRESS)
    return queue_message(org_alfa, invoices, channel=Channel.LETTER)


def batch_of(organization, message) -> LetterBatch:
    with tenant_context(organization):
        return LetterBatch.objects.get(pk=reload(organization, message).letter_batch_id)


def stale(organization, batch) -> bool:
    with tenant_context(organization):
        return letter_batch_is_stale(batch)


def build(organization, batch) -> LetterBatch:
    with tenant_context(organization):
        return letter_batch_build(batch=batch)


def test_letter_joins_the_batch_of_the_day(org_alfa, letter):
    assert send(org_alfa, letter) == MessageStatus.SENT

    message = reload(org_alfa, letter)
    assert message.status == MessageStatus.SENT
    assert message.channel == Channel.LETTER
    assert message.recipient == "Keizersgracht 12, 1015 CX Amsterdam"
    assert message.subject == "Friendly reminder: 2 invoices from Alfa Installaties BV"
    assert message.delivered_on is None
    assert mail.outbox == []
    batch = batch_of(org_alfa, message)
    assert batch.batch_date == local_today(org_alfa)
    assert batch.posted_on is None
    with tenant_context(org_alfa):
        assert set(DunningAction.objects.values_list("status", flat=True)) == {ActionStatus.SENT}
        event = TimelineEvent.objects.get(kind="message")
    assert event.summary == (
        f"Friendly reminder put in the letters of {batch.batch_date.isoformat()}: INV-1, INV-2"
    )
    assert event.data["channel"] == "letter"


def test_batch_pdf_has_cover_list_then_letters(org_alfa, letter):
    send(org_alfa, letter)
    batch = batch_of(org_alfa, letter)
    assert stale(org_alfa, batch)

    batch = build(org_alfa, batch)

    assert batch.letter_count == 1
    assert not stale(org_alfa, batch)
    cover, *letter_pages = pdf_pages(bytes(batch.pdf))
    # The cover is for Alfa's staff, in Alfa's language (Dutch); the letter is in the debtor's (English).
    assert cover.startswith("Brieven van ")
    assert "Debiteur Adres Facturen Pagina's Vanaf pagina" in cover
    assert "Van Dijk Installatie BV" in cover
    assert "Keizersgracht 12, 1015 CX Amsterdam" in cover
    assert "INV-1, INV-2" in cover
    # One letter of one page, starting on page 2 of the batch.
    assert cover.count("Van Dijk Installatie BV Keizersgracht 12, 1015 CX Amsterdam INV-1, INV-2 1 2") == 1
    assert len(letter_pages) == 1
    text = letter_pages[0]
    assert "Sender: Alfa Installaties BV" in text
    assert "Van Dijk Installatie BV\nKeizersgracht 12\n1015 CX Amsterdam" in text
    assert "NETHERLANDS" not in text.upper().split("ALFA")[0]  # no country line for a domestic letter
    assert "Friendly reminder" in text
    assert "INV-1" in text
    assert "INV-2" in text
    assert "€1,484.56" in text
    assert "/p/" in text
    assert text.endswith("Page 1 of 1")


def text_positions(content: bytes, page_number: int) -> dict[str, tuple[float, float]]:
    """Return {line of text: (mm from the left edge, mm from the top edge of its baseline)}."""
    positions = {}

    def visit(text, cm, tm, font, size):
        if text.strip():
            x = tm[4] * cm[0] + cm[4]
            y = tm[5] * cm[3] + cm[5]
            positions[text.strip()] = (x / MM, A4_HEIGHT_MM - y / MM)

    pypdf.PdfReader(io.BytesIO(content)).pages[page_number].extract_text(visitor_text=visit)
    return positions


def test_address_sits_in_the_envelope_window(org_alfa, letter):
    send(org_alfa, letter)
    batch = build(org_alfa, batch_of(org_alfa, letter))

    positions = text_positions(bytes(batch.pdf), 1)
    for line in ["Sender: Alfa Installaties BV", "Van Dijk Installatie BV", "Keizersgracht 12", "1015 CX Amsterdam"]:
        left, top = positions[line]
        assert WINDOW["left"] <= left <= WINDOW["right"] - 40, line
        assert WINDOW["top"] <= top <= WINDOW["bottom"], line
    # The letter itself starts below the window.
    assert positions["Friendly reminder"][1] > WINDOW["bottom"]


def test_batch_rebuilt_when_a_letter_joins(org_alfa, letter):
    send(org_alfa, letter)
    batch = build(org_alfa, batch_of(org_alfa, letter))
    first_pdf = bytes(batch.pdf)
    assert bytes(build(org_alfa, batch).pdf) == first_pdf  # current: not rebuilt

    _, invoices = make_debtor(
        org_alfa, invoices=[("INV-9", "99.95")], name="Aalders Bouw", address_line="Markt 1", city="Utrecht"
    )
    second = queue_message(org_alfa, invoices, channel=Channel.LETTER)
    send(org_alfa, second)
    assert batch_of(org_alfa, second).pk == batch.pk
    assert stale(org_alfa, reload(org_alfa, batch))

    batch = build(org_alfa, batch)

    assert batch.letter_count == 2
    assert bytes(batch.pdf) != first_pdf
    cover, first, second_letter = pdf_pages(bytes(batch.pdf))
    # Sorted by debtor name: Aalders on page 2, Van Dijk on page 3.
    assert cover.index("Aalders Bouw") < cover.index("Van Dijk Installatie BV")
    assert "Aalders Bouw Markt 1, Utrecht INV-9 1 2" in cover
    assert "INV-1, INV-2 1 3" in cover
    assert "INV-9" in first
    assert "€99.95" in first
    assert "INV-1" in second_letter


def test_foreign_debtor_gets_a_country_line(org_alfa):
    _, invoices = make_debtor(
        org_alfa, name="Peeters NV", address_line="Meir 1", postal_code="2000", city="Antwerpen", country="BE"
    )
    message = queue_message(org_alfa, invoices, channel=Channel.LETTER)
    send(org_alfa, message)

    batch = build(org_alfa, batch_of(org_alfa, message))

    letter_text = pdf_pages(bytes(batch.pdf))[1]
    # Written in the language of the country of posting (Alfa's default language, Dutch).
    assert "Peeters NV\nMeir 1\n2000 Antwerpen\nBELGIË" in letter_text


def test_letter_without_address_fails_with_reason(org_alfa):
    _, invoices = make_debtor(org_alfa, name="Nowhere BV", city="Delft")
    message = queue_message(org_alfa, invoices, channel=Channel.LETTER)

    assert send(org_alfa, message) == MessageStatus.FAILED

    message = reload(org_alfa, message)
    assert message.status_reason == (
        "Debtor 'Nowhere BV' has no complete postal address (street and town); "
        "add it to the debtor and requeue the message."
    )
    assert message.letter_batch_id is None


def test_posting_dates_delivery_on_working_days(org_alfa, letter):
    """Posted on Thursday 24 December 2026 with 2 delivery days: Christmas, Boxing Day and Sunday skipped."""
    send(org_alfa, letter)
    batch = batch_of(org_alfa, letter)
    with tenant_context(org_alfa):
        LetterBatch.objects.filter(pk=batch.pk).update(batch_date=dt.date(2026, 12, 24))
        assert org_alfa.letter_delivery_days == 2

        posted = letter_batch_post(batch=batch, posted_on=dt.date(2026, 12, 24), today=dt.date(2026, 12, 28))

    assert posted.posted_on == dt.date(2026, 12, 24)
    assert posted.letter_count == 1
    assert posted.pdf
    message = reload(org_alfa, letter)
    assert message.delivered_on == dt.date(2026, 12, 29)
    with tenant_context(org_alfa):
        event = TimelineEvent.objects.get(data__event="letter_posted")
    assert event.summary == "Letter posted on 2026-12-24, delivered by 2026-12-29"


def test_posting_across_a_weekend_with_three_days(org_alfa, letter):
    send(org_alfa, letter)
    batch = batch_of(org_alfa, letter)
    with tenant_context(org_alfa):
        org_alfa.letter_delivery_days = 3
        org_alfa.save(update_fields=["letter_delivery_days"])
        LetterBatch.objects.filter(pk=batch.pk).update(batch_date=dt.date(2026, 11, 12))
        letter_batch_post(batch=batch, posted_on=dt.date(2026, 11, 13), today=dt.date(2026, 11, 13))

    assert reload(org_alfa, letter).delivered_on == dt.date(2026, 11, 18)


@pytest.mark.parametrize(
    ("posted_on", "code", "message"),
    [
        (
            dt.date(2026, 12, 29),
            "invalid_date",
            "The posting date 2026-12-29 is in the future; enter the day the letters went into the post.",
        ),
        (
            dt.date(2026, 12, 23),
            "invalid_date",
            "The posting date 2026-12-23 is before the batch date 2026-12-24; "
            "enter the day the letters went into the post.",
        ),
    ],
)
def test_posting_date_checked(org_alfa, letter, posted_on, code, message):
    send(org_alfa, letter)
    batch = batch_of(org_alfa, letter)
    with tenant_context(org_alfa):
        LetterBatch.objects.filter(pk=batch.pk).update(batch_date=dt.date(2026, 12, 24))
        with pytest.raises(DomainError) as error:
            letter_batch_post(batch=batch, posted_on=posted_on, today=dt.date(2026, 12, 28))

    assert (error.value.code, error.value.field, error.value.message) == (code, "posted_on", message)
    assert reload(org_alfa, batch).posted_on is None
    assert reload(org_alfa, letter).delivered_on is None


def test_posted_batch_is_closed(org_alfa, letter):
    send(org_alfa, letter)
    batch = batch_of(org_alfa, letter)
    today = local_today(org_alfa)
    with tenant_context(org_alfa):
        letter_batch_post(batch=batch, posted_on=today)
        with pytest.raises(DomainError, match="already recorded as posted on"):
            letter_batch_post(batch=batch, posted_on=today)
        frozen = bytes(reload(org_alfa, batch).pdf)

    _, invoices = make_debtor(org_alfa, invoices=[("INV-7", "70.00")], name="Late BV", **ADDRESS)
    late = queue_message(org_alfa, invoices, channel=Channel.LETTER)
    send(org_alfa, late)

    next_batch = batch_of(org_alfa, late)
    assert next_batch.batch_date == today + dt.timedelta(days=1)
    assert bytes(build(org_alfa, reload(org_alfa, batch)).pdf) == frozen


def test_empty_batch_cannot_be_posted(org_alfa):
    with tenant_context(org_alfa):
        batch = letter_batch_for_day(organization=org_alfa, day=local_today(org_alfa))
        with pytest.raises(DomainError, match="This batch has no letters"):
            letter_batch_post(batch=batch, posted_on=local_today(org_alfa))


def test_build_task_ignores_other_tenant(org_alfa, org_bravo, letter):
    send(org_alfa, letter)
    batch = batch_of(org_alfa, letter)

    assert build_letter_batch(str(org_bravo.pk), str(batch.pk)) == 0
    assert reload(org_alfa, batch).pdf is None
    assert build_letter_batch(str(org_alfa.pk), str(batch.pk)) == 1
    assert reload(org_alfa, batch).letter_count == 1


@pytest.mark.django_db(transaction=True)
def test_worker_sends_letter_and_builds_batch(org_alfa):
    _, invoices = make_debtor(org_alfa, **ADDRESS)
    message = queue_message(org_alfa, invoices, channel=Channel.LETTER)
    with app.connection_for_write() as connection:
        for queue in ("dunning", "mail"):
            connection.default_channel.queue_purge(queue)

    with start_worker(app, pool="solo", perform_ping_check=False, queues=["dunning", "mail"], shutdown_timeout=30):
        send_message.delay(str(org_alfa.pk), str(message.pk))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            message = reload(org_alfa, message)
            if message.letter_batch_id and reload(org_alfa, batch_of(org_alfa, message)).letter_count == 1:
                break
            time.sleep(0.2)

    batch = batch_of(org_alfa, message)
    assert batch.letter_count == 1
    assert "INV-1" in "\n".join(pdf_pages(bytes(batch.pdf)))
