"""KPIs of the dashboard home, computed by the selectors on a fixed date."""

import datetime as dt
from decimal import Decimal

import pytest

from dashboard import selectors
from dashboard.selectors import AGING_BUCKETS, days_sales_outstanding
from invoices.models import DocumentKind
from invoices.services import invoice_register
from payt.tenancy import tenant_context
from tests.dashboard.conftest import TODAY


def summary_of(summaries, currency):
    return next(summary for summary in summaries if summary.currency == currency)


def test_summary_lists_eur_first(org_alfa, seeded_alfa, in_alfa):
    summaries = selectors.receivables_summary(org_alfa, TODAY)

    assert [summary.currency for summary in summaries] == ["EUR", "GBP"]


def test_summary_open_and_overdue_to_the_cent(org_alfa, seeded_alfa, in_alfa):
    eur = summary_of(selectors.receivables_summary(org_alfa, TODAY), "EUR")

    assert eur.open_amount == Decimal("2102.15")
    assert eur.open_count == 7
    assert eur.overdue_amount == Decimal("1952.00")
    assert eur.overdue_count == 5


def test_aging_buckets_to_the_cent(org_alfa, seeded_alfa, in_alfa):
    eur = summary_of(selectors.receivables_summary(org_alfa, TODAY), "EUR")

    assert eur.bucket_amounts == {
        "not_due": Decimal("150.15"),
        "days_1_30": Decimal("450.50"),
        "days_31_60": Decimal("400.40"),
        "days_61_90": Decimal("500.50"),
        "over_90": Decimal("600.60"),
    }
    assert eur.bucket_counts == {
        "not_due": 2,
        "days_1_30": 2,
        "days_31_60": 1,
        "days_61_90": 1,
        "over_90": 1,
    }
    assert sum(eur.bucket_amounts.values()) == eur.open_amount


def test_aging_buckets_move_with_today(org_alfa, seeded_alfa, in_alfa):
    # One day later, A-NOT (due on TODAY) is 1 day past due, A-30 is 31 and A-90 is 91.
    eur = summary_of(selectors.receivables_summary(org_alfa, TODAY + dt.timedelta(days=1)), "EUR")

    assert eur.bucket_amounts["not_due"] == Decimal("50.05")
    assert eur.bucket_amounts["days_1_30"] == Decimal("250.30")
    assert eur.bucket_amounts["days_31_60"] == Decimal("700.70")
    assert eur.bucket_amounts["days_61_90"] == Decimal("0.00")
    assert eur.bucket_amounts["over_90"] == Decimal("1101.10")


def test_other_currency_kept_apart(org_alfa, seeded_alfa, in_alfa):
    gbp = summary_of(selectors.receivables_summary(org_alfa, TODAY), "GBP")

    assert gbp.open_amount == Decimal("80.08")
    assert gbp.overdue_amount == Decimal("80.08")
    assert gbp.bucket_amounts["days_1_30"] == Decimal("80.08")
    assert gbp.dso == Decimal("90.00")


def test_dso_of_seeded_invoices(org_alfa, seeded_alfa, in_alfa):
    eur = summary_of(selectors.receivables_summary(org_alfa, TODAY), "EUR")

    # Issued 2025-07-18 .. 2025-10-15: A-NOT, A-NOT2, A-1, A-30, A-31 and A-PAID.
    assert eur.invoiced_in_period == Decimal("1751.75")
    # 2102.15 × 90 ÷ 1751.75 = 108.00256…
    assert eur.dso == Decimal("108.00")


@pytest.mark.parametrize(
    ("open_amount", "invoiced", "expected"),
    [
        ("1000.00", "3000.00", Decimal("30.00")),
        ("2102.15", "1751.75", Decimal("108.00")),
        # 1 × 90 ÷ 8 = 11.25 exactly; 1 × 90 ÷ 7 = 12.857… rounds up.
        ("1.00", "8.00", Decimal("11.25")),
        ("1.00", "7.00", Decimal("12.86")),
        # 0.01 × 90 ÷ 3600 = 0.00025, below half a cent.
        ("0.01", "3600.00", Decimal("0.00")),
        ("0.00", "500.00", Decimal("0.00")),
    ],
)
def test_dso_formula(open_amount, invoiced, expected):
    assert days_sales_outstanding(Decimal(open_amount), Decimal(invoiced)) == expected


def test_dso_rounds_half_up():
    # 0.5 × 90 ÷ 1000 = 0.045 exactly, which rounds half up to 0.05 (half even would give 0.04).
    assert days_sales_outstanding(Decimal("0.50"), Decimal("1000.00")) == Decimal("0.05")


def test_dso_without_invoicing_is_none():
    assert days_sales_outstanding(Decimal("100.00"), Decimal("0.00")) is None


def test_bucket_keys_are_stable():
    assert [bucket.key for bucket in AGING_BUCKETS] == [
        "not_due",
        "days_1_30",
        "days_31_60",
        "days_61_90",
        "over_90",
    ]


def test_credit_notes_not_counted_as_receivable(org_alfa, seeded_alfa, debtor_alfa, in_alfa):
    invoice_register(
        organization=org_alfa,
        debtor=debtor_alfa,
        number="CN-1",
        kind=DocumentKind.CREDIT_NOTE,
        issue_date=dt.date(2025, 10, 1),
        total_amount=Decimal("40.00"),
    )
    eur = summary_of(selectors.receivables_summary(org_alfa, TODAY), "EUR")

    assert eur.open_amount == Decimal("2102.15")
    assert eur.invoiced_in_period == Decimal("1751.75")


def test_top_overdue_debtors_eur_first(org_alfa, seeded_alfa, debtor_alfa, make_invoice, in_alfa):
    make_invoice(
        org_alfa, number="X-1", total="5000.00", issue_date=dt.date(2025, 9, 1), name="Big Debt BV"
    )
    invoice_register(
        organization=org_alfa,
        debtor=debtor_alfa,
        number="G-2",
        issue_date=dt.date(2025, 9, 1),
        total_amount=Decimal("9000.00"),
        currency="GBP",
    )

    rows = selectors.top_overdue_debtors(org_alfa, TODAY)

    # The larger GBP amount still comes after every EUR row: currencies do not compare.
    assert [(row["debtor__name"], row["currency"], row["amount"]) for row in rows] == [
        ("Big Debt BV", "EUR", Decimal("5000.00")),
        ("Jansen Techniek BV", "EUR", Decimal("1952.00")),
        ("Jansen Techniek BV", "GBP", Decimal("9080.08")),
    ]


def test_summary_ignores_other_tenant(org_alfa, org_bravo, seeded_alfa, make_invoice):
    make_invoice(org_bravo, number="B-1", total="999.99", issue_date=dt.date(2025, 9, 1))

    with tenant_context(org_bravo):
        bravo = selectors.receivables_summary(org_bravo, TODAY)

    assert [(summary.currency, summary.open_amount) for summary in bravo] == [
        ("EUR", Decimal("999.99"))
    ]
