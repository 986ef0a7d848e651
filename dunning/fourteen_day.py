"""The 14-day letter (art. 6:96(6) BW): the costs it states, and the record of its sending and receipt.

The letter lists every open claim of a consumer, states the exact collection
costs on their summed principal, and gives fourteen days from the day after
receipt. Receipt is the message's ``delivered_on``: the delivery day for
e-mail, the posting day plus the organisation's working days for a letter. Costs may be charged only once the
term has ended unpaid (``dunning.charges``).
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from debtors.models import TimelineKind
from debtors.services import timeline_record
from dunning.charges import statutory_costs
from dunning.models import ActionStatus, FourteenDayLetter, Message, StepTemplate
from payt.money import ZERO, format_amount, to_money

TERM_DAYS = 14


@dataclass(frozen=True)
class LetterTerms:
    """The amounts a 14-day letter states."""

    currency: str
    principal_total: Decimal
    costs: Decimal
    vat_added: bool


def letter_terms(message: Message, open_amounts: list[tuple[str, Decimal]]) -> LetterTerms:
    """Return what the letter states for the claims in ``open_amounts`` ((currency, open principal) pairs)."""
    currency = open_amounts[0][0] if open_amounts else "EUR"
    principal = sum((amount for _, amount in open_amounts), ZERO)
    if principal <= 0:
        return LetterTerms(currency, ZERO, ZERO, False)
    costs = statutory_costs(
        debtor=message.debtor, organization=message.organization, principal=principal, currency=currency
    )
    vat_added = costs.vat > 0
    return LetterTerms(currency, principal, to_money(costs.amount), vat_added)


def term_end(received_on: dt.date) -> dt.date:
    """Return the last day of the term: fourteen days counted from the day after receipt."""
    return received_on + dt.timedelta(days=TERM_DAYS)


@transaction.atomic
def fourteen_day_letter_record(*, message: Message, sent_on: dt.date) -> FourteenDayLetter | None:
    """Record a sent 14-day letter with its receipt date and term; None if the message is no such letter.

    Call it once the message's ``delivered_on`` is known: when an e-mail is
    delivered (``sent_on`` is that day) or when a letter is posted
    (``sent_on`` is the posting day, ``delivered_on`` the assumed delivery).
    A second call for the same message returns the existing record.
    """
    if message.template != StepTemplate.FOURTEEN_DAY_LETTER:
        return None
    existing = FourteenDayLetter.objects.filter(message=message).first()
    if existing is not None:
        return existing

    actions = list(message.actions.filter(status=ActionStatus.SENT).select_related("invoice"))
    if not actions:
        return None
    organization = message.organization
    received = message.delivered_on or sent_on
    terms = letter_terms(message, [(action.invoice.currency, action.open_amount) for action in actions])
    letter = FourteenDayLetter.objects.create(
        organization=organization,
        debtor=message.debtor,
        message=message,
        channel=message.channel,
        sent_on=sent_on,
        assumed_receipt_on=received,
        term_ends_on=term_end(received),
        currency=terms.currency,
        principal_total=terms.principal_total,
        costs_amount=terms.costs,
        vat_added=terms.vat_added,
        invoice_numbers=[action.invoice.number for action in actions],
    )
    timeline_record(
        debtor=message.debtor,
        kind=TimelineKind.MESSAGE,
        summary=f"14-day letter: term ends {letter.term_ends_on.isoformat()}",
        data={
            "event": "fourteen_day_letter",
            "channel": message.channel,
            "sent_on": sent_on.isoformat(),
            "received_on": received.isoformat(),
            "term_ends_on": letter.term_ends_on.isoformat(),
            "costs": format_amount(terms.costs),
            "invoices": letter.invoice_numbers,
        },
    )
    return letter
