"""Timeline text in the reader's language.

Services store each event's facts in ``TimelineEvent.data`` and an English
``summary``; pages call ``describe_event`` so a Dutch dashboard shows Dutch
text and local number formats. Events without the needed facts fall back
to the stored summary.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from debtors.models import TimelineEvent, TimelineKind
from payments.plan_rules import describe_plan_event
from payt.money import format_money_localized

EXCERPT_LENGTH = 200


def _money_from(data: dict) -> str | None:
    try:
        return format_money_localized(Decimal(data["amount"]), data.get("currency", "EUR"))
    except (KeyError, TypeError, InvalidOperation):
        return None


def _date_text(value: str) -> str:
    """Return an ISO date from the event's data in the active language's short format."""
    try:
        return date_format(dt.date.fromisoformat(value), "SHORT_DATE_FORMAT")
    except ValueError:
        return value


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT_LENGTH else text[:EXCERPT_LENGTH] + "…"


def _describe_document(event: TimelineEvent, money: str | None) -> str | None:
    number = event.data.get("number")
    if number is None or money is None:
        return None
    if event.kind == TimelineKind.CREDIT_NOTE:
        return _("Credit note %(number)s: %(amount)s") % {"number": number, "amount": money}
    return _("Invoice %(number)s: %(amount)s") % {"number": number, "amount": money}


def _describe_payment(event: TimelineEvent, money: str | None) -> str | None:
    if money is None:
        return None
    texts = {
        None: _("Payment received: %(amount)s"),
        "chargeback": _("Chargeback: %(amount)s; the invoices are open again."),
        "refund": _("Refund: %(amount)s"),
        "bank_return": _("Payment returned by the bank: %(amount)s; the invoices are open again."),
    }
    text = texts.get(event.data.get("event"))
    return text % {"amount": money} if text else None


def _describe_message(event: TimelineEvent) -> str | None:
    from dunning.models import StepTemplate

    delivery = _describe_delivery(event.data)
    if delivery is not None:
        return delivery
    template = event.data.get("template")
    invoices = event.data.get("invoices")
    if template not in StepTemplate.values or not invoices:
        return None
    return _("%(step)s sent for %(invoices)s") % {
        "step": StepTemplate(template).label,
        "invoices": ", ".join(invoices),
    }


def _describe_delivery(data: dict) -> str | None:
    """Describe a bounce or a posted letter; None for any other message event."""
    if data.get("event") == "email_bounced":
        return _("E-mail to %(email)s bounced: %(reason)s") % {
            "email": data.get("address") or "-",
            "reason": _excerpt(data.get("reason", "")),
        }
    if data.get("event") == "letter_posted":
        return _("Letter posted on %(posted_on)s; taken as delivered on %(delivered_on)s") % {
            "posted_on": data.get("posted_on", ""),
            "delivered_on": data.get("delivered_on", ""),
        }
    return None


def _describe_note(event: TimelineEvent, money: str | None) -> str | None:
    """Describe the notes that invoice and portal services write, each marked by ``data["event"]``."""
    data = event.data
    kind = data.get("event")
    if kind == "disputed" and "text" in data:
        return _("Invoice %(number)s disputed: %(text)s") % {"number": data.get("number", ""), "text": data["text"]}
    if kind == "dispute_resolved":
        return _("Dispute on invoice %(number)s resolved: %(text)s") % {
            "number": data.get("number", ""),
            "text": data.get("text", ""),
        }
    if kind == "cancelled":
        return _("Invoice %(number)s cancelled: %(text)s") % {
            "number": data.get("number", ""),
            "text": data.get("text", ""),
        }
    if kind == "promise_to_pay" and money is not None:
        return _("Promise to pay %(amount)s on %(date)s") % {"amount": money, "date": data.get("date", "")}
    if kind == "contact_changed":
        return _describe_contact_change(data)
    if kind == "contact_updated":
        changes = data.get("changes", {})
        values = ", ".join(change.get("new") or "-" for change in changes.values())
        return _("Contact details changed in the portal: %(values)s") % {"values": values}
    if kind == "copy_requested":
        return _("Copy of %(number)s e-mailed to %(email)s") % {
            "number": data.get("number", ""),
            "email": data.get("email", ""),
        }
    return None


def _describe_contact_change(data: dict) -> str:
    labels = {"email": _("e-mail"), "phone": _("phone")}
    changes = [
        _("%(field)s %(old)s → %(new)s") % {"field": labels.get(field, field), "old": old or "–", "new": new or "–"}
        for field, (old, new) in data.get("changes", {}).items()
    ]
    return _("Contact details changed: %(changes)s") % {"changes": ", ".join(changes)}


def _describe_hold(data: dict) -> str | None:
    from dunning.models import HoldReason

    reason = HoldReason(data["reason"]).label if data.get("reason") in HoldReason.values else data.get("reason", "")
    target = _("invoice %(number)s") % {"number": data["number"]} if data.get("number") else _("all invoices")
    if data.get("event") == "hold_placed":
        text = _("Dunning paused for %(target)s: %(reason)s") % {"target": target, "reason": reason}
        if data.get("until"):
            text += " " + _("until %(date)s") % {"date": _date_text(data["until"])}
    elif data.get("event") == "hold_released":
        text = _("Dunning resumed for %(target)s: %(reason)s") % {"target": target, "reason": reason}
    else:
        return None
    return f"{text} ({_excerpt(data['text'])})" if data.get("text") else text


def _describe_charge(data: dict, money: str | None) -> str | None:
    from dunning.models import ChargeKind

    if money is None or data.get("charge") not in ChargeKind.values:
        return None
    values = {"kind": ChargeKind(data["charge"]).label, "amount": money, "number": data.get("number", "")}
    if data.get("event") == "charged":
        return _("%(kind)s charged on invoice %(number)s: %(amount)s") % values
    if data.get("event") == "waived":
        return _("%(kind)s waived on invoice %(number)s: %(amount)s (%(reason)s)") % {
            **values,
            "reason": _excerpt(data.get("text", "")),
        }
    return None


def _setting_text(value) -> str:
    """Return a setting's value for reading: tags joined by commas, a dash for nothing."""
    text = ", ".join(value) if isinstance(value, list) else value
    return text or "–"


def _describe_dunning_settings_change(data: dict) -> str:
    labels = {"tags": _("tags"), "workflow": _("workflow")}
    changes = [
        _("%(field)s %(old)s → %(new)s")
        % {"field": labels.get(field, field), "old": _setting_text(old), "new": _setting_text(new)}
        for field, (old, new) in data.get("changes", {}).items()
    ]
    return _("Dunning settings changed: %(changes)s") % {"changes": ", ".join(changes)}


def _describe_dunning_control(event: TimelineEvent, money: str | None) -> str | None:
    """Describe a hold placed or released, a charge or its waiver, and changed dunning settings; else None."""
    data = event.data or {}
    if event.kind == TimelineKind.HOLD:
        return _describe_hold(data)
    if event.kind == TimelineKind.CHARGE:
        return _describe_charge(data, money)
    if event.kind == TimelineKind.NOTE and data.get("event") == "dunning_settings_changed":
        return _describe_dunning_settings_change(data)
    return None


def describe_event(event: TimelineEvent) -> str:
    """Return the event's text in the active language, or its stored summary."""
    data = event.data or {}
    plan_text = describe_plan_event(data)
    if plan_text is not None:
        return plan_text
    money = _money_from(data)
    dunning_text = _describe_dunning_control(event, money)
    if dunning_text is not None:
        return dunning_text
    text = None
    if event.kind in (TimelineKind.INVOICE, TimelineKind.CREDIT_NOTE):
        text = _describe_document(event, money)
    elif event.kind == TimelineKind.PAYMENT:
        text = _describe_payment(event, money)
    elif event.kind == TimelineKind.MESSAGE:
        text = _describe_message(event)
    elif event.kind == TimelineKind.QUESTION and "text" in data:
        text = _("Question from the portal: %(text)s") % {"text": _excerpt(data["text"])}
    elif event.kind == TimelineKind.NOTE:
        text = _describe_note(event, money)
    elif event.kind == TimelineKind.ANSWER and "text" in data:
        text = _("Answer: %(text)s") % {"text": _excerpt(data["text"])}
    return text or event.summary
