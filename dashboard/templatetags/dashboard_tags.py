"""Template helpers of the dashboard: money display, the interface language and call reasons."""

from decimal import Decimal
from urllib.parse import urlsplit, urlunsplit

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from debtors.timeline import describe_event
from forecasting.alerts import call_reason_text
from payt.money import format_money_localized
from portal.selectors import status_label as portal_status_label

register = template.Library()

@register.filter
def money(value: Decimal | None, currency: str = "EUR") -> str:
    """Format an amount for display (see ``format_money_localized``); an empty value shows as a dash."""
    if value is None or value == "":
        return "–"
    return format_money_localized(value, currency)


@register.filter
def timeline_text(event) -> str:
    """Return the timeline event's text in the active language."""
    return describe_event(event)


@register.simple_tag
def dashboard_language() -> str:
    """Return the active language when the dashboard offers it, else the default (English)."""
    language = translation.get_language()
    return language if language in settings.DASHBOARD_LANGUAGES else settings.LANGUAGE_CODE


@register.simple_tag(takes_context=True)
def language_next(context) -> str:
    """Return the page the language switch redirects to, which must accept GET.

    A page rendered as the response to a POST (a form with errors) has a URL
    that often accepts only POST. Such a view may name its page as
    ``language_next`` in the context. Otherwise the switch redirects to the
    page the form was sent from (the Referer on this host), or to the home page.
    """
    request = context["request"]
    explicit = context.get("language_next")
    if explicit:
        return explicit
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()

    referer = urlsplit(request.headers.get("Referer", ""))
    if referer.netloc == request.get_host() and referer.path:
        return urlunsplit(("", "", referer.path, referer.query, ""))
    return reverse("dashboard:home")


@register.filter
def status_label(status: str) -> str:
    """Return the translated label of an invoice status such as ``overdue`` or ``charged_back``."""
    return portal_status_label(status)


@register.filter
def call_reason(task) -> str:
    """Return why a call is on the list, in the active language when it was stored as reason codes."""
    if task.reason_codes is not None and task.invoice is not None:
        return call_reason_text(task.invoice.number, task.reason_codes)
    return task.reason
