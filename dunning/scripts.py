"""Call scripts for phone tasks: who to call, which invoices are open, and what to ask.

The script is read by the credit controller, so it is written in a
dashboard language: the debtor's when the dashboard speaks it, otherwise
the organisation's.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from dunning.content import _total_open, wording_for
from dunning.models import Message
from dunning.selectors import ReminderLine
from invoices.pdf import format_date, format_money


def script_language(message: Message) -> str:
    """Return the language of the call script for the message's debtor."""
    for language in (message.debtor.language, message.organization.default_language):
        if language in settings.DASHBOARD_LANGUAGES:
            return language
    return settings.LANGUAGE_CODE


def phone_script(message: Message, lines: list[ReminderLine], *, portal_url: str, bounce_note: str = "") -> str:
    """Return the call script for the message's invoices; ``bounce_note`` explains an undeliverable e-mail."""
    language = script_language(message)
    with translation.override(language):
        title = _title(message, lines)
        parts = [gettext("Call %(debtor)s about: %(title)s.") % {"debtor": message.debtor.name, "title": title}]
        if bounce_note:
            parts.append(bounce_note)
        parts.append("")
        parts.append(gettext("Open invoices:"))
        parts.extend(_invoice_line(line, language) for line in lines)
        parts.append(gettext("Total open: %(total)s") % {"total": _total_open(lines, language)})
        parts.append("")
        parts.append(gettext("Ask:"))
        parts.append(gettext("1. Has the debtor received the invoices, and are they correct?"))
        parts.append(gettext("2. When will the open amount be paid? Record the date as a promise to pay."))
        parts.append(gettext("3. If the debtor disputes an invoice, record the reason as a dispute."))
        parts.append(
            gettext("4. Point to the payment page, where the debtor can pay or ask a question: %(url)s")
            % {"url": portal_url}
        )
    return "\n".join(parts)


def _title(message: Message, lines: list[ReminderLine]) -> str:
    try:
        return str(wording_for(message, lines).title)
    except KeyError:
        # A template with no reminder wording of its own, such as a plain phone call.
        return str(message.get_template_display())


def bounce_note_text(message: Message, address: str, reason: str) -> str:
    """Return the script line that explains the undeliverable e-mail and asks the caller to request a new address."""
    with translation.override(script_language(message)):
        return gettext(
            "The e-mail to %(email)s could not be delivered (%(reason)s); ask for the right e-mail address."
        ) % {"email": address or "-", "reason": reason[:120]}


def _invoice_line(line: ReminderLine, language: str) -> str:
    invoice = line.invoice
    return gettext("- %(number)s, due %(due_date)s, days overdue: %(days)s, open %(open)s") % {
        "number": invoice.number,
        "due_date": format_date(invoice.due_date, language),
        "days": line.days_past_due,
        "open": format_money(line.open, invoice.currency, language),
    }
