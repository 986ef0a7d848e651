"""The daily plan run: one reminder after a missed instalment, a broken plan after the grace period."""

import datetime as dt
import smtplib
import time
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.utils import timezone

from debtors.models import TimelineEvent
from dunning.models import Hold
from dunning.selectors import held_debtors_and_invoices
from invoices.models import Invoice
from invoices.services import payment_register
from payments.models import (
    Instalment,
    InstalmentStatus,
    PlanNotice,
    PlanNoticeKind,
    PlanNoticeStatus,
    PlanStatus,
)
from payments.plan_notices import notice_claim, plan_notice_send, plan_notices_requeue_stale
from payments.plan_progress import plans_daily_run
from payments.plan_tasks import (
    run_payment_plans_for_all_organizations,
    run_payment_plans_for_organization,
    send_plan_notice,
)
from payments.plans import plan_policy_update
from payt.celery import app
from payt.tenancy import tenant_context
from tests.dunning import backends
from tests.payments.conftest import UNREACHABLE_BASE_URL, portal_debtor_for
from tests.payments.plan_support import instalments_of, invoices_due, propose, reload_plan

pytestmark = pytest.mark.django_db

QUEUES = ["dunning", "mail", "celery"]
WAIT_SECONDS = 30


@pytest.fixture(autouse=True)
def no_mollie(settings):
    settings.MOLLIE_API_ENDPOINT = UNREACHABLE_BASE_URL
    settings.BASE_URL = "https://payt.example"


def plan_for(visitor, first_in_days: int = 1):
    """A running plan of 300.00 in three monthly instalments, the first due in ``first_in_days``."""
    invoices = invoices_due(visitor, ("INV-1", "100.00", -20), ("INV-2", "200.00", -5))
    plan = propose(visitor, invoices, 3, first_in_days=first_in_days).plan
    assert plan.status == PlanStatus.ACCEPTED
    first_due = instalments_of(visitor, plan)[0].due_date
    return plan, first_due


def run(visitor, day: dt.date) -> list:
    with tenant_context(visitor.organization):
        return plans_daily_run(organization=visitor.organization, run_date=day)


def send_all(visitor, notice_ids) -> list:
    with tenant_context(visitor.organization):
        return [plan_notice_send(notice_id=notice_id) for notice_id in notice_ids]


def notices(visitor, kind: str) -> list[PlanNotice]:
    with tenant_context(visitor.organization):
        return list(PlanNotice.objects.filter(kind=kind).order_by("created_at"))


def test_no_reminder_on_due_date(alfa_debtor):
    _plan, first_due = plan_for(alfa_debtor)

    assert run(alfa_debtor, first_due) == []
    assert notices(alfa_debtor, PlanNoticeKind.INSTALMENT_REMINDER) == []


def test_reminder_day_after_due_date_once(alfa_debtor):
    plan, first_due = plan_for(alfa_debtor)
    day_after = first_due + dt.timedelta(days=1)

    first_run = run(alfa_debtor, day_after)
    second_run = run(alfa_debtor, day_after)
    next_day = run(alfa_debtor, day_after + dt.timedelta(days=1))
    sent = send_all(alfa_debtor, first_run + first_run)

    assert len(first_run) == 1
    assert second_run == []
    assert next_day == []
    assert sent == [PlanNoticeStatus.SENT, None]
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["noordkade@debtor.example"]
    assert email.subject.startswith("Herinnering: termijn 1 van €\N{NO-BREAK SPACE}100,00")
    assert f"/p/{alfa_debtor.token}/plan" in email.body
    with tenant_context(alfa_debtor.organization):
        assert TimelineEvent.objects.filter(data__event="instalment_reminder").count() == 1
    assert reload_plan(alfa_debtor, plan).status == PlanStatus.ACCEPTED


@pytest.mark.parametrize(
    ("language", "subject_start", "body_text"),
    [
        ("nl", "Herinnering: termijn 1", "Betaal de termijn hier:"),
        ("en", "Reminder: instalment 1", "Pay the instalment here:"),
        ("fr", "Rappel : échéance 1", "Payez l'échéance ici :"),
        ("de", "Erinnerung: Rate 1", "Zahlen Sie die Rate hier:"),
    ],
)
def test_reminder_in_debtor_language(org_alfa, language, subject_start, body_text):
    visitor = portal_debtor_for(org_alfa, f"Debtor {language}", language=language)
    _plan, first_due = plan_for(visitor)

    send_all(visitor, run(visitor, first_due + dt.timedelta(days=1)))

    assert mail.outbox[0].subject.startswith(subject_start)
    assert body_text in mail.outbox[0].body
    assert mail.outbox[0].extra_headers["Content-Language"] == language


def test_paid_instalment_gets_no_reminder(alfa_debtor):
    _plan, first_due = plan_for(alfa_debtor)
    with tenant_context(alfa_debtor.organization):
        invoice = Invoice.objects.get(number="INV-1")
        payment_register(
            organization=alfa_debtor.organization, amount=Decimal("100.00"), payment_date=first_due, invoice=invoice
        )

    assert run(alfa_debtor, first_due + dt.timedelta(days=1)) == []


def test_reminder_paid_before_sending_is_skipped(alfa_debtor):
    plan, first_due = plan_for(alfa_debtor)
    notice_ids = run(alfa_debtor, first_due + dt.timedelta(days=1))
    with tenant_context(alfa_debtor.organization):
        Instalment.objects.filter(plan=plan, sequence=1).update(status=InstalmentStatus.PAID)

    assert send_all(alfa_debtor, notice_ids) == [PlanNoticeStatus.SKIPPED]
    assert mail.outbox == []


def test_break_after_grace_releases_holds(alfa_debtor, bob):
    plan, first_due = plan_for(alfa_debtor)
    last_grace_day = first_due + dt.timedelta(days=7)

    run(alfa_debtor, last_grace_day)
    assert reload_plan(alfa_debtor, plan).status == PlanStatus.ACCEPTED
    notice_ids = run(alfa_debtor, last_grace_day + dt.timedelta(days=1))

    plan = reload_plan(alfa_debtor, plan)
    assert plan.status == PlanStatus.BROKEN
    assert plan.ended_at is not None
    assert "Instalment 1" in plan.reason
    with tenant_context(alfa_debtor.organization):
        holds = list(Hold.objects.all())
        _debtor_holds, invoice_holds = held_debtors_and_invoices(alfa_debtor.organization, last_grace_day)
    assert len(holds) == 2
    assert all(hold.released_at is not None for hold in holds)
    assert invoice_holds == {}
    assert {i.status for i in instalments_of(alfa_debtor, plan)} == {InstalmentStatus.CANCELED}
    assert len(notice_ids) == 2


def test_break_notifies_debtor_and_controller(alfa_debtor, bob):
    _plan, first_due = plan_for(alfa_debtor)

    notice_ids = run(alfa_debtor, first_due + dt.timedelta(days=8))
    send_all(alfa_debtor, notice_ids)

    recipients = sorted((email.to[0], email.subject) for email in mail.outbox)
    assert recipients == [
        ("bob@alfa.example", "Betalingsregeling afgebroken: Noordkade Logistics"),
        ("noordkade@debtor.example", "Uw betalingsregeling met Alfa Installaties BV is beëindigd"),
    ]
    controller_mail = next(email for email in mail.outbox if email.to == ["bob@alfa.example"])
    assert "https://payt.example/plans/" in controller_mail.body


def test_break_once_when_run_twice(alfa_debtor, bob):
    plan, first_due = plan_for(alfa_debtor)
    day = first_due + dt.timedelta(days=8)

    first = run(alfa_debtor, day)
    second = run(alfa_debtor, day)

    assert len(first) == 2
    assert second == []
    assert len(notices(alfa_debtor, PlanNoticeKind.PLAN_BROKEN)) == 1
    with tenant_context(alfa_debtor.organization):
        assert TimelineEvent.objects.filter(data__event="plan_broken").count() == 1
        assert TimelineEvent.objects.filter(data__event="hold_released").count() == 2


def test_break_without_reminder_when_run_late(alfa_debtor, bob):
    _plan, first_due = plan_for(alfa_debtor)

    run(alfa_debtor, first_due + dt.timedelta(days=10))

    assert notices(alfa_debtor, PlanNoticeKind.INSTALMENT_REMINDER) == []
    assert len(notices(alfa_debtor, PlanNoticeKind.PLAN_BROKEN)) == 1


def test_grace_days_from_organisation(alfa_debtor, alice):
    with tenant_context(alfa_debtor.organization):
        plan_policy_update(organization=alfa_debtor.organization, actor=alice, grace_days=2)
    plan, first_due = plan_for(alfa_debtor)

    run(alfa_debtor, first_due + dt.timedelta(days=3))

    assert reload_plan(alfa_debtor, plan).status == PlanStatus.BROKEN


def test_broken_plan_counts_for_next_proposal(alfa_debtor, bob):
    _plan, first_due = plan_for(alfa_debtor)
    run(alfa_debtor, first_due + dt.timedelta(days=8))

    again = propose(alfa_debtor, invoices_due(alfa_debtor, ("INV-3", "90.00", -1)), 3).plan

    assert [reason["code"] for reason in again.review_reasons] == ["broken_plan_recently"]


def test_run_leaves_other_tenant_alone(alfa_debtor, bravo_debtor):
    _plan, first_due = plan_for(alfa_debtor)
    bravo_plan, _bravo_first = plan_for(bravo_debtor)

    run(alfa_debtor, first_due + dt.timedelta(days=8))

    assert reload_plan(bravo_debtor, bravo_plan).status == PlanStatus.ACCEPTED
    with tenant_context(bravo_debtor.organization):
        assert PlanNotice.objects.exclude(kind=PlanNoticeKind.PLAN_ACCEPTED).count() == 0


def test_transient_smtp_error_requeues(alfa_debtor, settings):
    settings.EMAIL_BACKEND = "tests.dunning.backends.FlakyBackend"
    backends.planned_errors[:] = [smtplib.SMTPServerDisconnected("connection lost")]
    _plan, first_due = plan_for(alfa_debtor)
    [notice_id] = run(alfa_debtor, first_due + dt.timedelta(days=1))

    with pytest.raises(smtplib.SMTPServerDisconnected):
        send_all(alfa_debtor, [notice_id])
    retried = send_all(alfa_debtor, [notice_id])

    assert retried == [PlanNoticeStatus.SENT]
    [notice] = notices(alfa_debtor, PlanNoticeKind.INSTALMENT_REMINDER)
    assert (notice.status, notice.attempts) == (PlanNoticeStatus.SENT, 2)
    assert len(mail.outbox) == 1


def test_stale_claim_released(alfa_debtor):
    _plan, first_due = plan_for(alfa_debtor)
    [notice_id] = run(alfa_debtor, first_due + dt.timedelta(days=1))
    with tenant_context(alfa_debtor.organization):
        notice_claim(notice_id=notice_id)
        PlanNotice.objects.filter(pk=notice_id).update(claimed_at=timezone.now() - dt.timedelta(minutes=20))

        queued = plan_notices_requeue_stale(organization=alfa_debtor.organization)

    assert notice_id in queued
    assert send_all(alfa_debtor, [notice_id]) == [PlanNoticeStatus.SENT]


def test_debtor_without_email_notice_skipped(org_alfa, bob):
    visitor = portal_debtor_for(org_alfa, "Nomail Holding")
    with tenant_context(org_alfa):
        visitor.debtor.email = ""
        visitor.debtor.save(update_fields=["email"])
    _plan, first_due = plan_for(visitor)

    statuses = send_all(visitor, run(visitor, first_due + dt.timedelta(days=1)))

    assert statuses == [PlanNoticeStatus.SKIPPED]
    assert mail.outbox == []


def test_task_for_other_tenant_sends_nothing(alfa_debtor, bravo_debtor):
    _plan, first_due = plan_for(alfa_debtor)
    [notice_id] = run(alfa_debtor, first_due + dt.timedelta(days=1))

    assert send_plan_notice(str(bravo_debtor.organization.pk), str(notice_id)) is None
    assert mail.outbox == []
    assert notices(alfa_debtor, PlanNoticeKind.INSTALMENT_REMINDER)[0].status == PlanNoticeStatus.QUEUED


def test_task_routes():
    router = app.amqp.router
    assert router.route({}, "payments.plan_tasks.run_payment_plans_for_organization")["queue"].name == "dunning"
    assert router.route({}, "payments.plan_tasks.run_payment_plans_for_all_organizations")["queue"].name == "dunning"
    assert router.route({}, "payments.plan_tasks.send_plan_notice")["queue"].name == "mail"


@pytest.fixture
def celery_worker():
    with app.connection_for_write() as connection:
        for queue in QUEUES:
            connection.default_channel.queue_purge(queue)
    with start_worker(app, pool="solo", perform_ping_check=False, queues=QUEUES, shutdown_timeout=30) as worker:
        yield worker


def mark_queued_sent(visitor) -> None:
    """Take the acceptance e-mail out of the queue, so the worker has only the reminder to send."""
    with tenant_context(visitor.organization):
        PlanNotice.objects.filter(status=PlanNoticeStatus.QUEUED).update(status=PlanNoticeStatus.SENT)


def wait_for_mail(count: int) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while len(mail.outbox) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(mail.outbox) == count


@pytest.mark.django_db(transaction=True)
def test_worker_sends_reminder_once(celery_worker, alfa_debtor):
    plan, first_due = plan_for(alfa_debtor)
    mark_queued_sent(alfa_debtor)
    day_after = (first_due + dt.timedelta(days=1)).isoformat()

    run_payment_plans_for_organization.delay(str(alfa_debtor.organization.pk), day_after)
    wait_for_mail(1)
    run_payment_plans_for_organization.delay(str(alfa_debtor.organization.pk), day_after)
    time.sleep(1.5)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.startswith("Herinnering: termijn 1")
    with tenant_context(alfa_debtor.organization):
        assert PlanNotice.objects.filter(kind=PlanNoticeKind.INSTALMENT_REMINDER).count() == 1
    assert reload_plan(alfa_debtor, plan).status == PlanStatus.ACCEPTED


@pytest.mark.django_db(transaction=True)
def test_worker_runs_organizations_past_start_hour(celery_worker, alfa_debtor, settings):
    settings.DUNNING_LOCAL_START_HOUR = 7
    _plan, first_due = plan_for(alfa_debtor)
    mark_queued_sent(alfa_debtor)
    # 08:30 in Amsterdam on the day after the due date.
    moment = dt.datetime.combine(first_due + dt.timedelta(days=1), dt.time(6, 30), tzinfo=dt.UTC)

    run_payment_plans_for_all_organizations.delay(moment.isoformat())

    wait_for_mail(1)
    assert mail.outbox[0].to == ["noordkade@debtor.example"]


def test_reminder_names_open_part_of_instalment(alfa_debtor):
    _plan, first_due = plan_for(alfa_debtor)
    with tenant_context(alfa_debtor.organization):
        invoice = Invoice.objects.get(number="INV-1")
        payment_register(
            organization=alfa_debtor.organization, amount=Decimal("40.00"), payment_date=first_due, invoice=invoice
        )

    send_all(alfa_debtor, run(alfa_debtor, first_due + dt.timedelta(days=1)))

    assert "termijn 1 van €\N{NO-BREAK SPACE}60,00" in mail.outbox[0].subject
