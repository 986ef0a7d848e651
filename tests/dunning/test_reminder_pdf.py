"""The reminder PDF: page breaks, repeated header, single total, non-Latin text."""

import datetime as dt
import re

from django.core import mail

from debtors.services import debtor_create
from dunning.models import MessageStatus
from dunning.pdf import render_reminder_pdf
from payt.tenancy import tenant_context
from tests.dunning.helpers import messages_of, pdf_attachment, pdf_font_names, pdf_pages

KOREAN_NAME = "서울 샘플 상사"
GREEK_STREET = "Οδός Δοκιμής 12"
ARABIC_NOTE = "فاتورة تجريبية"
EXPECTED_FONTS = {
    "Liberation-Sans",
    "Liberation-Sans-Bold",
    "NanumGothic",
    "NanumGothic-Bold",
    "Noto-Sans-Arabic",
}
HEADER = "Invoice Due date Days overdue Total Paid Open amount"


def test_long_reminder_page_layout(org_alfa, make_invoice, run_day):
    first = make_invoice(
        org_alfa,
        number="INV-001",
        total="103.00",
        due_date=dt.date(2025, 10, 1),
        language="en",
        name="Noordkade BV",
    )
    for line in range(2, 76):
        make_invoice(
            org_alfa,
            number=f"INV-{line:03d}",
            total="57.00",
            due_date=dt.date(2025, 10, 1),
            debtor=first.debtor,
        )

    run_day(org_alfa, dt.date(2025, 10, 8))

    [email] = mail.outbox
    assert email.subject == "Friendly reminder: 75 invoices from Alfa Installaties BV"
    pages = pdf_pages(pdf_attachment(email)[1])
    assert len(pages) == 3
    for number, text in enumerate(pages, start=1):
        assert text.count(HEADER) == 1, number
        assert text.endswith(f"Page {number} of 3")
    everything = "\n".join(pages)
    for line in range(1, 76):
        assert everything.count(f"INV-{line:03d}") == 1, line
    # Each row is whole on one page: its number, due date, days and three amounts on one line.
    row = re.compile(r"^INV-\d{3} 1 October 2025 7 €(\d+\.\d{2}) €0\.00 €\1$", re.MULTILINE)
    assert sum(len(row.findall(text)) for text in pages) == 75
    assert everything.count("€4,321.00") == 2  # the total line and the request sentence
    assert [text.count("Total open €4,321.00") for text in pages] == [0, 0, 1]


def test_reminder_pdf_renders_non_latin_text(org_alfa, make_invoice, run_day):
    with tenant_context(org_alfa):
        debtor = debtor_create(
            organization=org_alfa,
            name=KOREAN_NAME,
            email="seoul@debtor.example",
            language="en",
            address_line=GREEK_STREET,
            city=ARABIC_NOTE,
        )
    make_invoice(org_alfa, number="INV-KR", total="100.00", due_date=dt.date(2025, 10, 1), debtor=debtor)

    run_day(org_alfa, dt.date(2025, 10, 8))

    [email] = mail.outbox
    content = pdf_attachment(email)[1]
    text = "\n".join(pdf_pages(content))
    assert KOREAN_NAME in text
    assert GREEK_STREET in text
    assert ARABIC_NOTE in text
    fonts = pdf_font_names(content)
    # Hangul comes from NanumGothic (fonts-nanum), Arabic from Noto Sans Arabic (fonts-noto-core).
    assert fonts == EXPECTED_FONTS
    assert len(content) < 2 * 1024 * 1024


def test_missing_glyph_fails_message(org_alfa, make_invoice, run_day):
    # U+E000 is in the Private Use Area; fc-list ':charset=e000' lists no font on the test machines.
    make_invoice(
        org_alfa,
        number="INV-PUA",
        total="100.00",
        due_date=dt.date(2025, 10, 1),
        language="en",
        name="Studio \ue000",
    )

    run_day(org_alfa, dt.date(2025, 10, 8))

    assert mail.outbox == []
    [message] = messages_of(org_alfa)
    assert message.status == MessageStatus.FAILED
    assert message.status_reason == (
        "No installed font has glyphs for '\\ue000' (U+E000); install a font that covers them "
        "(for example Debian's fonts-noto-cjk or fonts-noto-core) and render the document again."
    )


def test_reminder_pdf_renders_sent_message_again(org_alfa, make_invoice, run_day):
    make_invoice(org_alfa, number="INV-100", total="600.00", due_date=dt.date(2025, 10, 1), language="en")
    run_day(org_alfa, dt.date(2025, 10, 8))
    [message] = messages_of(org_alfa)

    pages = pdf_pages(render_reminder_pdf(message))

    assert len(pages) == 1
    assert "INV-100 1 October 2025 7 €600.00 €0.00 €600.00" in pages[0]
    assert "Total open €600.00" in pages[0]
