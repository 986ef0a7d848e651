"""The demo data load: what it creates, and that a second run changes nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from debtors.models import Debtor
from debtors.services import debtor_create
from invoices.models import (
    DocumentKind,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentSource,
    SourceFormat,
)
from invoices.selectors import status_condition
from invoices.services import invoice_register
from payt import demo
from payt.dates import local_today
from payt.models import Membership, Organization, Role
from payt.tenancy import tenant_context

CSV_ROWS = 2466
# Nine Peppol files; four repeat a number with other content and get 409:
# Snippet1 (invoice) appears five times and Vat-Z twice.
PEPPOL_IMPORTED = {
    (DocumentKind.INVOICE, "Snippet1"),
    (DocumentKind.CREDIT_NOTE, "Snippet1"),
    (DocumentKind.INVOICE, "Correction1"),
    (DocumentKind.INVOICE, "Vat-O"),
    (DocumentKind.INVOICE, "Vat-Z"),
}


def snapshot(organization) -> dict:
    with tenant_context(organization):
        return {
            "debtors": Debtor.objects.count(),
            "invoices": sorted(Invoice.objects.values_list("number", "open_amount", "due_date")),
            "payments": Payment.objects.count(),
            "memberships": Membership.objects.count(),
        }


def test_load_demo_creates_data_once(db, capsys):
    call_command("load_demo")
    first_output = capsys.readouterr().out
    organization = Organization.objects.get(slug=demo.DEMO_SLUG)
    today = local_today(organization)
    before = snapshot(organization)

    call_command("load_demo")
    second_output = capsys.readouterr().out

    assert "Loaded organisation demo" in first_output
    assert "nothing changed" in second_output
    assert snapshot(organization) == before

    assert organization.name == "Demo Groothandel BV"
    assert organization.country == "NL"
    user = User.objects.get(username=demo.DEMO_EMAIL)
    assert user.check_password(demo.DEMO_PASSWORD)

    with tenant_context(organization):
        assert Membership.objects.get(user=user).role == Role.ADMIN
        ubl = set(
            Invoice.objects.filter(source_format=SourceFormat.UBL).values_list("kind", "number")
        )
        csv_invoices = Invoice.objects.filter(source_format=SourceFormat.CSV)
        overdue = Invoice.objects.filter(status_condition(InvoiceStatus.OVERDUE, today))
        disputed = Invoice.objects.filter(status_condition(InvoiceStatus.DISPUTED, today))

        assert ubl == PEPPOL_IMPORTED
        snippet = Invoice.objects.get(kind=DocumentKind.INVOICE, number="Snippet1")
        assert snippet.total_amount == Decimal("1656.25")
        assert snippet.open_amount == Decimal("0.00")
        assert csv_invoices.count() == CSV_ROWS
        assert Invoice.objects.count() == CSV_ROWS + len(PEPPOL_IMPORTED)
        assert Debtor.objects.filter(external_id__gt="").count() == 100
        assert overdue.count() >= 20
        assert disputed.count() > 0
        assert Payment.objects.exclude(source=PaymentSource.BANK).count() == 0
        newest = csv_invoices.order_by("-issue_date").first().issue_date
        assert newest == today - dt.timedelta(days=demo.NEWEST_INVOICE_AGE_DAYS)
        assert not csv_invoices.filter(issue_date__gt=today).exists()
        assert not Payment.objects.filter(payment_date__gt=today).exists()


def test_demo_info_prints_three_lines(db, capsys, settings):
    settings.BASE_URL = "http://127.0.0.1:8123"
    organization = demo._ensure_organization()
    demo._ensure_admin(organization)
    with tenant_context(organization):
        debtor = debtor_create(organization=organization, name="Late BV", email="late@example.com")
        invoice_register(
            organization=organization,
            debtor=debtor,
            number="LATE-1",
            issue_date=dt.date(2020, 1, 1),
            due_date=dt.date(2020, 1, 31),
            total_amount=Decimal("10.00"),
        )

    call_command("demo_info")
    lines = capsys.readouterr().out.splitlines()

    assert lines[0] == "Dashboard: http://127.0.0.1:8123/"
    assert lines[1] == "Login: demo@example.com / demo-credit-control"
    assert lines[2].startswith("Portal: http://127.0.0.1:8123/p/")
    assert len(lines) == 3


def test_demo_info_without_demo_fails(db):
    with pytest.raises(CommandError, match="run `manage.py load_demo` first"):
        call_command("demo_info")


def test_csv_reading_keeps_leading_zeros():
    rows = demo.read_csv_invoices()

    assert len(rows) == CSV_ROWS
    assert rows[0].number == "0000611365"
    assert rows[0].amount == Decimal("55.94")
    assert rows[0].issue_date == dt.date(2013, 1, 2)


def test_date_shift_puts_newest_invoice_20_days_back():
    rows = demo.read_csv_invoices()
    today = dt.date(2026, 3, 1)

    shift = demo.date_shift(rows, today)

    assert max(row.issue_date for row in rows) + shift == dt.date(2026, 2, 9)


def test_debtor_profiles_are_stable_and_unique():
    countries = {row.customer_id: row.country_code for row in demo.read_csv_invoices()}

    first = demo.debtor_profiles(countries)
    second = demo.debtor_profiles(countries)

    assert first == second
    assert len(first) == 100
    assert len({profile["name"] for profile in first.values()}) == 100
    languages = [profile["language"] for profile in first.values()]
    assert languages.count("nl") > 50
    assert {"en", "fr", "de"} <= set(languages)
    assert all(profile["email"].endswith("@example.com") for profile in first.values())
