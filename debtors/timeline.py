"""Timeline text in the reader's language.

Services store each event's facts in ``TimelineEvent.data`` and an English
``summary``; pages call ``describe_event`` so a Dutch dashboard shows Dutch
text and local number formats. Events without the needed facts fall back
to the stored summary.
"""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from debtors.models import TimelineEvent, TimelineKind
from payt.money import format_money_localized

EXCERPT_LENGTH = 200


def _money_from(data: dict) -> str | None:
    try:
        return format_money_localized(Decimal(data["amount"]), data.get("currency", "EUR"))
    except (KeyError, TypeError, InvalidOperation):
        return None


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


def _describe_contact_change(data: dict) -> str:
    labels = {"email": _("e-mail"), "phone": _("phone")}
    changes = [
        _("%(field)s %(old)s → %(new)s") % {"field": labels.get(field, field), "old": old or "–", "new": new or "–"}
        for field, (old, new) in data.get("changes", {}).items()
    ]
    return _("Contact details changed: %(changes)s") % {"changes": ", ".join(changes)}


def describe_event(event: TimelineEvent) -> str:
    """Return the event's text in the active language, or its stored summary."""
    data = event.data or {}
    money = _money_from(data)
    text = None
    if event.kind in (TimelineKind.INVOICE, TimelineKind.CREDIT_NOTE):
        text = _describe_document(event, money)
    elif event.kind == TimelineKind.PAYMENT:
        text = _describe_payment(event, money)
    elif event.kind == TimelineKind.MESSAGE:
        text = _describe_message(event)
    elif event.kind == TimelineKind.QUESTION and "text" in data:
        text = _("Question from the portal: %(text)s") % {"text": _excerpt(data["text"])}
    elif event.kind == TimelineKind.NOTE and data.get("event") == "disputed" and "text" in data:
        text = _("Invoice %(number)s disputed: %(text)s") % {"number": data.get("number", ""), "text": data["text"]}
    elif event.kind == TimelineKind.NOTE and data.get("event") == "contact_changed":
        text = _describe_contact_change(data)
    elif event.kind == TimelineKind.ANSWER and "text" in data:
        text = _("Answer: %(text)s") % {"text": _excerpt(data["text"])}
    return text or event.summary
