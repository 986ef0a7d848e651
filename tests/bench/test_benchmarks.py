"""Benchmarks on the real demo data; `make bench` runs them and rewrites docs/benchmarks.md.

They assert only that the work was done, never a duration: timings vary with
the machine, so they are recorded, not enforced.
"""

import time

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client

from dunning.services import dunning_run
from invoices.models import Invoice
from invoices.ubl import parse_ubl
from payt import demo
from payt.dates import local_today
from payt.tenancy import tenant_context
from tests.bench.conftest import REPO_ROOT, machine_description

PEPPOL_DIR = REPO_ROOT / "tests" / "fixtures" / "peppol"
UBL_PARSE_ROUNDS = 200

pytestmark = [pytest.mark.bench]


def _timed(function):
    started = time.perf_counter()
    value = function()
    return value, time.perf_counter() - started


def test_benchmarks_on_demo_data(db, bench_results):
    rows = []

    result, seconds = _timed(demo.demo_load)
    rows.append(("load_demo on an empty database", f"{result.invoices:,} invoices", f"{seconds:.1f} s"))
    assert result.invoices > 2466

    organization = result.organization
    with tenant_context(organization):
        today = local_today(organization)
        run, seconds = _timed(lambda: dunning_run(organization=organization, run_date=today))
        open_invoices = Invoice.objects.filter(open_amount__gt=0).count()
    rows.append(
        ("dunning run (planning and grouping)", f"{open_invoices} open invoices, {len(run.message_ids)} messages",
         f"{seconds * 1000:.0f} ms")
    )
    assert open_invoices > 0

    client = Client()
    client.force_login(User.objects.get(username=demo.DEMO_EMAIL))
    response, seconds = _timed(lambda: client.get("/"))
    rows.append(("dashboard home, first request", "demo organisation", f"{seconds * 1000:.0f} ms"))
    assert response.status_code == 200

    response, seconds = _timed(lambda: client.get("/invoices/?status=paid"))
    rows.append(("invoice list, status paid, one page", "demo organisation", f"{seconds * 1000:.0f} ms"))
    assert response.status_code == 200

    documents = [path.read_bytes() for path in sorted(PEPPOL_DIR.glob("*.xml"))]
    _, seconds = _timed(lambda: [parse_ubl(content) for _ in range(UBL_PARSE_ROUNDS) for content in documents])
    parsed = UBL_PARSE_ROUNDS * len(documents)
    rows.append(("UBL parse", f"{parsed:,} documents", f"{seconds / parsed * 1000:.2f} ms per document"))

    bench_results.machine = machine_description(connection)
    for what, size, seconds in rows:
        bench_results.add("Demo data (ar_ibm.csv and the Peppol examples)", what, size, seconds)
    assert len(rows) == 5

