"""The planning run and its sending, day by day, against PostgreSQL."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from debtors.services import debtor_create
from dunning.models import ActionStatus, DunningAction, MessageStatus, StepTemplate
from dunning.services import SkippedInvoice, dunning_run
from invoices.models import SettlementStatus
from invoices.selectors import debtor_net_balance
from invoices.services import invoice_register
from payt.dates import days_past_due, local_today
from payt.services import organization_create
from payt.tenancy import tenant_context
from portal.models import Question, QuestionStatus
from tests.dunning.helpers import messages_of, pdf_attachment, pdf_pages

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
SAO_PAULO = zoneinfo.ZoneInfo("America/Sao_Paulo")


def actions_of(organization):
    with tenant_context(organization):
        return list(
            DunningAction.objects.select_related("step", "invoice").order_by("invoice__number", "step__days_after_due")
        )


def test_run_sends_expected_reminders_once(org_alfa, make_invoice, run_day):
    make_invoice(org_alfa, number="INV-100", total="600.00", due_date=dt.date(2025, 10, 1), language="en")
    make_invoice(org_alfa, number="INV-200", total="250.00", due_date=dt.date(2025, 9, 17), language="en")
    make_invoice(org_alfa, number="INV-300", total="75.00", due_date=dt.date(2025, 10, 5), language="en")
    make_invoice(org_alfa, number="INV-400", total="90.00", due_date=dt.date(2025, 10, 8), language="en")

    result = run_day(org_alfa, dt.date(2025, 10, 8))

    assert len(result.actions_created) == 2
    assert len(result.message_ids) == 2
    emails = sorted(mail.outbox, key=lambda email: email.to[0])
    assert len(emails) == 2
    assert [email.to for email in emails] == [
        ["inv-100@debtor.example"],
        ["inv-200@debtor.example"],
    ]
    assert [email.subject for email in emails] == [
        "Friendly reminder: invoice INV-100 from Alfa Installaties BV",
        "Friendly reminder: invoice INV-200 from Alfa Installaties BV",
    ]
    assert "INV-100" in emails[0].body
    assert "open €600.00" in emails[0].body
    assert "INV-200" in emails[1].body
    assert "open €250.00" in emails[1].body
    assert "INV-300" not in emails[0].body + emails[1].body
    html_body, mimetype = emails[0].alternatives[0]
    assert mimetype == "text/html"
    assert "INV-100" in html_body

    name, content = pdf_attachment(emails[0])
    assert name == "friendly-reminder-2025-10-08.pdf"
    text = "\n".join(pdf_pages(content))
    assert "INV-100" in text
    assert "€600.00" in text

    second = run_day(org_alfa, dt.date(2025, 10, 8))
    assert second.actions_created == []
    assert second.message_ids == []
    assert len(mail.outbox) == 2

    next_day = run_day(org_alfa, dt.date(2025, 10, 9))
    assert next_day.actions_created == []
    assert len(mail.outbox) == 2
    assert [message.status for message in messages_of(org_alfa)] == [
        MessageStatus.SENT,
        MessageStatus.SENT,
    ]


def test_sent_message_records_actions_and_timeline(org_alfa, make_invoice, run_day):
    invoice = make_invoice(org_alfa, number="INV-100", total="600.00", due_date=dt.date(2025, 10, 1), language="en")

    run_day(org_alfa, dt.date(2025, 10, 8))

    [message] = messages_of(org_alfa)
    assert message.status == MessageStatus.SENT
    assert message.subject == "Friendly reminder: invoice INV-100 from Alfa Installaties BV"
    assert message.recipient == "inv-100@debtor.example"
    assert message.attempts == 1
    assert message.sent_at is not None
    [action] = actions_of(org_alfa)
    assert action.status == ActionStatus.SENT
    assert action.message_id == message.pk
    assert action.days_past_due == 7
    assert action.open_amount == Decimal("600.00")
    with tenant_context(org_alfa):
        event = invoice.debtor.timeline.filter(kind="message").get()
    assert event.invoice_id == invoice.pk
    assert event.summary == "Friendly reminder sent to inv-100@debtor.example: INV-100"
    assert event.data == {
        "message_id": str(message.pk),
        "template": "friendly_reminder",
        "invoices": ["INV-100"],
    }


def test_debtor_in_credit_gets_no_reminder(org_alfa, make_invoice, credit_note, run_day):
    invoice = make_invoice(
        org_alfa,
        number="INV-2025-031",
        total="100.00",
        due_date=dt.date(2025, 10, 1),
        name="Ravelijn Studio",
    )
    credit_note(
        org_alfa,
        invoice.debtor,
        number="CN-2025-007",
        total="150.00",
        issue_date=dt.date(2025, 9, 10),
    )

    result = run_day(org_alfa, dt.date(2025, 10, 8))

    assert mail.outbox == []
    assert result.actions_created == []
    assert result.skipped == [SkippedInvoice("INV-2025-031", "debtor in credit, net balance -50.00")]
    with tenant_context(org_alfa):
        assert debtor_net_balance(invoice.debtor) == Decimal("-50.00")
    assert actions_of(org_alfa) == []
    assert messages_of(org_alfa) == []


def test_not_overdue_on_due_date_in_amsterdam(org_alfa, make_invoice, use_workflow):
    use_workflow(org_alfa, [(1, StepTemplate.FRIENDLY_REMINDER)])
    invoice = make_invoice(org_alfa, number="INV-2025-050", total="80.00", due_date=dt.date(2025, 10, 15))

    evening = dt.datetime(2025, 10, 15, 18, 0, tzinfo=AMSTERDAM)
    today = local_today(org_alfa, evening)
    assert today == dt.date(2025, 10, 15)
    assert days_past_due(invoice.due_date, today) == 0
    assert dunning_run(organization=org_alfa, run_date=today).actions_created == []

    # 00:05 in Amsterdam is still 2025-10-15 in UTC.
    after_midnight = dt.datetime(2025, 10, 15, 22, 5, tzinfo=dt.UTC)
    today = local_today(org_alfa, after_midnight)
    assert today == dt.date(2025, 10, 16)
    assert days_past_due(invoice.due_date, today) == 1
    result = dunning_run(organization=org_alfa, run_date=today)
    assert [action.invoice_id for action in result.actions_created] == [invoice.pk]
    assert result.actions_created[0].days_past_due == 1


def test_due_date_holds_west_of_utc(db, make_invoice, use_workflow, run_day):
    organization = organization_create(slug="sao", name="Sao Paulo Ltda", country="NL", time_zone="America/Sao_Paulo")
    use_workflow(organization, [(1, StepTemplate.FRIENDLY_REMINDER)])
    invoice = make_invoice(
        organization,
        number="INV-2025-090",
        total="80.00",
        due_date=dt.date(2025, 11, 20),
        language="en",
    )

    for moment in (
        dt.datetime(2025, 11, 20, 10, 0, tzinfo=SAO_PAULO),
        dt.datetime(2025, 11, 21, 1, 0, tzinfo=dt.UTC),  # 22:00 on 20 November in Sao Paulo
    ):
        today = local_today(organization, moment)
        assert today == dt.date(2025, 11, 20)
        assert days_past_due(invoice.due_date, today) == 0
        assert run_day(organization, today).actions_created == []
    assert mail.outbox == []

    today = local_today(organization, dt.datetime(2025, 11, 21, 0, 30, tzinfo=SAO_PAULO))
    assert today == dt.date(2025, 11, 21)
    result = run_day(organization, today)
    assert result.actions_created[0].days_past_due == 1
    [email] = mail.outbox
    assert "INV-2025-090: due date 20 November 2025, days overdue 1" in email.body
    assert "Nov. 19" not in email.body
    assert "Nov. 19" not in "\n".join(pdf_pages(pdf_attachment(email)[1]))


def test_offsets_count_from_due_date(org_alfa, make_invoice, use_workflow, run_days):
    use_workflow(org_alfa, [(-3, StepTemplate.FRIENDLY_REMINDER), (10, StepTemplate.SECOND_REMINDER)])
    make_invoice(
        org_alfa,
        number="INV-2025-060",
        total="500.00",
        issue_date=dt.date(2025, 9, 1),
        due_date=dt.date(2025, 10, 31),
        language="en",
    )

    sent = run_days(org_alfa, dt.date(2025, 10, 15), dt.date(2025, 11, 15))

    assert sent == {
        dt.date(2025, 10, 28): ["Payment due soon: invoice INV-2025-060 from Alfa Installaties BV"],
        dt.date(2025, 11, 10): ["Second reminder: invoice INV-2025-060 from Alfa Installaties BV"],
    }
    assert len(mail.outbox) == 2
    assert [(m.run_date, m.status) for m in messages_of(org_alfa)] == [
        (dt.date(2025, 10, 28), MessageStatus.SENT),
        (dt.date(2025, 11, 10), MessageStatus.SENT),
    ]
    assert "days overdue 0" in mail.outbox[0].body


def test_partly_paid_invoice_reminded(org_alfa, make_invoice, use_workflow, pay, run_day):
    use_workflow(org_alfa, [(14, StepTemplate.FRIENDLY_REMINDER)])
    invoice = make_invoice(
        org_alfa,
        number="INV-2025-070",
        total="1000.00",
        due_date=dt.date(2025, 9, 30),
        language="en",
    )
    pay(invoice, "400.00", dt.date(2025, 10, 5))

    result = run_day(org_alfa, dt.date(2025, 10, 14))

    assert [action.invoice_id for action in result.actions_created] == [invoice.pk]
    [email] = mail.outbox
    row = "INV-2025-070: due date 30 September 2025, days overdue 14, "
    assert row + "total €1,000.00, paid €400.00, open €600.00" in email.body
    assert "Total open: €600.00" in email.body
    text = "\n".join(pdf_pages(pdf_attachment(email)[1]))
    assert "€1,000.00" in text
    assert "€400.00" in text
    assert "€600.00" in text
    [action] = actions_of(org_alfa)
    assert action.status == ActionStatus.SENT
    assert action.open_amount == Decimal("600.00")


def test_fully_credited_invoice_not_selected(org_alfa, make_invoice, credit_note, run_day):
    invoice = make_invoice(org_alfa, number="INV-2025-080", total="120.00", due_date=dt.date(2025, 10, 1))
    credit_note(
        org_alfa,
        invoice.debtor,
        number="CN-2025-081",
        total="120.00",
        issue_date=dt.date(2025, 10, 3),
        preceding_number="INV-2025-080",
    )
    with tenant_context(org_alfa):
        invoice.refresh_from_db()
    assert invoice.settlement_status == SettlementStatus.CREDITED

    for day in (dt.date(2025, 10, 5), dt.date(2025, 10, 8)):
        result = run_day(org_alfa, day)
        assert result.actions_created == []
        assert result.skipped == []
    assert mail.outbox == []


def test_missed_run_catches_up_once(org_alfa, make_invoice, use_workflow, run_days):
    use_workflow(org_alfa, [(14, StepTemplate.FRIENDLY_REMINDER), (30, StepTemplate.SECOND_REMINDER)])
    make_invoice(org_alfa, number="INV-2026-010", total="400.00", due_date=dt.date(2026, 6, 1), language="en")

    sent = run_days(org_alfa, dt.date(2026, 6, 10), dt.date(2026, 7, 2), skip={dt.date(2026, 6, 15)})

    assert sent == {
        dt.date(2026, 6, 16): ["Friendly reminder: invoice INV-2026-010 from Alfa Installaties BV"],
        dt.date(2026, 7, 1): ["Second reminder: invoice INV-2026-010 from Alfa Installaties BV"],
    }
    assert [(action.step.days_after_due, action.run_date, action.status) for action in actions_of(org_alfa)] == [
        (14, dt.date(2026, 6, 16), ActionStatus.SENT),
        (30, dt.date(2026, 7, 1), ActionStatus.SENT),
    ]
    assert "days overdue 15" in mail.outbox[0].body


def test_missed_run_sends_nothing_once_paid(org_alfa, make_invoice, use_workflow, pay, run_days):
    use_workflow(org_alfa, [(14, StepTemplate.FRIENDLY_REMINDER), (30, StepTemplate.SECOND_REMINDER)])
    invoice = make_invoice(org_alfa, number="INV-2026-010", total="400.00", due_date=dt.date(2026, 6, 1))
    pay(invoice, "400.00", dt.date(2026, 6, 15))

    sent = run_days(org_alfa, dt.date(2026, 6, 16), dt.date(2026, 7, 2))

    assert sent == {}
    assert actions_of(org_alfa) == []


def test_late_first_run_starts_with_first_step(org_alfa, make_invoice, run_day):
    make_invoice(org_alfa, number="INV-500", total="300.00", due_date=dt.date(2025, 8, 1), language="en")

    first = run_day(org_alfa, dt.date(2025, 9, 10))
    next_day = run_day(org_alfa, dt.date(2025, 9, 11))
    week_later = run_day(org_alfa, dt.date(2025, 9, 17))
    two_weeks_later = run_day(org_alfa, dt.date(2025, 9, 24))

    assert first.actions_superseded == 0
    assert next_day.actions_created == []
    assert [email.subject for email in mail.outbox] == [
        "Friendly reminder: invoice INV-500 from Alfa Installaties BV",
        "Second reminder: invoice INV-500 from Alfa Installaties BV",
        "Final notice: invoice INV-500 from Alfa Installaties BV",
    ]
    assert len(week_later.actions_created) == 1
    assert len(two_weeks_later.actions_created) == 1
    assert [(a.step.template, a.status, a.run_date) for a in actions_of(org_alfa)] == [
        (StepTemplate.FRIENDLY_REMINDER, ActionStatus.SENT, dt.date(2025, 9, 10)),
        (StepTemplate.SECOND_REMINDER, ActionStatus.SENT, dt.date(2025, 9, 17)),
        (StepTemplate.FINAL_NOTICE, ActionStatus.SENT, dt.date(2025, 9, 24)),
    ]


def test_one_message_per_debtor_per_day(org_alfa, make_invoice, run_day):
    first = make_invoice(org_alfa, number="INV-A", total="100.00", due_date=dt.date(2025, 10, 1), language="en")
    make_invoice(org_alfa, number="INV-B", total="200.00", due_date=dt.date(2025, 9, 17), debtor=first.debtor)

    result = run_day(org_alfa, dt.date(2025, 10, 8))

    assert len(result.actions_created) == 2
    assert len(result.message_ids) == 1
    [email] = mail.outbox
    assert email.to == ["inv-a@debtor.example"]
    assert email.subject == "Friendly reminder: 2 invoices from Alfa Installaties BV"
    assert email.body.index("- INV-B:") < email.body.index("- INV-A:")
    assert "Total open: €300.00" in email.body
    [message] = messages_of(org_alfa)
    assert message.template == StepTemplate.FRIENDLY_REMINDER
    assert [(a.invoice.number, a.step.template, a.status) for a in actions_of(org_alfa)] == [
        ("INV-A", StepTemplate.FRIENDLY_REMINDER, ActionStatus.SENT),
        ("INV-B", StepTemplate.FRIENDLY_REMINDER, ActionStatus.SENT),
    ]


def test_action_planned_after_send_waits_for_next_day(org_alfa, make_invoice, run_day):
    first = make_invoice(org_alfa, number="INV-A", total="100.00", due_date=dt.date(2025, 10, 1), language="en")
    run_day(org_alfa, dt.date(2025, 10, 8))
    make_invoice(
        org_alfa,
        number="INV-LATE",
        total="50.00",
        due_date=dt.date(2025, 10, 1),
        debtor=first.debtor,
    )

    same_day = run_day(org_alfa, dt.date(2025, 10, 8))
    assert len(same_day.actions_created) == 1
    assert same_day.message_ids == []
    assert len(mail.outbox) == 1

    next_day = run_day(org_alfa, dt.date(2025, 10, 9))
    assert next_day.actions_created == []
    assert len(next_day.message_ids) == 1
    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject == "Friendly reminder: invoice INV-LATE from Alfa Installaties BV"


def test_paid_credited_disputed_invoices_skipped(org_alfa, make_invoice, pay, credit_note, run_day):
    paid = make_invoice(org_alfa, number="INV-PAID", total="100.00", due_date=dt.date(2025, 10, 1))
    pay(paid, "100.00", dt.date(2025, 10, 3))
    credited = make_invoice(org_alfa, number="INV-CREDITED", total="100.00", due_date=dt.date(2025, 10, 1))
    credit_note(
        org_alfa,
        credited.debtor,
        number="CN-1",
        total="100.00",
        issue_date=dt.date(2025, 10, 2),
        preceding_number="INV-CREDITED",
    )
    disputed = make_invoice(org_alfa, number="INV-DISPUTED", total="100.00", due_date=dt.date(2025, 10, 1))
    with tenant_context(org_alfa):
        type(disputed).objects.filter(pk=disputed.pk).update(disputed_at=timezone.now())

    result = run_day(org_alfa, dt.date(2025, 10, 8))

    assert mail.outbox == []
    assert result.actions_created == []
    assert result.skipped == [SkippedInvoice("INV-DISPUTED", "invoice disputed")]


def test_open_question_pauses_invoice(org_alfa, make_invoice, run_day):
    invoice = make_invoice(org_alfa, number="INV-Q", total="100.00", due_date=dt.date(2025, 10, 1), language="en")
    with tenant_context(org_alfa):
        question = Question.objects.create(
            organization=org_alfa,
            debtor=invoice.debtor,
            invoice=invoice,
            text="Was this delivered?",
        )

    for day in (dt.date(2025, 10, 8), dt.date(2025, 10, 9)):
        result = run_day(org_alfa, day)
        assert result.skipped == [SkippedInvoice("INV-Q", "open question on invoice")]
    assert mail.outbox == []

    with tenant_context(org_alfa):
        Question.objects.filter(pk=question.pk).update(
            status=QuestionStatus.ANSWERED,
            answer="Yes, on 30 September.",
            answered_at=timezone.now(),
        )
    result = run_day(org_alfa, dt.date(2025, 10, 10))

    assert result.skipped == []
    [email] = mail.outbox
    assert email.subject == "Friendly reminder: invoice INV-Q from Alfa Installaties BV"
    assert "days overdue 9" in email.body


def test_question_on_other_invoice_does_not_pause(org_alfa, make_invoice, run_day):
    invoice = make_invoice(org_alfa, number="INV-1", total="100.00", due_date=dt.date(2025, 10, 1), language="en")
    other = make_invoice(
        org_alfa,
        number="INV-2",
        total="100.00",
        due_date=dt.date(2025, 12, 1),
        debtor=invoice.debtor,
    )
    with tenant_context(org_alfa):
        Question.objects.create(organization=org_alfa, debtor=invoice.debtor, invoice=other, text="Wrong price?")

    run_day(org_alfa, dt.date(2025, 10, 8))

    [email] = mail.outbox
    assert email.subject == "Friendly reminder: invoice INV-1 from Alfa Installaties BV"


def test_debtor_without_email_fails_visibly(org_alfa, run_day):
    with tenant_context(org_alfa):
        debtor = debtor_create(organization=org_alfa, name="No Mail BV", language="en")
        invoice_register(
            organization=org_alfa,
            debtor=debtor,
            number="INV-NM",
            issue_date=dt.date(2025, 9, 1),
            due_date=dt.date(2025, 10, 1),
            total_amount=Decimal("100.00"),
        )

    run_day(org_alfa, dt.date(2025, 10, 8))

    assert mail.outbox == []
    [message] = messages_of(org_alfa)
    assert message.status == MessageStatus.FAILED
    assert message.status_reason == "Debtor 'No Mail BV' has no e-mail address; add one and requeue the message."
    [action] = actions_of(org_alfa)
    assert action.status == ActionStatus.PLANNED


@pytest.mark.parametrize("language", ["nl", "de"])
def test_amounts_use_comma_decimals(org_alfa, make_invoice, run_day, language):
    make_invoice(org_alfa, number="INV-NL", total="1656.25", due_date=dt.date(2025, 10, 1), language=language)

    run_day(org_alfa, dt.date(2025, 10, 8))

    [email] = mail.outbox
    expected = "€\xa01.656,25" if language == "nl" else "1.656,25\xa0€"
    assert expected in email.body
    assert "1,656.25" not in email.body
    # pypdf extracts the no-break space as a plain space.
    assert expected.replace("\xa0", " ") in "\n".join(pdf_pages(pdf_attachment(email)[1]))


def test_amounts_in_dutch_and_english(org_alfa, make_invoice, run_day):
    make_invoice(org_alfa, number="INV-NL", total="600.00", due_date=dt.date(2025, 10, 1), language="nl")
    make_invoice(org_alfa, number="INV-EN", total="600.00", due_date=dt.date(2025, 10, 1), language="en")

    run_day(org_alfa, dt.date(2025, 10, 8))

    bodies = {email.to[0]: email.body for email in mail.outbox}
    assert "600,00" in bodies["inv-nl@debtor.example"]
    assert "600.00" not in bodies["inv-nl@debtor.example"]
    assert "600.00" in bodies["inv-en@debtor.example"]
    assert "600,00" not in bodies["inv-en@debtor.example"]


def test_reminder_totals_each_currency(org_alfa, make_invoice, run_day):
    first = make_invoice(org_alfa, number="INV-EUR", total="100.00", due_date=dt.date(2025, 10, 1), language="en")
    with tenant_context(org_alfa):
        invoice_register(
            organization=org_alfa,
            debtor=first.debtor,
            number="INV-GBP",
            issue_date=dt.date(2025, 9, 1),
            due_date=dt.date(2025, 10, 1),
            total_amount=Decimal("50.00"),
            currency="GBP",
        )

    run_day(org_alfa, dt.date(2025, 10, 8))

    [email] = mail.outbox
    assert "- INV-GBP: due date 1 October 2025, days overdue 7, total £50.00, paid £0.00, open £50.00" in email.body
    assert "Total open: €100.00 + £50.00" in email.body
