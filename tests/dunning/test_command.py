"""The run_dunning management command."""

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from dunning.models import MessageStatus
from tests.dunning.helpers import messages_of


def run_command(*args) -> str:
    output = StringIO()
    call_command("run_dunning", *args, stdout=output)
    return output.getvalue()


def test_command_plans_and_sends(org_alfa, org_bravo, make_invoice):
    make_invoice(org_alfa, number="A-1", total="100.00", due_date=dt.date(2025, 10, 1), language="en")
    make_invoice(org_bravo, number="B-1", total="100.00", due_date=dt.date(2025, 10, 1), language="en")

    output = run_command("--organization", "alfa", "--date", "2025-10-08", "--send")

    assert output == "alfa 2025-10-08: actions=1 messages=1 held_back=0\n  send results: sent=1\n"
    assert [email.to for email in mail.outbox] == [["a-1@debtor.example"]]
    assert messages_of(org_bravo) == []


def test_command_without_send_only_plans(org_alfa, make_invoice, credit_note):
    invoice = make_invoice(org_alfa, number="A-1", total="100.00", due_date=dt.date(2025, 10, 1))
    make_invoice(org_alfa, number="A-2", total="100.00", due_date=dt.date(2025, 10, 1))
    credit_note(org_alfa, invoice.debtor, number="CN-1", total="150.00", issue_date=dt.date(2025, 9, 10))

    output = run_command("--organization", "alfa", "--date", "2025-10-08")

    assert output == (
        "alfa 2025-10-08: actions=1 messages=1 held_back=1\n  held back A-1: debtor in credit, net balance -50.00\n"
    )
    assert mail.outbox == []
    assert [m.status for m in messages_of(org_alfa)] == [MessageStatus.QUEUED]


def test_command_runs_every_organization(org_alfa, org_bravo):
    output = run_command("--date", "2025-10-08", "--send")

    assert output == (
        "alfa 2025-10-08: actions=0 messages=0 held_back=0\n  send results: none queued\n"
        "bravo 2025-10-08: actions=0 messages=0 held_back=0\n  send results: none queued\n"
    )


def test_command_rejects_bad_date(db):
    with pytest.raises(CommandError) as raised:
        run_command("--date", "08-10-2025")
    assert str(raised.value) == "--date '08-10-2025' is not a date; use YYYY-MM-DD, for example 2025-10-08."


def test_command_rejects_unknown_organization(db):
    with pytest.raises(CommandError) as raised:
        run_command("--organization", "nope")
    assert str(raised.value) == (
        "No organisation with slug 'nope'; check the slug or create it with create_organization."
    )
