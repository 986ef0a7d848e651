"""The invoice copy PDF and the shared PDF helpers."""

import datetime as dt
from decimal import Decimal

import pytest

from debtors.services import debtor_create
from invoices.models import DocumentKind, Invoice, SourceFormat
from invoices.pdf import (
    MissingGlyphsError,
    check_glyphs,
    format_date,
    format_money,
    page_footer_css,
    render_invoice_pdf,
)
from invoices.services import invoice_register, payment_register
from payt.models import Organization
from payt.tenancy import tenant_context
from tests.dunning.helpers import pdf_font_names, pdf_pages

KOREAN_NAME = "서울 샘플 상사"
GREEK_STREET = "Οδός Δοκιμής 12"
ARABIC_NOTE = "فاتورة تجريبية"
EXPECTED_FONTS = {"Liberation-Sans", "Liberation-Sans-Bold", "NanumGothic-Bold", "Noto-Sans-Arabic"}


def register(organization, debtor, **fields):
    values = {
        "organization": organization,
        "debtor": debtor,
        "number": "INV-2025-070",
        "issue_date": dt.date(2025, 9, 1),
        "due_date": dt.date(2025, 9, 30),
        "total_amount": Decimal("1000.00"),
        "vat_amount": Decimal("173.55"),
        "payment_reference": "RF18539007547034",
    }
    values.update(fields)
    with tenant_context(organization):
        invoice, _ = invoice_register(**values)
    return invoice


@pytest.fixture
def debtor(org_alfa):
    with tenant_context(org_alfa):
        return debtor_create(
            organization=org_alfa,
            name="Tulpwerk BV",
            email="ap@tulpwerk.example",
            language="en",
            address_line="Keizersgracht 1",
            postal_code="1015 CJ",
            city="Amsterdam",
            country="NL",
        )


def render(invoice) -> bytes:
    # A fresh instance, so the debtor is loaded inside render_invoice_pdf.
    with tenant_context(invoice.organization):
        fresh = Invoice.objects.get(pk=invoice.pk)
    return render_invoice_pdf(fresh)


def test_invoice_copy_shows_amounts_and_parties(org_alfa, debtor):
    Organization.objects.filter(pk=org_alfa.pk).update(iban="NL91ABNA0417164300")
    org_alfa.refresh_from_db()
    invoice = register(org_alfa, debtor)
    with tenant_context(org_alfa):
        payment_register(
            organization=org_alfa,
            amount=Decimal("400.00"),
            payment_date=dt.date(2025, 10, 5),
            invoice=invoice,
        )
        invoice.refresh_from_db()

    [page] = pdf_pages(render(invoice))

    lines = page.splitlines()
    assert lines[0] == "Invoice copy"
    for expected in (
        "Alfa Installaties BV",
        "Tulpwerk BV",
        "Keizersgracht 1",
        "1015 CJ Amsterdam",
        "Invoice number INV-2025-070",
        "Issue date 1 September 2025",
        "Due date 30 September 2025",
        "Payment reference RF18539007547034",
        "Amount excl. VAT €826.45",
        "VAT €173.55",
        "Total incl. VAT €1,000.00",
        "Paid €400.00",
        "Open amount €600.00",
        "Page 1 of 1",
    ):
        assert expected in lines, expected
    assert "Credited" not in page
    assert "Please transfer the open amount to NL91ABNA0417164300 in the name of Alfa Installaties BV." in page


def test_credit_note_copy_has_no_due_date(org_alfa, debtor):
    credit = register(
        org_alfa,
        debtor,
        number="CN-2025-081",
        kind=DocumentKind.CREDIT_NOTE,
        total_amount=Decimal("120.00"),
        vat_amount=Decimal("0.00"),
        payment_reference="",
    )

    [page] = pdf_pages(render(credit))

    assert page.splitlines()[0] == "Credit note copy"
    assert "Total incl. VAT €120.00" in page
    assert "Due date" not in page
    assert "Open amount" not in page


def test_pdf_original_returned_unchanged(org_alfa, debtor):
    original = b"%PDF-1.4\n% original from the accounting package\n%%EOF\n"
    invoice = register(org_alfa, debtor, source_format=SourceFormat.PDF, source_document=original)

    assert render(invoice) == original


def test_invoice_copy_renders_non_latin_text(org_alfa):
    with tenant_context(org_alfa):
        debtor = debtor_create(
            organization=org_alfa,
            name=KOREAN_NAME,
            language="en",
            address_line=GREEK_STREET,
            city=ARABIC_NOTE,
        )
    invoice = register(org_alfa, debtor)

    content = render(invoice)

    text = "\n".join(pdf_pages(content))
    assert KOREAN_NAME in text
    assert GREEK_STREET in text
    assert ARABIC_NOTE in text
    fonts = pdf_font_names(content)
    # Hangul comes from NanumGothic (fonts-nanum), Arabic from Noto Sans Arabic (fonts-noto-core).
    assert fonts == EXPECTED_FONTS
    assert len(content) < 2 * 1024 * 1024


def test_invoice_copy_names_missing_glyphs(org_alfa):
    with tenant_context(org_alfa):
        debtor = debtor_create(organization=org_alfa, name="Atelier \ue000\ue001", language="en")
    invoice = register(org_alfa, debtor)

    with pytest.raises(MissingGlyphsError) as raised:
        render(invoice)

    assert raised.value.characters == ["\ue000", "\ue001"]
    assert str(raised.value).startswith("No installed font has glyphs for '\\ue000' (U+E000), '\\ue001' (U+E001);")


def test_check_glyphs_ignores_invisible_characters():
    check_glyphs("Zero\u200dwidth joiner, no-break\u00a0space, tab\tand newline\n")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "€1,656.25"),
        ("nl", "€\xa01.656,25"),
        ("de", "1.656,25\xa0€"),
        ("fr", "1\xa0656,25\xa0€"),
    ],
)
def test_format_money_per_language(language, expected):
    assert format_money(Decimal("1656.25"), "EUR", language) == expected


def test_format_money_rounds_half_up():
    assert format_money(Decimal("0.625"), "EUR", "en") == "€0.63"
    assert format_money(Decimal("2.625"), "EUR", "nl") == "€\xa02,63"


def test_format_money_other_currency():
    assert format_money(Decimal("10"), "SEK", "en") == "SEK 10.00"
    assert format_money(Decimal("10"), "SEK", "nl") == "SEK\xa010,00"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "20 November 2025"),
        ("nl", "20 november 2025"),
        ("de", "20. November 2025"),
        ("fr", "20 novembre 2025"),
    ],
)
def test_format_date_per_language(language, expected):
    assert format_date(dt.date(2025, 11, 20), language) == expected


def test_page_footer_css():
    assert page_footer_css() == '"Page " counter(page) " of " counter(pages) ""'
