"""Pure rules of payment plans: splitting the total, scheduling, and deciding on a proposal.

Nothing here reads the database, so tests call these functions with plain
values. ``payments.plans`` applies them to a debtor's invoices.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext

from payments.models import PlanInterval
from payt.money import CENT, ZERO, format_money_localized, to_money

MIN_INSTALMENTS = 2


@dataclass(frozen=True)
class ReviewReason:
    """A rule that a proposal broke, with the values that its message names."""

    code: str
    params: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"code": self.code, "params": self.params}


# Codes of the rules, in the order they are checked and shown.
TOO_MANY_INSTALMENTS = "too_many_instalments"
INSTALMENT_BELOW_MINIMUM = "instalment_below_minimum"
TOTAL_ABOVE_LIMIT = "total_above_limit"
FIRST_DATE_TOO_LATE = "first_date_too_late"
BROKEN_PLAN_RECENTLY = "broken_plan_recently"


def split_instalments(total: Decimal, count: int) -> list[Decimal]:
    """Split ``total`` into ``count`` instalments: equal parts rounded half up to the cent,
    with the difference on the last one, so the parts add up to ``total`` exactly.

    For example 100.00 in 3 gives 33.33, 33.33, 33.34, and 100.00 in 6 gives
    five times 16.67 and 16.65 last. Raises ValueError when ``count`` is below
    1 or when a part would be zero or negative (a total of a few cents).
    """
    if count < 1:
        raise ValueError(f"Cannot split into {count} instalments; use 1 or more.")
    total = to_money(total)
    part = to_money(total / count)
    last = total - part * (count - 1)
    parts = [part] * (count - 1) + [last]
    if min(parts) < CENT:
        raise ValueError(f"{total} cannot be split into {count} instalments of at least 0.01.")
    return parts


def instalment_due_dates(first: dt.date, count: int, interval: str) -> list[dt.date]:
    """Return the due dates of ``count`` instalments from ``first`` on, one ``interval`` apart.

    Monthly dates count from the first date, so 31 January gives 28 (or 29)
    February and then 31 March, not 28 March.
    """
    steps = {
        PlanInterval.WEEKLY: lambda index: relativedelta(weeks=index),
        PlanInterval.FORTNIGHTLY: lambda index: relativedelta(weeks=2 * index),
        PlanInterval.MONTHLY: lambda index: relativedelta(months=index),
    }
    if interval not in steps:
        raise ValueError(f"Unknown interval {interval!r}; use one of {', '.join(PlanInterval.values)}.")
    return [first + steps[interval](index) for index in range(count)]


def review_reasons(
    policy,
    *,
    total: Decimal,
    currency: str,
    amounts: list[Decimal],
    first_due_date: dt.date,
    today: dt.date,
    last_broken_on: dt.date | None,
) -> list[ReviewReason]:
    """Return the organisation rules that a proposal breaks; an empty list means accept at once.

    ``policy`` is a ``PaymentPlanPolicy`` (saved or default). ``last_broken_on``
    is the day the debtor's most recent plan was broken, or None.
    """
    reasons = []
    if len(amounts) > policy.max_instalments:
        reasons.append(ReviewReason(TOO_MANY_INSTALMENTS, {"count": len(amounts), "max": policy.max_instalments}))

    smallest = min(amounts)
    if smallest < policy.min_instalment_amount:
        reasons.append(
            ReviewReason(
                INSTALMENT_BELOW_MINIMUM,
                {"amount": str(smallest), "minimum": str(policy.min_instalment_amount), "currency": currency},
            )
        )

    limit = policy.max_auto_accept_total
    if limit is not None and total > limit:
        reasons.append(
            ReviewReason(TOTAL_ABOVE_LIMIT, {"total": str(total), "limit": str(limit), "currency": currency})
        )

    latest_first = today + dt.timedelta(days=policy.max_days_to_first_instalment)
    if first_due_date > latest_first:
        reasons.append(
            ReviewReason(
                FIRST_DATE_TOO_LATE,
                {"date": first_due_date.isoformat(), "days": policy.max_days_to_first_instalment},
            )
        )

    lookback = policy.broken_plan_lookback_days
    if lookback and last_broken_on is not None and (today - last_broken_on).days <= lookback:
        reasons.append(ReviewReason(BROKEN_PLAN_RECENTLY, {"date": last_broken_on.isoformat(), "days": lookback}))
    return reasons


def describe_reason(reason: dict) -> str:
    """Return a stored review reason (``{"code", "params"}``) as a sentence in the active language."""
    params = reason.get("params", {})
    code = reason.get("code")
    if code == TOO_MANY_INSTALMENTS:
        return gettext("%(count)s instalments is more than the %(max)s that are accepted at once.") % params
    if code == INSTALMENT_BELOW_MINIMUM:
        return gettext("An instalment of %(amount)s is below the minimum of %(minimum)s.") % {
            "amount": _money(params, "amount"),
            "minimum": _money(params, "minimum"),
        }
    if code == TOTAL_ABOVE_LIMIT:
        return gettext("The total of %(total)s is above the %(limit)s that is accepted at once.") % {
            "total": _money(params, "total"),
            "limit": _money(params, "limit"),
        }
    if code == FIRST_DATE_TOO_LATE:
        return gettext("The first instalment is more than %(days)s days away.") % params
    if code == BROKEN_PLAN_RECENTLY:
        return gettext("An earlier payment plan was not kept within the last %(days)s days.") % params
    return code or ""


# Codes of the reasons that a plan waiting for review can no longer be approved as proposed.
NOTHING_OPEN = "nothing_open"
OPEN_AMOUNT_CHANGED = "open_amount_changed"


def approval_block(total: Decimal, receivable_now: Decimal) -> str | None:
    """Return why a waiting plan of ``total`` cannot be approved when ``receivable_now`` is open, or None.

    The instalments add up to the total open at the proposal, so any payment,
    credit note, cancellation or chargeback since then makes them wrong.
    """
    if receivable_now <= 0:
        return NOTHING_OPEN
    if receivable_now != total:
        return OPEN_AMOUNT_CHANGED
    return None


def describe_approval_block(block: str, *, total: Decimal, receivable_now: Decimal, currency: str) -> str:
    """Return the sentence that explains to a credit controller why approval is rejected and what to do instead."""
    if block == NOTHING_OPEN:
        return gettext(
            "Nothing is open any more on the invoices of this payment plan: they were paid or cancelled "
            "while it waited for review. Reject the proposal; the debtor needs no plan."
        )
    return gettext(
        "The invoices of this payment plan had %(total)s open at the proposal and have %(open)s open now, "
        "so its instalments no longer fit. Reject the proposal and let the debtor propose a new plan."
    ) % {
        "total": format_money_localized(total, currency),
        "open": format_money_localized(receivable_now, currency),
    }


def _money(params: dict, name: str) -> str:
    return format_money_localized(Decimal(params.get(name, "0")), params.get("currency", "EUR"))


def distribute_settled(settled: Decimal, amounts: list[Decimal]) -> list[Decimal]:
    """Count ``settled`` towards the instalments in order: each gets up to its amount.

    Money beyond the plan's total counts for nothing here (the invoices
    cannot take it either).
    """
    remaining = max(to_money(settled), ZERO)
    paid = []
    for amount in amounts:
        part = min(amount, remaining)
        paid.append(part)
        remaining -= part
    return paid


# What the daily run does about an unpaid instalment.
REMIND = "remind"
BREAK = "break"


def missed_instalment_action(due_date: dt.date, today: dt.date, grace_days: int) -> str | None:
    """Return what to do about an instalment still unpaid on ``today``.

    From the day after the due date a reminder is due (a missed run catches
    up the next day). Once ``grace_days`` more days have passed without
    payment the plan is broken. With a due date of 10 March and 7 grace
    days, 11 to 17 March mean "remind" and 18 March means "break".
    """
    days_late = (today - due_date).days
    if days_late <= 0:
        return None
    if days_late > grace_days:
        return BREAK
    return REMIND


PLAN_EVENTS = frozenset(
    {
        "plan_proposed",
        "plan_accepted",
        "plan_rejected",
        "instalment_paid",
        "plan_completed",
        "plan_broken",
        "instalment_reminder",
    }
)


def describe_plan_event(data: dict) -> str | None:
    """Return a payment plan event of the debtor's timeline in the active language.

    ``data`` is the event's stored facts; None means "not a plan event", so
    the caller shows the stored English summary.
    """
    event = data.get("event")
    if event not in PLAN_EVENTS:
        return None
    currency = data.get("currency", "EUR")
    facts = {
        "total": format_money_localized(Decimal(data.get("total", "0")), currency),
        "count": data.get("instalments", ""),
        "date": data.get("first_due_date", ""),
        "sequence": data.get("sequence", ""),
        "amount": format_money_localized(Decimal(data.get("amount", "0")), currency),
        "text": data.get("text", ""),
        "by": data.get("by", ""),
    }
    texts = {
        "plan_proposed": gettext("Payment plan proposed: %(total)s in %(count)s instalments from %(date)s"),
        "plan_accepted": gettext("Payment plan accepted by %(by)s: %(total)s in %(count)s instalments")
        if facts["by"]
        else gettext("Payment plan accepted automatically: %(total)s in %(count)s instalments"),
        "plan_rejected": gettext("Payment plan rejected: %(text)s"),
        "instalment_paid": gettext("Instalment %(sequence)s of %(count)s paid: %(amount)s"),
        "plan_completed": gettext("Payment plan completed: %(total)s"),
        "plan_broken": gettext(
            "Payment plan broken: instalment %(sequence)s unpaid after the grace period. "
            "Dunning resumes on %(amount)s."
        ),
        "instalment_reminder": gettext("Reminder sent for instalment %(sequence)s of the payment plan"),
    }
    return texts[event] % facts
