"""PDF documents: the shared WeasyPrint pipeline and the invoice copy.

Every PDF of the product (invoice copies here, reminders in
``dunning.pdf``) is an HTML template that extends ``pdf/base.html`` and is
rendered by ``html_to_pdf``. That function rejects text that no installed
font can draw, because WeasyPrint would otherwise print empty boxes (or,
in some releases, fail inside font subsetting) and the debtor would get a
document with blanks where their name should be.
"""

import datetime as dt
import functools
import html
import logging
import subprocess
import unicodedata
from decimal import Decimal

import weasyprint
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.html import strip_tags
from django.utils.translation import gettext
from weasyprint.urls import URLFetcher

from invoices.models import Allocation, Invoice, InvoiceLine, SourceFormat
from payt.money import CURRENCY_SYMBOLS, ZERO, to_money
from payt.tenancy import tenant_context

logger = logging.getLogger(__name__)

# Liberation Sans draws Latin, Greek and Cyrillic. The rest of the stack
# covers Arabic (Noto Sans Arabic, DejaVu Sans) and Hangul (NanumGothic, or
# Noto Sans CJK KR where fonts-noto-cjk is installed). Pango falls back per
# character along this list and then to any installed font.
FONT_STACK = (
    "Liberation Sans",
    "Noto Sans",
    "Noto Sans Arabic",
    "NanumGothic",
    "Noto Sans CJK KR",
    "DejaVu Sans",
    "sans-serif",
)
# Unicode categories that are never drawn: controls, format marks such as
# the zero-width joiner in Arabic text, and separators.
UNDRAWN_CATEGORIES = {"Cc", "Cf", "Zs", "Zl", "Zp"}


class MissingGlyphsError(ValueError):
    """Raised when no installed font can draw some characters of a document."""

    def __init__(self, characters: list[str]):
        self.characters = characters
        listed = ", ".join(f"{char!r} (U+{ord(char):04X})" for char in characters)
        super().__init__(
            f"No installed font has glyphs for {listed}; install a font that covers them "
            "(for example Debian's fonts-noto-cjk or fonts-noto-core) "
            "and render the document again."
        )


def font_family_css() -> str:
    """Return the CSS ``font-family`` value of every PDF template."""
    return ", ".join(family if family == "sans-serif" else f'"{family}"' for family in FONT_STACK)


@functools.lru_cache(maxsize=4096)
def installed_font_covers(char: str) -> bool:
    """Ask fontconfig whether any installed font has a glyph for ``char``."""
    try:
        completed = subprocess.run(
            ["fc-list", "--quiet", f":charset={ord(char):x}"],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except FileNotFoundError:
        raise RuntimeError("fc-list is missing; install fontconfig, which WeasyPrint needs as well.") from None
    return completed.returncode == 0


def check_glyphs(text: str) -> None:
    """Raise ``MissingGlyphsError`` if no installed font can draw a character of ``text``."""
    drawn = {char for char in text if unicodedata.category(char) not in UNDRAWN_CATEGORIES}
    missing = sorted(char for char in drawn if not char.isascii() and not installed_font_covers(char))
    if missing:
        raise MissingGlyphsError(missing)


def html_to_pdf(document_html: str) -> bytes:
    """Render an HTML document to PDF bytes after checking that every character can be drawn."""
    return html_to_document(document_html).write_pdf()


def html_to_document(document_html: str) -> weasyprint.Document:
    """Lay out an HTML document into pages after checking that every character can be drawn.

    Callers that join several documents into one PDF (a day's letters) use
    the pages; everyone else calls ``html_to_pdf``. Remote and local
    resources are not fetched (only ``data:`` URLs), so text that reaches a
    template cannot make the renderer read a file or call a server.
    """
    check_glyphs(html.unescape(strip_tags(document_html)))
    fetcher = URLFetcher(allowed_protocols={"data"})
    return weasyprint.HTML(string=document_html, url_fetcher=fetcher).render()


def page_footer_css() -> str:
    """Return the CSS ``content`` value of the "Page X of Y" footer in the active language."""
    label = gettext("Page {page} of {pages}")
    parts = []
    rest = label
    for placeholder, counter in (("{page}", "counter(page)"), ("{pages}", "counter(pages)")):
        before, _, rest = rest.partition(placeholder)
        parts.extend([_css_string(before), counter])
    parts.append(_css_string(rest))
    return " ".join(parts)


def _css_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'"{escaped}"'


def format_money(amount: Decimal, currency: str, language: str, decimal_places: int = 2) -> str:
    """Format an amount as readers of ``language`` write it: € 1.656,25, €1,656.25, 1.656,25 €.

    Amounts are rounded half up to the cent; a unit price may keep more
    ``decimal_places``, since an invoice line may be priced at 0.625.
    """
    value = to_money(amount) if decimal_places == 2 else amount
    with translation.override(language):
        number = formats.number_format(value, decimal_pos=decimal_places, use_l10n=True, force_grouping=True)
    symbol = CURRENCY_SYMBOLS.get(currency, currency)
    if language == "en":
        return f"{symbol}{number}" if symbol != currency else f"{currency} {number}"
    if language == "nl":
        return f"{symbol}\N{NO-BREAK SPACE}{number}"
    return f"{number}\N{NO-BREAK SPACE}{symbol}"


def format_date(value: dt.date, language: str) -> str:
    """Format a calendar date in ``language`` (1 October 2025 / 1 oktober 2025), with no time zone."""
    with translation.override(language):
        return formats.date_format(value, "DATE_FORMAT")


def render_invoice_pdf(invoice: Invoice, language: str | None = None) -> bytes:
    """Return the invoice as PDF: the original if it arrived as a PDF, otherwise a rendered copy.

    The copy is in ``language``, else in the debtor's language.
    """
    if invoice.source_format == SourceFormat.PDF and invoice.source_document:
        return bytes(invoice.source_document)

    # The debtor and the allocation sums are read under row-level security,
    # which shows no rows outside the tenant's context.
    with tenant_context(invoice.organization):
        language = language or invoice.debtor.language or invoice.organization.default_language
        with translation.override(language):
            document_html = render_to_string("invoices/pdf/invoice_copy.html", _invoice_context(invoice, language))
    return html_to_pdf(document_html)


def _settled_amounts(invoice: Invoice) -> tuple[Decimal, Decimal]:
    """Return (paid, credited): what payments and credit notes have taken off the invoice."""
    allocations = Allocation.objects.for_organization(invoice.organization).filter(invoice=invoice)
    paid = allocations.filter(payment__isnull=False).aggregate(total=Sum("amount"))["total"] or ZERO
    credited = allocations.filter(credit_document__isnull=False).aggregate(total=Sum("amount"))["total"] or ZERO
    return paid, credited


def format_number(value: Decimal, language: str) -> str:
    """Format a quantity or rate with only the decimals it needs (2, 2,5, 0,625) in ``language``."""
    with translation.override(language):
        return formats.number_format(value, decimal_pos=_places_needed(value), use_l10n=True, force_grouping=True)


def _places_needed(value: Decimal) -> int:
    return max(0, -value.normalize().as_tuple().exponent)


def _line_rows(invoice: Invoice, language: str) -> list[dict]:
    lines = InvoiceLine.objects.for_organization(invoice.organization).filter(invoice=invoice).order_by("position")
    return [
        {
            "position": line.position,
            "description": line.description,
            "quantity": format_number(line.quantity, language),
            "unit_price": format_money(
                line.unit_price, invoice.currency, language, decimal_places=max(2, _places_needed(line.unit_price))
            ),
            "vat_rate": f"{format_number(line.vat_rate, language)}%",
            "line_net": format_money(line.line_net, invoice.currency, language),
        }
        for line in lines
    ]


def _invoice_context(invoice: Invoice, language: str) -> dict:
    paid, credited = _settled_amounts(invoice)

    def money(amount: Decimal) -> str:
        return format_money(amount, invoice.currency, language)

    return {
        "font_family": font_family_css(),
        "page_footer": page_footer_css(),
        "language": language,
        "creditor": invoice.organization,
        "debtor": invoice.debtor,
        "invoice": invoice,
        "is_credit": invoice.is_credit,
        "issue_date": format_date(invoice.issue_date, language),
        "due_date": format_date(invoice.due_date, language),
        "total": money(invoice.total_amount),
        "vat": money(invoice.vat_amount),
        "net": money(invoice.total_amount - invoice.vat_amount),
        "paid": money(paid),
        "credited": money(credited) if credited else "",
        "open": money(invoice.open_amount),
        "lines": _line_rows(invoice, language),
    }
