"""Dunning at scale: plan 100,000 open invoices of 20,000 debtors, then send with the file e-mail backend.

Rendering a reminder (HTML, text and a WeasyPrint PDF) costs far more than
planning it, so the send benchmark times a fixed sample of the day's
messages and states the throughput and what the whole day would take on
this machine; in production the ``mail`` queue spreads it over workers.
"""

import datetime as dt
import resource
import time
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings

from debtors.models import Debtor
from dunning.models import Message, MessageStatus
from dunning.selectors import queued_message_ids
from dunning.sender import dunning_message_send
from dunning.services import dunning_run, workflow_create_default
from invoices.models import Invoice
from payt.services import organization_create
from payt.tenancy import tenant_context
from tests.bench.conftest import machine_description

pytestmark = [pytest.mark.bench]

DEBTORS = 20_000
INVOICES_PER_DEBTOR = 5
SEND_SAMPLE = 500
RUN_DATE = dt.date(2026, 12, 7)
SECTION = "Dunning: 100,000 open invoices over 20,000 debtors"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _seed(organization) -> None:
    debtors = [
        Debtor(
            organization=organization,
            name=f"Bench debtor {index:05d}",
            email=f"debtor{index}@bench.example",
            language=("nl", "en", "fr", "de")[index % 4],
        )
        for index in range(DEBTORS)
    ]
    Debtor.objects.bulk_create(debtors, batch_size=5000)
    invoices = []
    for index, debtor in enumerate(debtors):
        for number in range(INVOICES_PER_DEBTOR):
            amount = Decimal(50 + (index * 7 + number * 13) % 950)
            due_date = RUN_DATE - dt.timedelta(days=8 + (index + number) % 60)
            invoices.append(
                Invoice(
                    organization=organization,
                    debtor=debtor,
                    number=f"B{index:05d}-{number}",
                    issue_date=due_date - dt.timedelta(days=30),
                    due_date=due_date,
                    total_amount=amount,
                    open_amount=amount,
                )
            )
    Invoice.objects.bulk_create(invoices, batch_size=5000)


def test_dunning_plan_and_send_at_scale(transactional_db, bench_results, tmp_path):
    organization = organization_create(slug="bench", name="Bench BV")
    with tenant_context(organization):
        workflow_create_default(organization=organization)
        _seed(organization)
        open_invoices = Invoice.objects.filter(open_amount__gt=0).count()

    rss_before = _peak_rss_mb()
    started = time.perf_counter()
    result = dunning_run(organization=organization, run_date=RUN_DATE)
    plan_seconds = time.perf_counter() - started
    plan_memory = _peak_rss_mb() - rss_before

    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend", EMAIL_FILE_PATH=str(tmp_path)
    ), tenant_context(organization):
        message_ids = queued_message_ids(organization, RUN_DATE)
        rss_before = _peak_rss_mb()
        started = time.perf_counter()
        statuses = [dunning_message_send(message_id=pk) for pk in message_ids[:SEND_SAMPLE]]
        send_seconds = time.perf_counter() - started
        send_memory = _peak_rss_mb() - rss_before
        sent = Message.objects.filter(status=MessageStatus.SENT).count()

    assert open_invoices == DEBTORS * INVOICES_PER_DEBTOR
    assert len(result.actions_created) == open_invoices
    assert len(message_ids) == DEBTORS
    assert statuses.count(MessageStatus.SENT) == sent == SEND_SAMPLE
    # The file backend may append several messages to one file, so count the headers.
    written = sum(path.read_text(errors="replace").count("\nMessage-ID: ") for path in tmp_path.iterdir())
    assert written == SEND_SAMPLE

    per_message = send_seconds / SEND_SAMPLE
    bench_results.machine = bench_results.machine or machine_description(connection)
    bench_results.add(
        SECTION,
        "plan one day (all invoices overdue, first step each)",
        f"{open_invoices:,} invoices, {len(result.actions_created):,} actions, {len(message_ids):,} messages",
        f"{plan_seconds:.1f} s",
        f"{plan_memory:.0f} MB",
    )
    bench_results.add(
        SECTION,
        "send with the file backend (HTML, text and PDF per message)",
        f"{SEND_SAMPLE} of the {len(message_ids):,} messages",
        f"{send_seconds:.1f} s ({per_message * 1000:.0f} ms per message; "
        f"the whole day ≈ {per_message * len(message_ids) / 60:.0f} min in one process)",
        f"{send_memory:.0f} MB",
    )
