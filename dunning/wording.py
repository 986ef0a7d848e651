"""The built-in wording of every reminder template, and the check of an organisation's own texts.

The English texts are the gettext source strings, and ``locale/`` contains
the Dutch, French and German translations. The tone rises step by step: a note before the due date,
a friendly reminder, a firmer second reminder, the 14-day letter, a final
notice. None of these texts mentions costs. Cost and interest sentences are
added by ``dunning.content`` only when the caller states an amount, so a
reminder never threatens costs that cannot lawfully be charged.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from dunning.models import StepTemplate


@dataclass(frozen=True)
class Wording:
    """The texts that set the tone of one kind of reminder.

    ``subject``, ``intro`` and ``request`` may be replaced by an
    organisation's ``TemplateText``. ``sms`` is the text of a reminder by SMS;
    None where the template must not go out by SMS.
    """

    title: Promise
    subject_one: Promise
    subject_many: Promise
    intro: Promise
    request: Promise
    sms: Promise | None


WORDING = {
    StepTemplate.PRE_DUE_NOTICE: Wording(
        title=_("Payment due soon"),
        subject_one=_("Payment due soon: invoice %(number)s from %(creditor)s"),
        subject_many=_("Payment due soon: %(count)s invoices from %(creditor)s"),
        intro=_("The amount below will be due soon. We send this note so that you can arrange payment in time."),
        request=_("Please pay %(total)s by the due date."),
        sms=_("%(creditor)s: %(total)s will be due soon. Details and payment: %(link)s"),
    ),
    StepTemplate.FRIENDLY_REMINDER: Wording(
        title=_("Friendly reminder"),
        subject_one=_("Friendly reminder: invoice %(number)s from %(creditor)s"),
        subject_many=_("Friendly reminder: %(count)s invoices from %(creditor)s"),
        intro=_("This is a friendly reminder that the amount below is still open. Perhaps it slipped your attention."),
        request=_("Please pay the open amount of %(total)s at your earliest convenience."),
        sms=_("%(creditor)s: a friendly reminder that %(total)s is still open. Pay or ask a question: %(link)s"),
    ),
    StepTemplate.SECOND_REMINDER: Wording(
        title=_("Second reminder"),
        subject_one=_("Second reminder: invoice %(number)s from %(creditor)s"),
        subject_many=_("Second reminder: %(count)s invoices from %(creditor)s"),
        intro=_(
            "We have not yet received payment of the amount below, although its due date has passed "
            "and we reminded you earlier."
        ),
        request=_(
            "Please pay the open amount of %(total)s within 7 days. If something is wrong with an invoice, "
            "let us know, so that we can sort it out together."
        ),
        sms=_("%(creditor)s: second reminder, %(total)s is past its due date. Please pay within 7 days: %(link)s"),
    ),
    StepTemplate.FOURTEEN_DAY_LETTER: Wording(
        title=_("Formal reminder"),
        subject_one=_("Formal reminder: invoice %(number)s from %(creditor)s"),
        subject_many=_("Formal reminder: %(count)s invoices from %(creditor)s"),
        intro=_(
            "We have not received payment of the invoices below, although their due dates have passed. "
            "This letter gives you a last term to pay them without collection costs."
        ),
        request=_(
            "If you cannot pay the full amount at once, contact us before the term ends, "
            "so that we can look for a solution together."
        ),
        sms=None,
    ),
    StepTemplate.FINAL_NOTICE: Wording(
        title=_("Final notice"),
        subject_one=_("Final notice: invoice %(number)s from %(creditor)s"),
        subject_many=_("Final notice: %(count)s invoices from %(creditor)s"),
        intro=_("This is our final notice. The amount below is still unpaid, long after its due date."),
        request=_(
            "Please pay the open amount of %(total)s within 7 days. If we do not receive payment by then, "
            "we will take further steps to collect it."
        ),
        sms=_("%(creditor)s: final notice, %(total)s is still unpaid. Please pay within 7 days: %(link)s"),
    ),
    StepTemplate.PHONE_CALL: Wording(
        title=_("Phone call"),
        subject_one=_("Call about invoice %(number)s from %(creditor)s"),
        subject_many=_("Call about %(count)s invoices from %(creditor)s"),
        intro=_(
            "Good day, I am calling on behalf of %(creditor)s about the invoices below, "
            "which are past their due date."
        ),
        request=_(
            "Could you tell me when we can expect payment of %(total)s? If something is unclear or wrong, "
            "we will look for a solution together."
        ),
        sms=None,
    ),
}

# The 14-day letter's fixed sentences (art. 6:96(6) BW). An organisation's own
# text cannot replace them, because the Dutch Supreme Court (HR 25-11-2016,
# ECLI:NL:HR:2016:2704) ruled that a letter with a wrong or unclear term is
# ineffective, and then no collection costs are owed. The term runs from the
# day after receipt.
FOURTEEN_DAY_TERM = _(
    "%(creditor)s asks you to pay the open amount of %(total)s "
    "within fourteen days of the day after you received this letter."
)
FOURTEEN_DAY_CONSEQUENCE = _(
    "If you do not pay within this term, you will in addition owe collection costs of %(costs)s, "
    "calculated under the Dutch decree on extrajudicial collection costs "
    "(Besluit vergoeding voor buitengerechtelijke incassokosten)."
)
# Art. 2(3) of that decree: VAT may be added only when the creditor cannot
# deduct it and states both facts in the letter.
COSTS_VAT_STATEMENT = _(
    "%(creditor)s cannot deduct the VAT on these collection costs; "
    "for that reason the collection costs have been increased by the VAT."
)
COSTS_OWED = _("In addition to the open amount, you owe collection costs of %(costs)s.")
INTEREST_OWED = _(
    "You also owe statutory interest on the open amount from the day you were in default until the day you pay."
)
INTEREST_IN_TABLE = _("The table shows the interest up to the date of this letter.")

# Placeholders an organisation's own subject, opening paragraph and payment
# request may use, each with what it stands for.
TEXT_PLACEHOLDERS = {
    "creditor": _("your organisation's name"),
    "debtor": _("the debtor's name"),
    "total": _("the open amount, with currency"),
    "count": _("the number of invoices"),
    "numbers": _("the invoice numbers, separated by commas"),
}
# "%%" is an escaped percent sign, skipped so that "%%(x)s" is not read as a placeholder.
PLACEHOLDER_PATTERN = re.compile(r"%%|%\((?P<name>[^)]*)\)(?P<conversion>.?)")
PLACEHOLDER_OR_ESCAPE = re.compile(r"%%|%\(\w+\)s")


def placeholder_list() -> str:
    """Return the allowed placeholders as people type them, for help texts and errors."""
    return ", ".join(f"%({name})s" for name in TEXT_PLACEHOLDERS)


def check_placeholders(field: str, text: str) -> None:
    """Raise ValidationError on ``field`` when ``text`` uses an unknown or malformed placeholder.

    Rendering would otherwise fail at send time, or print the raw
    placeholder in a debtor's message.
    """
    for match in PLACEHOLDER_PATTERN.finditer(text):
        name, conversion = match.group("name"), match.group("conversion")
        if name is None:
            continue
        if name not in TEXT_PLACEHOLDERS:
            _raise(
                field,
                _("Unknown placeholder %(placeholder)s; use one of %(allowed)s."),
                "unknown_placeholder",
                placeholder=match.group(0),
                allowed=placeholder_list(),
            )
        if conversion != "s":
            _raise(
                field,
                _("Placeholder %(placeholder)s must end in s; write %(fixed)s."),
                "invalid_placeholder",
                placeholder=match.group(0),
                fixed=f"%({name})s",
            )
    if "%" in PLACEHOLDER_OR_ESCAPE.sub("", text):
        _raise(
            field,
            _(
                "The text has a %% sign that is not a placeholder. "
                "Write a placeholder as %(example)s and a percent sign as %%%%."
            ),
            "invalid_placeholder",
            example="%(total)s",
        )


def _raise(field: str, message, code: str, **params) -> None:
    raise ValidationError({field: ValidationError(message, code=code, params=params)})
