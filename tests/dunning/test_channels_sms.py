"""Text messages: a queued SMS reaches the local provider in E.164 with the portal link, in two parts at most."""

import json

import pytest
from django.core import mail

from dunning.models import Channel, MessageStatus
from dunning.sender import dunning_message_send
from dunning.sms import LocalSmsProvider, local_outbox_records, reminder_sms_text, sms_segments
from payt.dates import local_today
from payt.phones import InvalidPhoneNumber, normalize_phone
from payt.tenancy import tenant_context
from tests.dunning.channel_support import make_debtor, queue_message, reload, send


@pytest.fixture(autouse=True)
def sms_outbox(settings, tmp_path):
    settings.SMS_PROVIDER = "dunning.sms.LocalSmsProvider"
    settings.SMS_LOCAL_OUTBOX = tmp_path / "sms.jsonl"
    return settings.SMS_LOCAL_OUTBOX


class FailingProvider:
    """A gateway that cannot be reached, for the retry path."""

    def send(self, to: str, text: str) -> str:
        raise ConnectionError("SMS gateway unreachable")


def test_sms_recorded_by_local_provider(org_alfa, sms_outbox):
    _, invoices = make_debtor(org_alfa, phone="06 1234 5678", invoices=[("INV-1", "250.00")])
    message = queue_message(org_alfa, invoices, channel=Channel.SMS)

    assert send(org_alfa, message) == MessageStatus.SENT

    [record] = list(local_outbox_records(sms_outbox))
    message = reload(org_alfa, message)
    assert record["to"] == "+31612345678"
    assert record["id"] == message.provider_id
    assert record["text"].startswith(
        "Alfa Installaties BV: Friendly reminder, invoice INV-1, open €250.00. Pay or reply: http://"
    )
    assert "/p/" in record["text"]
    assert sms_segments(record["text"]) <= 2
    assert (message.status, message.recipient) == (MessageStatus.SENT, "+31612345678")
    assert message.delivered_on == local_today(org_alfa)
    assert message.subject == "Friendly reminder: invoice INV-1 from Alfa Installaties BV"
    assert mail.outbox == []


def test_sms_in_debtor_language_without_no_break_spaces(org_alfa, sms_outbox):
    _, invoices = make_debtor(
        org_alfa, phone="+32 470 12 34 56", language="nl", invoices=[("F-1", "1234.50"), ("F-2", "10.00")]
    )
    message = queue_message(org_alfa, invoices, channel=Channel.SMS)

    send(org_alfa, message)

    [record] = list(local_outbox_records(sms_outbox))
    assert record["to"] == "+32470123456"
    assert "2 facturen, open € 1.244,50." in record["text"]
    assert "\xa0" not in record["text"]


@pytest.mark.parametrize(
    ("phone", "reason"),
    [
        ("", "Debtor 'Van Dijk Installatie BV' has no phone number; add a mobile number and retry."),
        ("020 123 4567", "Phone number '020 123 4567' is not a mobile number and cannot receive texts."),
        ("06 12", "Phone number '06 12' is not a valid number; check the digits and the country code."),
    ],
)
def test_sms_to_unusable_number_fails(org_alfa, sms_outbox, phone, reason):
    _, invoices = make_debtor(org_alfa, phone=phone)
    message = queue_message(org_alfa, invoices, channel=Channel.SMS)

    assert send(org_alfa, message) == MessageStatus.FAILED

    assert reload(org_alfa, message).status_reason == reason
    assert list(local_outbox_records(sms_outbox)) == []


def test_unreachable_gateway_requeues(org_alfa, settings):
    settings.SMS_PROVIDER = "tests.dunning.test_channels_sms.FailingProvider"
    _, invoices = make_debtor(org_alfa, phone="0612345678")
    message = queue_message(org_alfa, invoices, channel=Channel.SMS)

    with tenant_context(org_alfa), pytest.raises(ConnectionError):
        dunning_message_send(message_id=message.pk)

    message = reload(org_alfa, message)
    assert message.status == MessageStatus.QUEUED
    assert message.status_reason == "Attempt 1 failed, will retry: SMS gateway unreachable"


def test_missing_provider_setting_fails_the_message(org_alfa, settings):
    settings.SMS_PROVIDER = ""
    _, invoices = make_debtor(org_alfa, phone="0612345678")
    message = queue_message(org_alfa, invoices, channel=Channel.SMS)

    assert send(org_alfa, message) == MessageStatus.FAILED
    assert reload(org_alfa, message).status_reason.startswith("SMS_PROVIDER is not set")


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # the euro sign takes two septets
        ("€" * 81, 2),
        ("ë" * 70, 1),  # not in the GSM alphabet: UCS-2
        ("ë" * 71, 2),
        ("ë" * 134, 2),
        ("ë" * 135, 3),
    ],
)
def test_sms_segments(text, segments):
    assert sms_segments(text) == segments


def test_long_creditor_name_is_shortened_to_two_parts():
    url = "https://pay.example.com/p/" + "x" * 43 + "/"
    text = reminder_sms_text(
        creditor="Coöperatie " + "Zeer Lange Naam " * 12,
        title="Vriendelijke herinnering",
        numbers=[f"INV-{n}" for n in range(30)],
        total="€ 12.345,67",
        portal_url=url,
    )

    assert sms_segments(text) == 2
    assert text.endswith(f"Betaal of reageer: {url}") or text.endswith(f"Pay or reply: {url}")
    assert "...: Vriendelijke herinnering, open € 12.345,67." in text


@pytest.mark.parametrize(
    ("number", "country", "expected"),
    [
        ("06-12345678", "NL", "+31612345678"),
        ("+31 (0)6 1234 5678", "NL", "+31612345678"),
        ("0031 6 12345678", "NL", "+31612345678"),
        ("0470 12 34 56", "BE", "+32470123456"),
        ("07911 123456", "GB", "+447911123456"),
        ("+49 1512 3456789", "NL", "+4915123456789"),
    ],
)
def test_phone_numbers_normalised_to_e164(number, country, expected):
    assert normalize_phone(number, country, sms=True) == expected


def test_unreadable_phone_number_named():
    with pytest.raises(InvalidPhoneNumber, match="Phone number 'call me' cannot be read"):
        normalize_phone("call me", "NL")


def test_local_provider_appends_whole_lines(tmp_path):
    path = tmp_path / "texts.jsonl"
    provider = LocalSmsProvider(path)

    ids = [provider.send("+31612345678", f"text {n}") for n in range(3)]

    lines = path.read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == ids
    assert len(set(ids)) == 3
