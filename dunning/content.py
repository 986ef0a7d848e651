"""Wording and rendering of reminders: subject, e-mail bodies and the PDF context.

The e-mail and the PDF share one context (``reminder_context``) so that both
show the same invoices and amounts. Call everything here inside
``translation.override(message.language)``; the English texts below are the
gettext source strings.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dunning.models import Message, StepTemplate
from dunning.selectors import ReminderLine
from invoices.pdf import font_family_css, format_date, format_money, page_footer_css

UPCOMING = "upcoming"


@dataclass(frozen=True)
class Wording:
    """The texts that set the tone of one kind of reminder."""

    title: Promise
    subject_one: Promise
    subject_many: Promise
    intro: Promise
    request: Promise


WORDING = {
    UPCOMING: Wording(
        title=_("Payment due soon"),
        subject_one=_("Payment due soon: invoice %(number)s from %(creditor)s"),
        subject_many=_("Payment due soon: %(count)s invoices from %(creditor)s"),
        intro=_("The amount below will be due soon. We send this note so that you can arrange payment in time."),
        request=_("Please pay %(total)s by the due date."),
    ),
    StepTemplate.FRIENDLY_REMINDER: Wording(
        title=_("Friendly reminder"),
        subject_one=_("Friendly reminder: invoice %(number)s from %(creditor)s"),
        subject_many=_("Friendly reminder: %(count)s invoices from %(creditor)s"),
        intro=_("This is a friendly reminder that the amount below is still open. Perhaps it slipped your attention."),
        request=_("Please pay the open amount of %(total)s at your earliest convenience."),
    ),
    StepTemplate.SECOND_REMINDER: Wording(
        title=_("Second reminder"),
        subject_one=_("Second reminder: invoice %(number)s from %(creditor)s"),
        subject_many=_("Second reminder: %(count)s invoices from %(creditor)s"),
        intro=_("The amount below is now well past its due date and still open."),
        request=_("Please pay the open amount of %(total)s within 7 days."),
    ),
    StepTemplate.FINAL_NOTICE: Wording(
        title=_("Final notice"),
        subject_one=_("Final notice: invoice %(number)s from %(creditor)s"),
        subject_many=_("Final notice: %(count)s invoices from %(creditor)s"),
        intro=_("This is our final notice. The amount below is still unpaid, long after its due date."),
        request=_(
            "Pay the open amount of %(total)s now. If we do not receive payment, "
            "we will take further steps to collect it."
        ),
    ),
}


def wording_for(message: Message, lines: list[ReminderLine]) -> Wording:
    """Return the message's wording: its step's tone, or "due soon" when nothing is overdue yet."""
    if all(line.days_past_due == 0 for line in lines):
        return WORDING[UPCOMING]
    return WORDING[message.template]


def reminder_subject(message: Message, lines: list[ReminderLine]) -> str:
    wording = wording_for(message, lines)
    creditor = message.organization.name
    if len(lines) == 1:
        return wording.subject_one % {"number": lines[0].invoice.number, "creditor": creditor}
    return wording.subject_many % {"count": len(lines), "creditor": creditor}


def reminder_context(message: Message, lines: list[ReminderLine], portal_url: str) -> dict:
    """Return the template context shared by the e-mail bodies and the PDF."""
    language = message.language
    wording = wording_for(message, lines)
    total_open = _total_open(lines, language)
    rows = [_row(line, language) for line in lines]
    return {
        "language": language,
        "creditor": message.organization,
        "debtor": message.debtor,
        "title": wording.title,
        "document_date": format_date(message.run_date, language),
        "greeting": gettext("Dear %(name)s,") % {"name": message.debtor.name},
        "intro": wording.intro,
        "request": wording.request % {"total": total_open},
        "rows": rows,
        "show_credited": any(line.credited for line in lines),
        "total_open": total_open,
        "portal_url": portal_url,
        "font_family": font_family_css(),
        "page_footer": page_footer_css(),
    }


def _total_open(lines: list[ReminderLine], language: str) -> str:
    """Return the open total, one sum per currency joined by " + " when a debtor owes in several."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        totals[line.invoice.currency] += line.open
    return " + ".join(format_money(amount, currency, language) for currency, amount in sorted(totals.items()))


def _row(line: ReminderLine, language: str) -> dict:
    def money(amount: Decimal) -> str:
        return format_money(amount, line.invoice.currency, language)

    return {
        "number": line.invoice.number,
        "due_date": format_date(line.invoice.due_date, language),
        "days_past_due": line.days_past_due,
        "total": money(line.total),
        "paid": money(line.paid),
        "credited": money(line.credited),
        "open": money(line.open),
        "payment_reference": line.invoice.payment_reference,
    }


def render_bodies(context: dict) -> tuple[str, str]:
    """Return the plain-text and HTML bodies of the reminder e-mail."""
    text = render_to_string("dunning/email/reminder.txt", context)
    html = render_to_string("dunning/email/reminder.html", context)
    return text, html
