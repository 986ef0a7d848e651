"""Four workers at once: the planner creates each action once and the sender sends a message once."""

import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import connection

from dunning.models import DunningAction, MessageStatus
from dunning.sender import dunning_message_send
from dunning.services import dunning_run
from payt.tenancy import tenant_context
from tests.dunning.helpers import messages_of

RUN_DATE = dt.date(2025, 10, 8)


def run_in_threads(target, count=2) -> list:
    """Start ``count`` threads on ``target`` together and return their results."""
    barrier = threading.Barrier(count)
    results = [None] * count
    errors = []

    def work(index):
        try:
            barrier.wait()
            results[index] = target()
        except Exception as error:  # collected and re-raised in the test thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return results


@pytest.mark.django_db(transaction=True)
def test_parallel_runs_plan_once(org_alfa, make_invoice):
    make_invoice(org_alfa, number="A-1", total="100.00", due_date=dt.date(2025, 10, 1))
    make_invoice(org_alfa, number="A-2", total="100.00", due_date=dt.date(2025, 9, 17))

    results = run_in_threads(lambda: dunning_run(organization=org_alfa, run_date=RUN_DATE), count=4)

    assert sorted(len(result.actions_created) for result in results) == [0, 0, 0, 2]
    assert len(messages_of(org_alfa)) == 2
    with tenant_context(org_alfa):
        assert DunningAction.objects.count() == 2  # one first step each, planned once


@pytest.mark.django_db(transaction=True)
def test_parallel_senders_send_once(org_alfa, make_invoice):
    make_invoice(org_alfa, number="A-1", total="100.00", due_date=dt.date(2025, 10, 1))
    [message_id] = dunning_run(organization=org_alfa, run_date=RUN_DATE).message_ids

    def send():
        with tenant_context(org_alfa):
            return dunning_message_send(message_id=message_id)

    results = run_in_threads(send, count=4)

    assert sorted(results, key=str) == [None, None, None, MessageStatus.SENT]
    assert len(mail.outbox) == 1
    assert [(m.status, m.attempts) for m in messages_of(org_alfa)] == [(MessageStatus.SENT, 1)]
