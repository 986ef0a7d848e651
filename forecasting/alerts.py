"""Risk alerts: which open invoices deserve a call, and why, in plain words.

``risk_reasons`` turns one invoice's feature values into reason codes with
their figures, strongest first; ``reason_text`` renders a code in the active
language. Codes are stored, texts are not, so a reader sees them in their own
language.
"""

import math
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext, ngettext

# An invoice is risky when its chance of missing the due date (or, overdue, of staying unpaid
# OVERDUE_HORIZON_DAYS more) is at least this and its amount matters (see selectors.risky_invoices).
RISK_MIN_PROBABILITY = 0.5
# An overdue invoice is risky when it probably stays unpaid this many more days.
OVERDUE_HORIZON_DAYS = 14
MAX_REASONS = 3


@dataclass(frozen=True)
class OrganizationNorms:
    """Usual payment behaviour across the organisation's paid invoices, to compare a debtor with."""

    on_time_share: float
    mean_days_late: float


def _number(row: dict, name: str) -> float:
    value = row.get(name)
    return math.nan if value is None else float(value)


def risk_reasons(row: dict, norms: OrganizationNorms) -> list[dict]:
    """Return up to three reasons, strongest first, as ``{"code": ..., figures}`` dicts.

    ``row`` maps feature names (forecasting.features.FEATURES) to values.
    """
    reasons = []
    paid = _number(row, "paid_count")
    if row.get("disputed"):
        reasons.append((5, {"code": "disputed"}))
    if not paid:
        reasons.append((4, {"code": "no_history"}))
    on_time = _number(row, "on_time_share")
    if paid and on_time < norms.on_time_share - 0.15:
        reasons.append((3 + (norms.on_time_share - on_time), {
            "code": "low_on_time_share", "share": round(on_time, 2), "count": int(paid),
            "norm": round(norms.on_time_share, 2),
        }))
    late = _number(row, "mean_days_late")
    if paid and late >= max(norms.mean_days_late + 5, 5):
        reasons.append((3 + late / 30, {"code": "late_on_average", "days": round(late)}))
    recent = _number(row, "recent_days_late")
    if paid >= 4 and recent >= max(late + 5, 5):
        reasons.append((3 + (recent - late) / 30, {"code": "getting_later", "days": round(recent)}))
    overdue = _number(row, "overdue_count") - (1 if _number(row, "days_past_due") > 0 else 0)
    if overdue >= 1:
        reasons.append((2 + overdue / 10, {"code": "other_invoices_overdue", "count": int(overdue)}))
    promises = _number(row, "broken_promises")
    if promises >= 1:
        reasons.append((2.5, {"code": "broken_promises", "count": int(promises)}))
    disputes = _number(row, "disputes")
    if disputes >= 2:
        reasons.append((1.5, {"code": "earlier_disputes", "count": int(disputes)}))
    reminders = _number(row, "reminders_sent")
    if reminders >= 1:
        reasons.append((1 + reminders / 10, {"code": "reminders_sent", "count": int(reminders)}))
    ratio = math.exp(_number(row, "amount_vs_usual")) if not math.isnan(_number(row, "amount_vs_usual")) else 1.0
    if ratio >= 2:
        reasons.append((1, {"code": "large_amount", "ratio": round(ratio, 1)}))
    reasons.sort(key=lambda item: -item[0])
    return [reason for _, reason in reasons[:MAX_REASONS]]


def reason_text(reason: dict) -> str:
    """Return the reason in the active language."""
    code = reason["code"]
    count = reason.get("count", 0)
    if code == "disputed":
        return gettext("The debtor disputes this invoice.")
    if code == "no_history":
        return gettext("New debtor: no paid invoices yet, so the forecast rests on similar debtors.")
    if code == "low_on_time_share":
        return gettext("Paid %(share)d%% of %(count)d invoices on time, against %(norm)d%% across all debtors.") % {
            "share": round(reason["share"] * 100), "count": count, "norm": round(reason["norm"] * 100)
        }
    if code == "late_on_average":
        return gettext("Pays %(days)d days after the due date on average.") % {"days": reason["days"]}
    if code == "getting_later":
        return gettext("The last three invoices were paid %(days)d days late on average, later than before.") % {
            "days": reason["days"]
        }
    if code == "other_invoices_overdue":
        return ngettext(
            "%(count)d other invoice of this debtor is past due.",
            "%(count)d other invoices of this debtor are past due.",
            count,
        ) % {"count": count}
    if code == "broken_promises":
        return ngettext("Broke %(count)d promise to pay.", "Broke %(count)d promises to pay.", count) % {
            "count": count
        }
    if code == "earlier_disputes":
        return gettext("Disputed %(count)d earlier invoices.") % {"count": count}
    if code == "reminders_sent":
        return ngettext(
            "%(count)d reminder sent for this invoice without payment.",
            "%(count)d reminders sent for this invoice without payment.",
            count,
        ) % {"count": count}
    if code == "large_amount":
        return gettext("The amount is %(ratio)s times this debtor's usual invoice.") % {"ratio": reason["ratio"]}
    return code


def call_reason_text(number: str, reasons: list[dict], *, language: str | None = None) -> str:
    """Return the reason of a risk-alert call about invoice ``number``, in ``language`` or the active one."""
    with translation.override(language or translation.get_language()):
        text = gettext("Risk of late payment of invoice %(number)s") % {"number": number}
        words = " ".join(reason_text(reason) for reason in reasons)
    return f"{text}: {words}" if words else text


def call_advice() -> str:
    return gettext("Call the debtor before the next reminder goes out.")
