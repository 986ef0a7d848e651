"""Phone tasks from the phone channel, and the channel that replaces e-mail for a doubtful address."""

import pytest
from django.core import mail

from debtors.models import Debtor
from dunning.channels import MessageDataError, fallback_channel
from dunning.models import (
    Channel,
    LetterBatch,
    Message,
    MessageStatus,
    PhoneTask,
    PhoneTaskSource,
    PhoneTaskStatus,
    StepTemplate,
)
from payt.dates import local_today
from payt.tenancy import tenant_context
from tests.dunning.channel_support import make_debtor, queue_message, reload, send

ADDRESS = {"address_line": "Keizersgracht 12", "postal_code": "1015 CX", "city": "Amsterdam"}


def tasks_of(organization) -> list[PhoneTask]:
    with tenant_context(organization):
        return list(PhoneTask.objects.select_related("invoice", "message").order_by("created_at"))


def mark_doubtful(organization, debtor) -> None:
    with tenant_context(organization):
        Debtor.objects.filter(pk=debtor.pk).update(email_doubtful=True)


def test_phone_message_becomes_a_task_with_script(org_alfa):
    _, invoices = make_debtor(
        org_alfa, phone="0612345678", invoices=[("INV-1", "250.00"), ("INV-2", "1234.56")]
    )
    message = queue_message(org_alfa, invoices, channel=Channel.PHONE, template=StepTemplate.PHONE_CALL)

    assert send(org_alfa, message) == MessageStatus.SENT

    [task] = tasks_of(org_alfa)
    assert task.source == PhoneTaskSource.WORKFLOW
    assert task.status == PhoneTaskStatus.OPEN
    assert task.message_id == message.pk
    assert task.invoice is None  # two invoices: the call is about the debtor
    assert task.due_date == local_today(org_alfa)
    assert task.reason == "Phone call"
    lines = task.script.splitlines()
    assert lines[0] == "Call Van Dijk Installatie BV about: Phone call."
    assert "- INV-1, due 1 October 2025, days overdue: 7, open €250.00" in lines
    assert "- INV-2, due 1 October 2025, days overdue: 7, open €1,234.56" in lines
    assert "Total open: €1,484.56" in lines
    assert "2. When will the open amount be paid? Record the date as a promise to pay." in lines
    assert "/p/" in lines[-1]
    message = reload(org_alfa, message)
    assert (message.status, message.recipient, message.subject) == (MessageStatus.SENT, "+31612345678", "Phone call")
    assert mail.outbox == []


def test_script_in_dashboard_language_for_french_debtor(org_alfa):
    _, invoices = make_debtor(org_alfa, language="fr", phone="+33 6 12 34 56 78")
    message = queue_message(org_alfa, invoices, channel=Channel.PHONE)

    send(org_alfa, message)

    [task] = tasks_of(org_alfa)
    # Alfa's default language is Dutch, which the dashboard speaks; French it does not.
    assert task.script.startswith("Bel Van Dijk Installatie BV over: Vriendelijke herinnering.")
    assert "open €\xa0250,00" in task.script


def test_one_invoice_task_reused_while_open(org_alfa):
    _, invoices = make_debtor(org_alfa, phone="0612345678")
    first = queue_message(org_alfa, invoices, channel=Channel.PHONE)
    send(org_alfa, first)
    with tenant_context(org_alfa):
        Message.objects.filter(pk=first.pk).update(run_date="2025-10-01")
    second = queue_message(org_alfa, invoices, channel=Channel.PHONE, template=StepTemplate.SECOND_REMINDER)

    assert send(org_alfa, second) == MessageStatus.SENT

    [task] = tasks_of(org_alfa)
    assert task.invoice.number == "INV-1"
    assert task.message_id == first.pk


def test_doubtful_address_gets_a_call_instead_of_email(org_alfa):
    debtor, invoices = make_debtor(org_alfa, email="old@vandijk.example", phone="0612345678")
    mark_doubtful(org_alfa, debtor)
    message = queue_message(org_alfa, invoices, channel=Channel.EMAIL)

    assert send(org_alfa, message) == MessageStatus.SENT

    assert mail.outbox == []
    message = reload(org_alfa, message)
    assert message.channel == Channel.PHONE
    assert message.status_reason == "E-mail address old@vandijk.example is doubtful; sent as a phone task instead."
    [task] = tasks_of(org_alfa)
    assert (task.source, task.message_id) == (PhoneTaskSource.WORKFLOW, message.pk)


def test_doubtful_address_without_phone_gets_a_letter(org_alfa):
    debtor, invoices = make_debtor(org_alfa, email="old@vandijk.example", **ADDRESS)
    mark_doubtful(org_alfa, debtor)
    message = queue_message(org_alfa, invoices, channel=Channel.EMAIL)

    assert send(org_alfa, message) == MessageStatus.SENT

    message = reload(org_alfa, message)
    assert message.channel == Channel.LETTER
    with tenant_context(org_alfa):
        assert LetterBatch.objects.get().pk == message.letter_batch_id
    assert tasks_of(org_alfa) == []
    assert mail.outbox == []


def test_fourteen_day_letter_never_becomes_a_call(org_alfa):
    debtor, invoices = make_debtor(org_alfa, email="old@vandijk.example", phone="0612345678", **ADDRESS)
    message = queue_message(org_alfa, invoices, channel=Channel.EMAIL, template=StepTemplate.FOURTEEN_DAY_LETTER)

    with tenant_context(org_alfa):
        message = Message.objects.select_related("debtor", "organization").get(pk=message.pk)
    assert fallback_channel(message) == Channel.LETTER


def test_doubtful_address_and_no_other_way_fails(org_alfa):
    debtor, invoices = make_debtor(org_alfa, email="old@vandijk.example", phone="12")
    mark_doubtful(org_alfa, debtor)
    message = queue_message(org_alfa, invoices, channel=Channel.EMAIL)

    assert send(org_alfa, message) == MessageStatus.FAILED

    message = reload(org_alfa, message)
    assert message.channel == Channel.EMAIL
    assert message.status_reason == (
        "The e-mail address 'old@vandijk.example' of debtor 'Van Dijk Installatie BV' is marked doubtful and "
        "the debtor has no phone number or postal address; correct the e-mail address and retry the message."
    )
    with pytest.raises(MessageDataError):
        with tenant_context(org_alfa):
            fallback_channel(Message.objects.select_related("debtor", "organization").get(pk=message.pk))


def test_reroute_keeps_channel_on_collision(org_alfa):
    debtor, invoices = make_debtor(
        org_alfa, email="old@vandijk.example", phone="0612345678", invoices=[("INV-1", "10.00"), ("INV-2", "20.00")]
    )
    mark_doubtful(org_alfa, debtor)
    call = queue_message(org_alfa, invoices[:1], channel=Channel.PHONE)
    email = queue_message(org_alfa, invoices[1:], channel=Channel.EMAIL)

    assert send(org_alfa, call) == MessageStatus.SENT
    assert send(org_alfa, email) == MessageStatus.SENT

    assert reload(org_alfa, email).channel == Channel.EMAIL
    assert sorted(task.invoice.number for task in tasks_of(org_alfa)) == ["INV-1", "INV-2"]
