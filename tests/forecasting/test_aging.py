"""Open receivables per aging bucket at past month ends, rebuilt from dates and allocations."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest

from dashboard.selectors import AGING_BUCKETS as DASHBOARD_BUCKETS
from debtors.services import debtor_create
from forecasting.selectors import AGING_BUCKETS, aging_bucket, receivables_aging
from invoices.models import Allocation, DocumentKind, Invoice
from invoices.services import credit_allocate, invoice_cancel, invoice_register, payment_register
from payt.tenancy import tenant_context

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
TODAY = dt.date(2025, 7, 15)


def _local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=AMSTERDAM)


def _invoice(organization, debtor, number, issue, due, total, kind=DocumentKind.INVOICE, currency="EUR"):
    invoice, _ = invoice_register(
        organization=organization,
        debtor=debtor,
        number=number,
        issue_date=dt.date.fromisoformat(issue),
        due_date=dt.date.fromisoformat(due),
        total_amount=Decimal(total),
        kind=kind,
        currency=currency,
    )
    return invoice


def _pay(organization, invoice, amount: str, paid_on: str, allocated_at: str | None = None) -> None:
    payment, _ = payment_register(
        organization=organization, amount=Decimal(amount), payment_date=dt.date.fromisoformat(paid_on), invoice=invoice
    )
    if allocated_at is not None:
        # The service stamps the allocation with the current time, so move it to the day the test needs.
        Allocation.objects.filter(payment=payment).update(created_at=_local(allocated_at))


@pytest.fixture
def aging_alfa(org_alfa, org_bravo):
    with tenant_context(org_bravo):
        outsider = debtor_create(organization=org_bravo, name="Bravo klant", country="NL")
        _invoice(org_bravo, outsider, "B-1", "2025-03-01", "2025-03-31", "999.99")
    with tenant_context(org_alfa):
        debtor = debtor_create(organization=org_alfa, name="Ouderdom BV", country="NL")
        partly_paid = _invoice(org_alfa, debtor, "A-1", "2025-01-10", "2025-02-09", "1000.00")
        _pay(org_alfa, partly_paid, "400.00", "2025-05-10")
        # Received on 1 July, so still open at the June month end, although it was allocated on 30 June.
        _pay(org_alfa, partly_paid, "600.00", "2025-07-01", allocated_at="2025-06-30T23:30")

        _invoice(org_alfa, debtor, "A-2", "2025-04-20", "2025-05-20", "250.50")

        cancelled = _invoice(org_alfa, debtor, "A-3", "2025-03-01", "2025-03-31", "300.00")
        invoice_cancel(invoice=cancelled, reason="ordered twice")
        Invoice.objects.filter(pk=cancelled.pk).update(cancelled_at=_local("2025-06-15T09:00"))

        credited = _invoice(org_alfa, debtor, "A-4", "2025-05-05", "2025-06-04", "120.00")
        credit = _invoice(org_alfa, debtor, "C-1", "2025-06-30", "2025-06-30", "120.00", kind=DocumentKind.CREDIT_NOTE)
        allocation = credit_allocate(credit=credit, invoice=credited, amount=Decimal("120.00"))
        # Allocated on 1 July, but the credit note is dated 30 June, so A-4 is settled at the June month end.
        Allocation.objects.filter(pk=allocation.pk).update(created_at=_local("2025-07-01T00:30"))

        _invoice(org_alfa, debtor, "A-5", "2025-06-20", "2025-07-20", "75.25")
        _invoice(org_alfa, debtor, "A-6", "2025-07-01", "2025-07-31", "500.00")  # after the last month end
        _invoice(org_alfa, debtor, "D-1", "2025-04-01", "2025-05-01", "444.44", currency="USD")
        return receivables_aging(org_alfa, currency="EUR", months=3, today=TODAY)


def _amounts(month) -> list[str]:
    return [str(month.buckets[key]) for key, _first, _last in AGING_BUCKETS]


def test_aging_month_ends_oldest_first(aging_alfa):
    month_ends = [month.month_end for month in aging_alfa]
    assert month_ends == [dt.date(2025, 4, 30), dt.date(2025, 5, 31), dt.date(2025, 6, 30)]


def test_aging_april_amounts_per_bucket(aging_alfa):
    # Not due: A-2. 1-30: A-3 (30 days). 61-90: A-1 (80 days, nothing allocated yet).
    assert _amounts(aging_alfa[0]) == ["250.50", "300.00", "0.00", "1000.00", "0.00"]


def test_aging_may_amounts_per_bucket(aging_alfa):
    # Not due: A-4. 1-30: A-2 (11 days). 61-90: A-3 (61 days). Over 90: A-1 less the 400.00 of 10 May.
    assert _amounts(aging_alfa[1]) == ["120.00", "250.50", "0.00", "300.00", "600.00"]


def test_aging_june_amounts_per_bucket(aging_alfa):
    # Not due: A-5. 31-60: A-2 (41 days). Over 90: A-1, paid off only on 1 July.
    # A-3 was cancelled on 15 June and A-4 credited on 30 June, so neither counts.
    assert _amounts(aging_alfa[2]) == ["75.25", "0.00", "250.50", "0.00", "600.00"]


@pytest.fixture
def late_allocations(org_alfa):
    """Payments and a credit note dated in earlier months but allocated on TODAY, as after a late import."""
    with tenant_context(org_alfa):
        debtor = debtor_create(organization=org_alfa, name="Laat Geboekt BV", country="NL")
        invoice = _invoice(org_alfa, debtor, "L-1", "2025-03-01", "2025-03-31", "1000.00")
        _pay(org_alfa, invoice, "333.33", "2025-05-10", allocated_at="2025-07-15T09:00")
        credit = _invoice(org_alfa, debtor, "LC-1", "2025-06-30", "2025-06-30", "100.10", kind=DocumentKind.CREDIT_NOTE)
        allocation = credit_allocate(credit=credit, invoice=invoice, amount=Decimal("100.10"))
        Allocation.objects.filter(pk=allocation.pk).update(created_at=_local("2025-07-15T09:05"))
        _pay(org_alfa, invoice, "200.00", "2025-07-01", allocated_at="2025-07-15T09:10")

        paid_early = _invoice(org_alfa, debtor, "L-2", "2025-03-01", "2025-03-31", "250.00")
        _pay(org_alfa, paid_early, "250.00", "2025-03-15", allocated_at="2025-07-15T09:15")
        prepaid = _invoice(org_alfa, debtor, "L-3", "2025-05-20", "2025-06-19", "80.00")
        _pay(org_alfa, prepaid, "80.00", "2025-05-01", allocated_at="2025-07-15T09:20")
        return receivables_aging(org_alfa, currency="EUR", months=3, today=TODAY)


def test_aging_dates_allocations_by_their_source(late_allocations):
    april, may, june = late_allocations
    # L-1 is 30 days past due and nothing was paid by 30 April; L-2 was paid off on 15 March.
    assert _amounts(april) == ["0.00", "1000.00", "0.00", "0.00", "0.00"]
    # L-1 less the 333.33 received on 10 May; L-3 was paid before it was issued.
    assert _amounts(may) == ["0.00", "0.00", "0.00", "666.67", "0.00"]
    # L-1 less the credit note of 30 June; the 200.00 received on 1 July is after the month end.
    assert _amounts(june) == ["0.00", "0.00", "0.00", "0.00", "566.57"]


def test_aging_other_currency_apart(org_alfa, aging_alfa):
    with tenant_context(org_alfa):
        dollars = receivables_aging(org_alfa, currency="USD", months=3, today=TODAY)
    assert _amounts(dollars[0]) == ["444.44", "0.00", "0.00", "0.00", "0.00"]  # due on 1 May
    assert _amounts(dollars[1]) == ["0.00", "444.44", "0.00", "0.00", "0.00"]


@pytest.mark.parametrize(
    ("days", "key"),
    [(-5, "not_due"), (0, "not_due"), (1, "days_1_30"), (30, "days_1_30"), (31, "days_31_60"),
     (60, "days_31_60"), (61, "days_61_90"), (90, "days_61_90"), (91, "over_90"), (400, "over_90")],
)
def test_aging_bucket_edges(days, key):
    assert aging_bucket(days) == key


def test_aging_buckets_match_the_dashboard_table():
    assert [(key, first, last) for key, first, last in AGING_BUCKETS] == [
        (bucket.key, bucket.min_days, bucket.max_days) for bucket in DASHBOARD_BUCKETS
    ]
