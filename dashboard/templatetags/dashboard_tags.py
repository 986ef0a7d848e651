"""Template helpers of the dashboard: money display and the interface language."""

from decimal import Decimal

from django import template
from django.conf import settings
from django.utils import formats, translation

from invoices.models import InvoiceStatus
from payt.money import to_money

register = template.Library()

CURRENCY_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}


@register.filter
def money(value: Decimal | None, currency: str = "EUR") -> str:
    """Format an amount with its currency symbol and the active language's separators.

    For example ``€ 1,234.50`` in English and ``€ 1.234,50`` in Dutch, with a
    no-break space after the symbol; an empty value shows as a dash.
    """
    if value is None or value == "":
        return "–"
    number = formats.number_format(
        to_money(value), decimal_pos=2, use_l10n=True, force_grouping=True
    )
    symbol = CURRENCY_SYMBOLS.get(currency, currency)
    return f"{symbol}\N{NO-BREAK SPACE}{number}"


@register.simple_tag
def dashboard_language() -> str:
    """Return the active language when the dashboard offers it, else the default (English)."""
    language = translation.get_language()
    return language if language in settings.DASHBOARD_LANGUAGES else settings.LANGUAGE_CODE


@register.filter
def status_label(status: str) -> str:
    """Return the translated label of an invoice status such as ``overdue``."""
    return InvoiceStatus(status).label if status in InvoiceStatus.values else status
