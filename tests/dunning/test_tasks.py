"""Celery tasks, with a real worker on the Redis broker named by REDIS_URL.

The worker runs in a thread of the test process (celery.contrib.testing),
so it shares Django's locmem outbox but opens its own database connection:
these tests commit for real (transactional database).
"""

import datetime as dt
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.utils import timezone

from dunning.models import DunningAction, Message, MessageStatus
from dunning.selectors import organizations_due_for_run
from dunning.sender import message_claim
from dunning.services import dunning_run
from dunning.tasks import (
    requeue_stale_messages,
    run_dunning_for_all_organizations,
    run_dunning_for_organization,
    send_message,
)
from payt.celery import app
from payt.models import Organization
from payt.tenancy import tenant_context
from tests.dunning.helpers import messages_of

QUEUES = ["dunning", "mail", "celery"]
WAIT_SECONDS = 30


@pytest.fixture
def celery_worker():
    with app.connection_for_write() as connection:
        for queue in QUEUES:
            connection.default_channel.queue_purge(queue)
    with start_worker(app, pool="solo", perform_ping_check=False, queues=QUEUES, shutdown_timeout=30) as worker:
        yield worker


def wait_for_mail(count: int) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while len(mail.outbox) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(mail.outbox) == count


def overdue_invoices(org_alfa, org_bravo, make_invoice):
    make_invoice(org_alfa, number="A-1", total="100.00", due_date=dt.date(2025, 10, 1), language="en")
    make_invoice(org_bravo, number="B-1", total="200.00", due_date=dt.date(2025, 10, 1), language="en")


@pytest.mark.django_db(transaction=True)
def test_worker_plans_and_sends_for_one_tenant(celery_worker, org_alfa, org_bravo, make_invoice):
    overdue_invoices(org_alfa, org_bravo, make_invoice)

    run_dunning_for_organization.delay(str(org_alfa.pk), "2025-10-08")

    wait_for_mail(1)
    time.sleep(0.5)  # room for a wrong second mail to show up
    assert [email.to for email in mail.outbox] == [["a-1@debtor.example"]]
    assert mail.outbox[0].subject == "Friendly reminder: invoice A-1 from Alfa Installaties BV"
    assert [(m.status, m.attempts) for m in messages_of(org_alfa)] == [(MessageStatus.SENT, 1)]
    assert messages_of(org_bravo) == []
    with tenant_context(org_bravo):
        assert DunningAction.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_worker_redelivered_run_sends_nothing(celery_worker, org_alfa, org_bravo, make_invoice):
    overdue_invoices(org_alfa, org_bravo, make_invoice)

    run_dunning_for_organization.delay(str(org_alfa.pk), "2025-10-08")
    wait_for_mail(1)
    run_dunning_for_organization.delay(str(org_alfa.pk), "2025-10-08")
    time.sleep(1.5)

    assert len(mail.outbox) == 1
    assert len(messages_of(org_alfa)) == 1


@pytest.mark.django_db(transaction=True)
def test_worker_runs_organizations_past_start_hour(celery_worker, org_alfa, org_bravo, make_invoice, settings):
    settings.DUNNING_LOCAL_START_HOUR = 7
    Organization.objects.filter(pk=org_bravo.pk).update(time_zone="America/Sao_Paulo")
    overdue_invoices(org_alfa, org_bravo, make_invoice)

    # 08:30 in Amsterdam, 03:30 in Sao Paulo.
    run_dunning_for_all_organizations.delay("2025-10-08T06:30:00+00:00")

    wait_for_mail(1)
    time.sleep(0.5)
    assert mail.outbox[0].to == ["a-1@debtor.example"]
    assert [m.run_date for m in messages_of(org_alfa)] == [dt.date(2025, 10, 8)]
    assert messages_of(org_bravo) == []


@pytest.mark.django_db(transaction=True)
def test_worker_sends_stale_claim_once(celery_worker, org_alfa, make_invoice):
    make_invoice(org_alfa, number="A-1", total="100.00", due_date=dt.date(2025, 10, 1), language="en")
    [message_id] = dunning_run(organization=org_alfa, run_date=dt.date(2025, 10, 8)).message_ids
    with tenant_context(org_alfa):
        # The worker that claimed the message 20 minutes ago died before sending.
        message_claim(message_id=message_id)
        Message.objects.filter(pk=message_id).update(claimed_at=timezone.now() - dt.timedelta(minutes=20))

    requeue_stale_messages.delay()
    wait_for_mail(1)
    requeue_stale_messages.delay()
    send_message.delay(str(org_alfa.pk), str(message_id))
    time.sleep(1.5)

    assert len(mail.outbox) == 1
    assert [(m.status, m.attempts) for m in messages_of(org_alfa)] == [(MessageStatus.SENT, 2)]


def test_run_task_enqueues_sends_after_commit(org_alfa, org_bravo, make_invoice, django_capture_on_commit_callbacks):
    overdue_invoices(org_alfa, org_bravo, make_invoice)

    with django_capture_on_commit_callbacks() as callbacks:
        count = run_dunning_for_organization(str(org_alfa.pk), "2025-10-08")

    assert count == 1
    assert len(callbacks) == 1
    [message] = messages_of(org_alfa)
    assert callbacks[0].args == (str(org_alfa.pk), str(message.pk))
    assert messages_of(org_bravo) == []


def test_send_task_for_other_tenant_does_nothing(org_alfa, org_bravo, make_invoice):
    overdue_invoices(org_alfa, org_bravo, make_invoice)
    [message_id] = dunning_run(organization=org_alfa, run_date=dt.date(2025, 10, 8)).message_ids

    assert send_message(str(org_bravo.pk), str(message_id)) is None
    assert mail.outbox == []
    assert [m.status for m in messages_of(org_alfa)] == [MessageStatus.QUEUED]


def test_tasks_for_missing_organization_do_nothing(db):
    missing = "00000000-0000-0000-0000-000000000000"
    assert run_dunning_for_organization(missing, "2025-10-08") == 0
    assert send_message(missing, missing) is None


def test_organizations_due_by_local_hour(org_alfa, org_bravo):
    Organization.objects.filter(pk=org_bravo.pk).update(time_zone="America/Sao_Paulo")

    at_0530_utc = dt.datetime(2025, 10, 8, 5, 30, tzinfo=dt.UTC)  # 07:30 Amsterdam, 02:30 Sao Paulo
    at_2330_utc = dt.datetime(2025, 10, 8, 23, 30, tzinfo=dt.UTC)  # 01:30 on 9 Oct Amsterdam, 20:30 Sao Paulo

    assert [(o.slug, d) for o, d in organizations_due_for_run(at_0530_utc, 7)] == [("alfa", dt.date(2025, 10, 8))]
    assert [(o.slug, d) for o, d in organizations_due_for_run(at_2330_utc, 7)] == [("bravo", dt.date(2025, 10, 8))]


def test_task_routes():
    assert app.amqp.router.route({}, "dunning.tasks.run_dunning_for_organization")["queue"].name == "dunning"
    assert app.amqp.router.route({}, "dunning.tasks.run_dunning_for_all_organizations")["queue"].name == "dunning"
    assert app.amqp.router.route({}, "dunning.tasks.send_message")["queue"].name == "mail"
