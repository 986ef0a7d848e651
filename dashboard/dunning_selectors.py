"""Reads of the dunning pages of the dashboard: the call list, letter batches and sent texts."""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Max, Q

from debtors.models import Debtor
from dunning.models import Channel, LetterBatch, Message, MessageStatus, PhoneTask, PhoneTaskStatus
from dunning.sms import local_outbox_records
from invoices.models import Invoice
from invoices.selectors import receivable_invoices
from payt.dates import days_past_due
from payt.models import Organization
from payt.phones import InvalidPhoneNumber, format_phone, normalize_phone

LOCAL_SMS_PROVIDER = "dunning.sms.LocalSmsProvider"
BATCH_LIMIT = 60
SMS_LIMIT = 100


@dataclass
class OpenInvoice:
    invoice: Invoice
    days_past_due: int


@dataclass
class DebtorCalls:
    """The open calls to one debtor, with the debtor's open invoices."""

    debtor: Debtor
    tasks: list[PhoneTask] = field(default_factory=list)
    invoices: list[OpenInvoice] = field(default_factory=list)
    dial: str = ""
    phone: str = ""


def phone_worklist(organization: Organization, today: dt.date) -> list[DebtorCalls]:
    """Return the open calls due today or earlier, grouped per debtor, oldest call first."""
    tasks = (
        PhoneTask.objects.for_organization(organization)
        .filter(status=PhoneTaskStatus.OPEN, due_date__lte=today)
        .select_related("debtor", "invoice")
        .order_by("due_date", "created_at")
    )
    groups: dict = {}
    for task in tasks:
        if task.debtor_id not in groups:
            groups[task.debtor_id] = _debtor_calls(task.debtor, organization)
        groups[task.debtor_id].tasks.append(task)

    invoices = receivable_invoices(Invoice.objects.for_organization(organization)).filter(debtor_id__in=list(groups))
    for invoice in invoices.order_by("due_date", "number"):
        groups[invoice.debtor_id].invoices.append(OpenInvoice(invoice, days_past_due(invoice.due_date, today)))
    return list(groups.values())


def _debtor_calls(debtor: Debtor, organization: Organization) -> DebtorCalls:
    country = debtor.country or organization.country
    try:
        dial = normalize_phone(debtor.phone, country) if debtor.phone else ""
    except InvalidPhoneNumber:
        dial = ""
    return DebtorCalls(debtor=debtor, dial=dial, phone=format_phone(debtor.phone, country))


def open_call_count(organization: Organization, today: dt.date) -> int:
    return (
        PhoneTask.objects.for_organization(organization)
        .filter(status=PhoneTaskStatus.OPEN, due_date__lte=today)
        .count()
    )


def letter_batches(organization: Organization, limit: int = BATCH_LIMIT):
    """Return the newest letter batches with the number of letters in each and their delivery date."""
    sent = Q(messages__status=MessageStatus.SENT)
    return (
        LetterBatch.objects.for_organization(organization)
        .defer("pdf")
        .annotate(letters=Count("messages", filter=sent), delivered_on=Max("messages__delivered_on", filter=sent))
        .order_by("-batch_date")[:limit]
    )


@dataclass
class SentText:
    message: Message
    text: str


def sent_texts(organization: Organization, limit: int = SMS_LIMIT) -> list[SentText]:
    """Return the newest text messages, with their text when the local test provider recorded it."""
    messages = list(
        Message.objects.for_organization(organization)
        .filter(channel=Channel.SMS)
        .select_related("debtor")
        .order_by("-created_at")[:limit]
    )
    texts = {}
    if settings.SMS_PROVIDER == LOCAL_SMS_PROVIDER:
        provider_ids = {message.provider_id for message in messages if message.provider_id}
        texts = {record["id"]: record["text"] for record in local_outbox_records() if record["id"] in provider_ids}
    return [SentText(message, texts.get(message.provider_id, "")) for message in messages]
