"""Holds pause dunning and lapse by themselves, and the run log records what was planned or held back, and why."""

import datetime as dt

import pytest
from django.core.management import call_command

from debtors.models import TimelineEvent
from dunning.holds import hold_place, hold_release
from dunning.models import HoldReason, Message, RunLogEntry, RunOutcome, StepTemplate, Workflow
from payt.api_errors import DomainError
from payt.tenancy import tenant_context
from tests.dunning.helpers import messages_of


@pytest.fixture
def overdue(org_alfa, make_invoice, use_workflow):
    use_workflow(org_alfa, [(7, StepTemplate.FRIENDLY_REMINDER), (21, StepTemplate.SECOND_REMINDER)])
    return make_invoice(org_alfa, number="INV-H1", total="250.00", due_date=dt.date(2026, 11, 2))


def _place(organization, of_invoice, **kwargs):
    with tenant_context(organization):
        return hold_place(debtor=of_invoice.debtor, **kwargs)


def test_invoice_hold_lapses_after_date(org_alfa, overdue, run_day, monkeypatch):
    monkeypatch.setattr("dunning.holds.local_today", lambda organization: dt.date(2026, 11, 1))
    _place(org_alfa, overdue, invoice=overdue, reason=HoldReason.PROMISE_TO_PAY, until=dt.date(2026, 11, 12))

    held = run_day(org_alfa, dt.date(2026, 11, 12))
    resumed = run_day(org_alfa, dt.date(2026, 11, 13))

    assert [skipped.reason for skipped in held.skipped] == ["on hold: promise_to_pay until 2026-11-12"]
    assert [action.invoice_id for action in resumed.actions_created] == [overdue.pk]
    with tenant_context(org_alfa):
        outcomes = list(RunLogEntry.objects.order_by("run__run_date").values_list("outcome", "reason"))
    assert outcomes == [
        (RunOutcome.HELD, "on hold: promise_to_pay until 2026-11-12"),
        (RunOutcome.PLANNED, ""),
    ]


def test_debtor_hold_until_released(org_alfa, overdue, make_invoice, run_day):
    second = make_invoice(
        org_alfa, number="INV-H2", total="80.00", due_date=dt.date(2026, 11, 3), debtor=overdue.debtor
    )
    hold = _place(org_alfa, overdue, reason=HoldReason.INSOLVENCY, note="Surseance aangevraagd")

    held = run_day(org_alfa, dt.date(2026, 11, 19))
    with tenant_context(org_alfa):
        assert hold_release(hold=hold, note="Surseance ingetrokken") is True
        assert hold_release(hold=hold) is False
    resumed = run_day(org_alfa, dt.date(2026, 11, 20))

    assert sorted(skipped.invoice_number for skipped in held.skipped) == ["INV-H1", "INV-H2"]
    assert sorted(action.invoice_id for action in resumed.actions_created) == sorted([overdue.pk, second.pk])
    with tenant_context(org_alfa):
        events = list(TimelineEvent.objects.filter(kind="hold").order_by("occurred_at").values_list("data", flat=True))
    assert [event["event"] for event in events] == ["hold_placed", "hold_released"]
    assert events[0]["reason"] == "insolvency"
    assert events[1]["text"] == "Surseance ingetrokken"


def test_hold_rejects_past_end_date_and_foreign_invoice(org_alfa, overdue, make_invoice):
    other = make_invoice(org_alfa, number="INV-OTHER", total="10.00", due_date=dt.date(2026, 11, 2))
    with pytest.raises(DomainError) as past:
        _place(org_alfa, overdue, reason=HoldReason.CONSULTATION, until=dt.date(2020, 1, 1))
    with pytest.raises(DomainError) as foreign:
        _place(org_alfa, overdue, invoice=other, reason=HoldReason.DISPUTE)

    assert past.value.field == "until"
    assert "2020-01-01" in past.value.message
    assert foreign.value.field == "invoice"


def test_run_log_records_credit_skip_reason(org_alfa, make_invoice, credit_note, run_day):
    invoice = make_invoice(org_alfa, number="INV-2025-031", total="100.00", due_date=dt.date(2025, 10, 1))
    credit_note(org_alfa, invoice.debtor, number="CN-2025-007", total="150.00", issue_date=dt.date(2025, 9, 10))

    run_day(org_alfa, dt.date(2025, 10, 8))

    with tenant_context(org_alfa):
        entry = RunLogEntry.objects.get()
    assert entry.outcome == RunOutcome.SKIPPED
    assert entry.invoice_id == invoice.pk
    assert entry.reason == "debtor in credit, net balance -50.00"


def test_preview_shows_messages_and_keeps_nothing(org_alfa, overdue, capsys):
    call_command("dunning_preview", "--organization", org_alfa.slug, "--date", "2026-11-09", "--days", "15")

    output = capsys.readouterr().out
    assert "alfa 2026-11-09: 1 messages" in output
    assert "alfa 2026-11-23: 1 messages" in output
    assert "| email | friendly_reminder | total EUR 250.00" in output
    assert "| email | second_reminder | total EUR 250.00" in output
    assert "INV-H1: open 250.00 costs 0.00 interest 0.00 = EUR 250.00" in output
    assert messages_of(org_alfa) == []
    with tenant_context(org_alfa):
        assert Message.objects.count() == 0
        assert RunLogEntry.objects.count() == 0


def test_relative_step_waits_for_predecessor(org_alfa, make_invoice, run_day):
    with tenant_context(org_alfa):
        Workflow.objects.filter(is_default=True).update(is_default=False)
        workflow = Workflow.objects.create(organization=org_alfa, name="Chain", is_default=True)
        for position, (offset, template, offset_from) in enumerate(
            [
                (7, StepTemplate.FRIENDLY_REMINDER, "due_date"),
                (16, StepTemplate.SECOND_REMINDER, "previous_step"),
                (3, StepTemplate.FINAL_NOTICE, "previous_step"),
            ],
            start=1,
        ):
            workflow.steps.create(
                organization=org_alfa, position=position, days_after_due=offset, template=template,
                offset_from=offset_from, next_business_day=False,
            )
    make_invoice(org_alfa, number="INV-CH", total="90.00", due_date=dt.date(2026, 11, 2))

    sent = {}
    day = dt.date(2026, 11, 9)
    while day <= dt.date(2026, 12, 10):
        for action in run_day(org_alfa, day).actions_created:
            sent[action.step.template] = day
        day += dt.timedelta(days=1)

    assert sent == {
        StepTemplate.FRIENDLY_REMINDER: dt.date(2026, 11, 9),
        StepTemplate.SECOND_REMINDER: dt.date(2026, 11, 25),
        StepTemplate.FINAL_NOTICE: dt.date(2026, 12, 2),
    }
