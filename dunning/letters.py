"""Letters: the reminder printed for a window envelope, the day's batch for printing, and its posting.

The sender puts each letter in the organisation's batch of the day and marks
the message sent. The batch is one PDF: a cover list of every letter, then
the letters. ``letter_batch_build`` renders it again whenever letters were
added since the last build. Once a credit controller records the posting
date, the batch is closed, and its letters count as delivered
``organization.letter_delivery_days`` working days after posting.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from debtors.models import Debtor, TimelineKind
from debtors.services import timeline_record
from dunning.calendar import add_business_days
from dunning.content import reminder_context, wording_for
from dunning.fourteen_day import fourteen_day_letter_record
from dunning.models import ActionStatus, LetterBatch, Message, MessageStatus
from dunning.selectors import ReminderLine, reminder_lines
from invoices.pdf import font_family_css, format_date, html_to_document, page_footer_css
from payt.api_errors import DomainError
from payt.dates import local_today
from payt.models import COUNTRY_CHOICES, Organization
from portal.services import portal_url_for_debtor

logger = logging.getLogger(__name__)


class MissingPostalAddress(ValueError):
    """The debtor has no address to print in the envelope window."""


def postal_address_lines(debtor: Debtor, organization: Organization) -> list[str]:
    """Return the lines for the envelope window; the country only when it differs from the sender's.

    Raises ``MissingPostalAddress`` when the street or the town is missing.
    """
    if not debtor.address_line or not debtor.city:
        raise MissingPostalAddress(
            f"Debtor {debtor.name!r} has no complete postal address (street and town); "
            "add it to the debtor and requeue the message."
        )
    lines = [debtor.name, debtor.address_line, f"{debtor.postal_code} {debtor.city}".strip()]
    country = (debtor.country or "").upper()
    if country and country != organization.country:
        lines.append(_country_name(country, organization))
    return lines


def _country_name(code: str, organization: Organization) -> str:
    # The destination country is written in capitals, in the language of the country of posting.
    names = dict(COUNTRY_CHOICES)
    if code not in names:
        return code
    with translation.override(organization.default_language):
        return str(names[code]).upper()


def letter_html(message: Message, lines: list[ReminderLine], portal_url: str) -> str:
    """Return the letter's HTML in the debtor's language: the reminder, addressed for a window envelope."""
    address_lines = postal_address_lines(message.debtor, message.organization)
    with translation.override(message.language):
        context = reminder_context(message, lines, portal_url)
        context["address_lines"] = address_lines
        return render_to_string("dunning/pdf/letter.html", context)


def render_letter_pdf(message: Message, lines: list[ReminderLine], portal_url: str) -> bytes:
    """Render one letter as PDF; raises ``MissingGlyphsError`` or ``MissingPostalAddress`` on bad data."""
    return html_to_document(letter_html(message, lines, portal_url)).write_pdf()


def letter_title(message: Message, lines: list[ReminderLine]) -> str:
    with translation.override(message.language):
        return str(wording_for(message, lines).title)


@transaction.atomic
def letter_batch_for_day(*, organization: Organization, day: dt.date) -> LetterBatch:
    """Return the batch that takes new letters on ``day``: that day's, or the next open one if it was posted."""
    while True:
        batch, _ = LetterBatch.objects.for_organization(organization).get_or_create(
            organization=organization, batch_date=day
        )
        if batch.posted_on is None:
            return batch
        day += dt.timedelta(days=1)


def letter_batch_is_stale(batch: LetterBatch) -> bool:
    """Tell whether letters joined the batch after its PDF was last built."""
    return batch.pdf is None or _batch_messages(batch).count() != batch.letter_count


def _batch_messages(batch: LetterBatch):
    return (
        Message.objects.for_organization(batch.organization)
        .filter(letter_batch=batch, status=MessageStatus.SENT)
        .select_related("debtor", "organization")
        .order_by("debtor__name", "created_at")
    )


@dataclass(frozen=True)
class CoverRow:
    debtor: str
    address: str
    invoices: list[str]
    pages: int
    first_page: int


@transaction.atomic
def letter_batch_build(*, batch: LetterBatch) -> LetterBatch:
    """Render the batch PDF again (cover list, then every letter) unless it is current or posted.

    Runs under a lock on the batch, so two builds take turns and the second
    one finds the PDF current. Letters show the amounts as they stand at the
    build; after posting the PDF no longer changes.
    """
    batch = LetterBatch.objects.select_for_update().select_related("organization").get(pk=batch.pk)
    if batch.posted_on is not None or not letter_batch_is_stale(batch):
        return batch

    messages = list(_batch_messages(batch))
    # TODO: every letter of the day is laid out in memory at once; a day with
    # thousands of letters needs the PDFs written and joined in parts.
    letters = [_letter_document(message) for message in messages]
    cover = _cover_document(batch, messages, letters)
    pages = [page for document in [cover, *letters] for page in document.pages]

    batch.pdf = cover.copy(pages).write_pdf()
    batch.letter_count = len(messages)
    batch.save(update_fields=["pdf", "letter_count"])
    logger.info("Letter batch %s built: %d letters, %d pages", batch.pk, len(messages), len(pages))
    return batch


def _letter_document(message: Message):
    lines = reminder_lines(message, statuses=[ActionStatus.SENT])
    return html_to_document(letter_html(message, lines, portal_url_for_debtor(message.debtor)))


def _cover_document(batch: LetterBatch, messages: list[Message], letters: list):
    """Lay out the cover list; a second pass corrects the page numbers when the list needs several pages."""
    cover_pages = 1
    while True:
        cover = html_to_document(_cover_html(batch, messages, letters, cover_pages))
        if len(cover.pages) == cover_pages:
            return cover
        cover_pages = len(cover.pages)


def _cover_html(batch: LetterBatch, messages: list[Message], letters: list, cover_pages: int) -> str:
    organization = batch.organization
    language = _cover_language(organization)
    rows = []
    next_page = cover_pages + 1
    for message, letter in zip(messages, letters, strict=True):
        numbers = list(
            message.actions.filter(status=ActionStatus.SENT)
            .order_by("invoice__due_date", "invoice__number")
            .values_list("invoice__number", flat=True)
        )
        address = ", ".join(postal_address_lines(message.debtor, organization)[1:])
        rows.append(CoverRow(message.debtor.name, address, numbers, len(letter.pages), next_page))
        next_page += len(letter.pages)

    with translation.override(language):
        context = {
            "language": language,
            "title": gettext("Letters of %(date)s") % {"date": format_date(batch.batch_date, language)},
            "creditor": organization,
            "letters": rows,
            "letter_pages": next_page - cover_pages - 1,
            "built_at": timezone.localtime(timezone.now(), organization.zone).strftime("%Y-%m-%d %H:%M"),
            "font_family": font_family_css(),
            "page_footer": page_footer_css(),
        }
        return render_to_string("dunning/pdf/letter_batch_cover.html", context)


def _cover_language(organization: Organization) -> str:
    # The cover is for the organisation's own staff, so it is in a dashboard language.
    language = organization.default_language
    return language if language in settings.DASHBOARD_LANGUAGES else settings.LANGUAGE_CODE


@transaction.atomic
def letter_batch_post(
    *, batch: LetterBatch, posted_on: dt.date, user=None, today: dt.date | None = None
) -> LetterBatch:
    """Record the day the batch went into the post and date each letter's assumed delivery.

    A letter counts as delivered ``organization.letter_delivery_days``
    working days after posting (weekends and the organisation's public
    holidays skipped). The PDF is brought up to date first and then frozen.
    ``today`` is the organisation's local date, which the posting date may
    not pass; it defaults to the real one.
    """
    batch = LetterBatch.objects.select_for_update().select_related("organization").get(pk=batch.pk)
    organization = batch.organization
    _check_posting(batch, posted_on, today or local_today(organization))
    batch = letter_batch_build(batch=batch)

    delivered_on = add_business_days(posted_on, organization.letter_delivery_days, organization.country)
    batch.posted_on = posted_on
    batch.posted_by = user
    batch.save(update_fields=["posted_on", "posted_by"])
    messages = list(_batch_messages(batch))
    Message.objects.filter(pk__in=[message.pk for message in messages]).update(delivered_on=delivered_on)

    for message in messages:
        message.delivered_on = delivered_on
        fourteen_day_letter_record(message=message, sent_on=posted_on)
        timeline_record(
            debtor=message.debtor,
            kind=TimelineKind.MESSAGE,
            summary=f"Letter posted on {posted_on.isoformat()}, delivered by {delivered_on.isoformat()}",
            data={
                "event": "letter_posted",
                "message_id": str(message.pk),
                "posted_on": posted_on.isoformat(),
                "delivered_on": delivered_on.isoformat(),
            },
        )
    logger.info("Letter batch %s posted on %s: %d letters", batch.pk, posted_on, len(messages))
    return batch


def _check_posting(batch: LetterBatch, posted_on: dt.date, today: dt.date) -> None:
    values = {"date": posted_on.isoformat(), "batch_date": batch.batch_date.isoformat()}
    if batch.posted_on is not None:
        message = gettext("This batch was already recorded as posted on %(date)s.")
        raise DomainError(message % {"date": batch.posted_on.isoformat()}, code="already_posted", field="posted_on")
    if not _batch_messages(batch).exists():
        message = gettext("This batch has no letters; there is nothing to post.")
        raise DomainError(message, code="empty", field="posted_on")
    if posted_on > today:
        message = gettext(
            "The posting date %(date)s is in the future; enter the day the letters went into the post."
        )
        raise DomainError(message % values, code="invalid_date", field="posted_on")
    if posted_on < batch.batch_date:
        message = gettext(
            "The posting date %(date)s is before the batch date %(batch_date)s; "
            "enter the day the letters went into the post."
        )
        raise DomainError(message % values, code="invalid_date", field="posted_on")
