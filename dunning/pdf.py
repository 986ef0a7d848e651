"""The reminder as a PDF, attached to every reminder e-mail."""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from dunning.claims import claim_context
from dunning.content import reminder_context
from dunning.models import Message
from dunning.selectors import ReminderLine, reminder_lines
from invoices.pdf import html_to_pdf
from payt.tenancy import tenant_context
from portal.services import portal_letter_code, portal_url_for_debtor


def render_reminder_pdf(message: Message, lines: list[ReminderLine] | None = None, portal_url: str = "") -> bytes:
    """Render the message's reminder letter in the debtor's language.

    Without ``lines`` the letter lists the message's planned and sent
    invoices with their current amounts. Raises
    ``invoices.pdf.MissingGlyphsError`` if no installed font can draw a
    character of it.
    """
    with tenant_context(message.organization), translation.override(message.language):
        if lines is None:
            lines = reminder_lines(message)
        portal_url = portal_url or portal_url_for_debtor(message.debtor)
        context = reminder_context(message, lines, portal_url, **claim_context(message, lines))
        context["portal_code"] = portal_letter_code(message.debtor)
        context["portal_code_url"] = settings.BASE_URL + reverse("portal:code")
        document_html = render_to_string("dunning/pdf/reminder.html", context)
    return html_to_pdf(document_html)
