"""What a reminder may lawfully claim besides the principal: collection costs and statutory interest.

``claim_context`` turns a message and its lines into the arguments of
``dunning.content.reminder_context``, so that every channel (e-mail, PDF,
letter, SMS, phone script) and the preview state the same amounts:

- a 14-day letter states the statutory costs on the summed principal of its
  claims, as the law asks, and whether VAT was added;
- a business debtor's step with costs states the costs already charged or
  the costs this step will charge;
- a consumer sees costs only once they have been charged (after a 14-day
  letter whose term passed unpaid);
- a step that shows interest adds the statutory interest up to the message date.
"""

from decimal import Decimal

from dunning.charges import business_costs, statutory_costs
from dunning.fourteen_day import letter_terms
from dunning.models import Message, StepCosts, StepTemplate
from dunning.selectors import ReminderLine, amounts_due, interest_to_date
from invoices.pdf import format_money
from payt.money import ZERO


def costs_this_step_adds(message: Message, step, invoice, already_charged: Decimal) -> Decimal:
    """Return the costs ``step`` will charge a business debtor on ``invoice`` after it goes out; none for consumers."""
    if already_charged > 0 or step.costs == StepCosts.NONE or message.debtor.kind == "consumer":
        return ZERO
    if step.costs == StepCosts.FIXED:
        return step.fixed_fee or ZERO
    costs = statutory_costs(
        debtor=message.debtor,
        organization=message.organization,
        principal=invoice.total_amount,
        currency=invoice.currency,
    )
    return costs.amount


def claim_context(message: Message, lines: list[ReminderLine]) -> dict:
    """Return the costs and interest keyword arguments of ``reminder_context`` for this message."""
    if not lines:
        return {}
    language = message.language
    steps = [line.action.step for line in lines]
    show_interest = any(step.show_interest for step in steps)

    interest = {
        line.invoice.pk: interest_to_date(line.invoice, message.run_date, shown=show_interest) for line in lines
    }
    if message.template == StepTemplate.FOURTEEN_DAY_LETTER:
        terms = letter_terms(message, [(line.invoice.currency, line.action.open_amount) for line in lines])
        costs = {}
        stated, vat_added = format_money(terms.costs, terms.currency, language), terms.vat_added
        # The letter's costs are owed only if its term passes unpaid, so the
        # amount asked now leaves them out.
        extra = ZERO
    else:
        costs = _costs_of_lines(message, lines)
        total_costs = sum(costs.values(), ZERO)
        stated = format_money(total_costs, lines[0].invoice.currency, language) if total_costs > 0 else None
        vat_added = False
        extra = total_costs

    total_interest = sum(interest.values(), ZERO)
    principal = sum((line.open for line in lines), ZERO)
    currency = lines[0].invoice.currency
    has_extra = extra > 0 or total_interest > 0
    return {
        "costs_stated": stated,
        "costs_vat_added": vat_added,
        "show_interest": show_interest,
        "costs_by_invoice": {pk: format_money(amount, currency, language) for pk, amount in costs.items() if amount},
        "interest_by_invoice": {
            pk: format_money(amount, currency, language) for pk, amount in interest.items() if amount
        },
        "total_due": format_money(principal + extra + total_interest, currency, language) if has_extra else None,
    }


def _costs_of_lines(message: Message, lines: list[ReminderLine]) -> dict:
    """Return {invoice id: costs} of the message: charged costs, plus what its steps will charge a business."""
    due = amounts_due([line.invoice for line in lines])
    charged = {line.invoice.pk: due[line.invoice.pk].costs for line in lines}
    costs = dict(charged)
    if message.debtor.kind == "consumer":
        return costs

    statutory = []
    for line in lines:
        step = line.action.step
        if charged[line.invoice.pk] > 0 or step.costs == StepCosts.NONE:
            continue
        if step.costs == StepCosts.FIXED:
            costs[line.invoice.pk] += step.fixed_fee or ZERO
        else:
            statutory.append((line.invoice, line.action.open_amount))
    for pk, amount in business_costs(message.debtor, message.organization, statutory).items():
        costs[pk] += amount
    return costs
