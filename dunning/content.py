"""Rendering of reminders: subject, e-mail bodies, the PDF context, SMS text and phone script.

The e-mail and the PDF share one context (``reminder_context``) so that both
show the same invoices and amounts. Call everything here inside
``translation.override(message.language)``. The texts themselves live in
``dunning.wording``. An organisation's ``TemplateText`` for the message's
template and language replaces the subject, opening paragraph and payment
request; the sentences about the term, costs, VAT and interest always come
from ``dunning.wording``.
"""

import logging
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils.translation import gettext

from dunning.models import Message, StepTemplate, TemplateText
from dunning.selectors import ReminderLine
from dunning.wording import (
    COSTS_OWED,
    COSTS_VAT_STATEMENT,
    FOURTEEN_DAY_CONSEQUENCE,
    FOURTEEN_DAY_TERM,
    INTEREST_IN_TABLE,
    INTEREST_OWED,
    WORDING,
    Wording,
)
from invoices.pdf import font_family_css, format_date, format_money, page_footer_css

logger = logging.getLogger(__name__)

# Default of ``custom_text``: read the organisation's TemplateText from the database.
LOOKUP = object()
# Reminders that turn into the "payment due soon" note when none of their invoices is overdue yet.
ESCALATING_TEMPLATES = (StepTemplate.FRIENDLY_REMINDER, StepTemplate.SECOND_REMINDER, StepTemplate.FINAL_NOTICE)


class MissingLegalContent(ValueError):
    """Raised when a 14-day letter would go out without the collection costs it must state.

    Art. 6:96(6) BW makes the costs owed only after a letter that states
    them; a letter without the amount is useless in court.
    """


def wording_key(message: Message, lines: list[ReminderLine]) -> str:
    """Return the template whose wording the message uses.

    When no invoice of a reminder is overdue yet, it reads as the "payment
    due soon" note, because "still open" would be false.
    """
    if message.template in ESCALATING_TEMPLATES and lines and all(line.days_past_due == 0 for line in lines):
        return StepTemplate.PRE_DUE_NOTICE
    return message.template


def wording_for(message: Message, lines: list[ReminderLine]) -> Wording:
    """Return the built-in wording of the message (title, subjects, texts)."""
    return WORDING[wording_key(message, lines)]


def custom_text_for(message: Message, template: str) -> TemplateText | None:
    """Return the organisation's own text for ``template`` in the message's language, if it has one."""
    texts = TemplateText.objects.for_organization(message.organization)
    return texts.filter(template=template, language=message.language).first()


def reminder_subject(message: Message, lines: list[ReminderLine], custom_text=LOOKUP) -> str:
    """Return the subject line: the organisation's own subject if set, the built-in one otherwise."""
    key = wording_key(message, lines)
    custom = custom_text_for(message, key) if custom_text is LOOKUP else custom_text
    values = _placeholder_values(message, lines, _total_open(lines, message.language))
    return _subject(WORDING[key], custom, values, len(lines))


def _subject(wording: Wording, custom: TemplateText | None, values: dict, count: int) -> str:
    built_in = wording.subject_one if count == 1 else wording.subject_many
    if custom is not None and custom.subject:
        return _format_custom(custom, "subject", values, built_in)
    return built_in % values


def reminder_context(
    message: Message,
    lines: list[ReminderLine],
    portal_url: str,
    *,
    costs_stated: str | None = None,
    costs_vat_added: bool = False,
    show_interest: bool = False,
    costs_by_invoice: Mapping | None = None,
    interest_by_invoice: Mapping | None = None,
    total_due: str | None = None,
    custom_text=LOOKUP,
) -> dict:
    """Return the template context shared by the e-mail bodies, the PDF, the SMS text and the phone script.

    The caller states what may lawfully be claimed; nothing here computes it.
    ``costs_stated`` is the formatted total of the collection costs this
    message may mention (None: the message mentions no costs),
    ``costs_vat_added`` states whether VAT was added to them (art. 2(3) BIK),
    and ``show_interest`` adds the sentence on statutory interest.
    ``costs_by_invoice`` and ``interest_by_invoice`` map an invoice id to a
    formatted amount shown in its row, and ``total_due`` is the formatted
    amount including costs and interest, shown under the open total.
    ``custom_text`` replaces the database lookup of the organisation's
    ``TemplateText`` (None: use the built-in wording). Raises
    ``MissingLegalContent`` for a 14-day letter without ``costs_stated``.
    """
    language = message.language
    key = wording_key(message, lines)
    wording = WORDING[key]
    custom = custom_text_for(message, key) if custom_text is LOOKUP else custom_text
    total_open = _total_open(lines, language)
    values = _placeholder_values(message, lines, total_open)
    costs_by_invoice = costs_by_invoice or {}
    interest_by_invoice = interest_by_invoice or {}
    rows = [_row(line, language, costs_by_invoice, interest_by_invoice) for line in lines]
    notices = _notices(key, values, costs_stated, costs_vat_added, show_interest, any(interest_by_invoice.values()))

    return {
        "language": language,
        "creditor": message.organization,
        "debtor": message.debtor,
        "template": key,
        "title": wording.title,
        "subject": _subject(wording, custom, values, len(lines)),
        "document_date": format_date(message.run_date, language),
        "greeting": gettext("Dear %(name)s,") % {"name": message.debtor.name},
        "intro": _text(custom, "intro", wording.intro, values),
        "request": _text(custom, "request", wording.request, values),
        "notices": notices,
        "is_fourteen_day_letter": key == StepTemplate.FOURTEEN_DAY_LETTER,
        "rows": rows,
        "show_credited": any(line.credited for line in lines),
        "show_costs": any(row["costs"] for row in rows),
        "show_interest_column": any(row["interest"] for row in rows),
        "total_open": total_open,
        "total_due": total_due or "",
        "payment_details": _payment_details(message),
        "portal_url": portal_url,
        "sms": wording.sms % {**values, "link": portal_url} if wording.sms else "",
        "font_family": font_family_css(),
        "page_footer": page_footer_css(),
    }


def _placeholder_values(message: Message, lines: list[ReminderLine], total_open: str) -> dict:
    numbers = [line.invoice.number for line in lines]
    return {
        "creditor": message.organization.name,
        "debtor": message.debtor.name,
        "total": total_open,
        "count": len(lines),
        "numbers": ", ".join(numbers),
        "number": numbers[0] if numbers else "",
    }


def _text(custom: TemplateText | None, field: str, built_in, values: dict) -> str:
    if custom is not None and getattr(custom, field):
        return _format_custom(custom, field, values, built_in)
    return built_in % values


def _format_custom(custom: TemplateText, field: str, values: dict, built_in) -> str:
    """Fill an organisation's own text, or the built-in text if a placeholder of the own text is broken.

    Saving checks the placeholders, so this only catches a text changed
    around that check (in the admin, say). The debtor then gets the
    built-in wording rather than no message.
    """
    try:
        return getattr(custom, field) % values
    except (KeyError, ValueError, TypeError) as error:
        logger.warning(
            "Own %s text of organisation %s (%s, %s) has a broken placeholder (%s); using the built-in text",
            field,
            custom.organization_id,
            custom.template,
            custom.language,
            error,
        )
        return built_in % values


def _notices(
    key: str, values: dict, costs: str | None, vat_added: bool, show_interest: bool, interest_in_rows: bool
) -> list[str]:
    """Return the sentences on term, costs, VAT and interest, in the order the letter states them."""
    notices = []
    if key == StepTemplate.FOURTEEN_DAY_LETTER:
        if not costs:
            raise MissingLegalContent(
                "A 14-day letter must state the exact collection costs; pass costs_stated to reminder_context."
            )
        notices.append(FOURTEEN_DAY_TERM % values)
        notices.append(FOURTEEN_DAY_CONSEQUENCE % {"costs": costs})
    elif costs:
        notices.append(COSTS_OWED % {"costs": costs})
    if costs and vat_added:
        notices.append(COSTS_VAT_STATEMENT % values)
    if show_interest:
        notices.append(str(INTEREST_OWED))
        if interest_in_rows:
            notices.append(str(INTEREST_IN_TABLE))
    return notices


def _payment_details(message: Message) -> str:
    organization = message.organization
    if not organization.iban:
        return ""
    return gettext(
        "Please transfer the amount to IBAN %(iban)s in the name of %(creditor)s, stating the invoice numbers."
    ) % {"iban": organization.iban, "creditor": organization.name}


def _total_open(lines: list[ReminderLine], language: str) -> str:
    """Return the open total, one sum per currency joined by " + " when a debtor owes in several."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        totals[line.invoice.currency] += line.open
    return " + ".join(format_money(amount, currency, language) for currency, amount in sorted(totals.items()))


def _row(line: ReminderLine, language: str, costs_by_invoice: Mapping, interest_by_invoice: Mapping) -> dict:
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
        "costs": costs_by_invoice.get(line.invoice.pk, ""),
        "interest": interest_by_invoice.get(line.invoice.pk, ""),
        "payment_reference": line.invoice.payment_reference,
    }


def render_bodies(context: dict) -> tuple[str, str]:
    """Return the plain-text and HTML bodies of the reminder e-mail."""
    text = render_to_string("dunning/email/reminder.txt", context)
    html = render_to_string("dunning/email/reminder.html", context)
    return text, html


def render_phone_script(context: dict) -> str:
    """Return the script a credit controller reads on a reminder call."""
    return render_to_string("dunning/phone/script.txt", context)
