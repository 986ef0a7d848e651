"""Fixtures of the dashboard tests: logged-in clients and seeded receivables."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from debtors.services import debtor_create
from invoices.services import invoice_register, payment_register
from payt.models import Role
from payt.services import membership_add
from payt.tenancy import tenant_context
from portal.models import Question
from portal.services import question_ask
from tests.conftest import PASSWORD, _user

# Tests evaluate the seeded receivables on this date, so days past due are fixed.
TODAY = dt.date(2025, 10, 15)


def logged_in_client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def alice_client(alice):
    return logged_in_client(alice)


@pytest.fixture
def bob_client(bob):
    return logged_in_client(bob)


@pytest.fixture
def charlie_client(charlie):
    return logged_in_client(charlie)


@pytest.fixture
def reader(org_alfa):
    return _user("reader@alfa.example", org_alfa, Role.READ_ONLY)


@pytest.fixture
def reader_client(reader):
    return logged_in_client(reader)


@pytest.fixture
def alice_in_bravo(alice, org_bravo):
    """Alice is also a credit controller of Bravo, so she can switch between two organisations."""
    membership_add(organization=org_bravo, user=alice, role=Role.CREDIT_CONTROLLER)
    return alice


@pytest.fixture
def debtor_alfa(org_alfa):
    with tenant_context(org_alfa):
        return debtor_create(
            organization=org_alfa,
            name="Jansen Techniek BV",
            email="admin@jansen.example",
            language="fr",
        )


@pytest.fixture
def make_question():
    def make(debtor, text="Why is the VAT on this invoice 21%?", invoice=None) -> Question:
        with tenant_context(debtor.organization):
            return question_ask(debtor=debtor, invoice=invoice, text=text)

    return make


@pytest.fixture
def seeded_alfa(org_alfa, make_invoice, debtor_alfa):
    """Receivables of Alfa whose aging on TODAY is known to the cent.

    | number | due (days past due on TODAY) | total   | paid   | open    | bucket     |
    | A-NOT  | 2025-10-15 (0)               | 100.10  |        | 100.10  | not_due    |
    | A-NOT2 | 2025-11-30 (-46)             | 50.05   |        | 50.05   | not_due    |
    | A-1    | 2025-10-14 (1)               | 200.20  | 50.00  | 150.20  | days_1_30  |
    | A-30   | 2025-09-15 (30)              | 300.30  |        | 300.30  | days_1_30  |
    | A-31   | 2025-09-14 (31)              | 400.40  |        | 400.40  | days_31_60 |
    | A-90   | 2025-07-17 (90)              | 500.50  |        | 500.50  | days_61_90 |
    | A-91   | 2025-07-16 (91)              | 600.60  |        | 600.60  | over_90    |
    | A-PAID | 2025-09-01                   | 700.70  | 700.70 | 0       | (paid)     |
    | G-1    | 2025-09-30 (15), GBP         | 80.08   |        | 80.08   | days_1_30  |
    """
    rows = [
        ("A-NOT", "100.10", "2025-10-01", "2025-10-15"),
        ("A-NOT2", "50.05", "2025-10-10", "2025-11-30"),
        ("A-1", "200.20", "2025-09-14", "2025-10-14"),
        ("A-30", "300.30", "2025-08-16", "2025-09-15"),
        ("A-31", "400.40", "2025-08-15", "2025-09-14"),
        ("A-90", "500.50", "2025-06-17", "2025-07-17"),
        ("A-91", "600.60", "2025-06-16", "2025-07-16"),
        ("A-PAID", "700.70", "2025-08-02", "2025-09-01"),
    ]
    invoices = {}
    for number, total, issued, due in rows:
        invoices[number] = make_invoice(
            org_alfa,
            number=number,
            total=total,
            issue_date=dt.date.fromisoformat(issued),
            due_date=dt.date.fromisoformat(due),
            debtor=debtor_alfa,
        )
    with tenant_context(org_alfa):
        invoices["G-1"] = _register_gbp_invoice(org_alfa, debtor_alfa)
        payment_register(
            organization=org_alfa,
            amount=Decimal("50.00"),
            payment_date=TODAY,
            invoice=invoices["A-1"],
        )
        payment_register(
            organization=org_alfa,
            amount=Decimal("700.70"),
            payment_date=TODAY,
            invoice=invoices["A-PAID"],
        )
        for invoice in invoices.values():
            invoice.refresh_from_db()
    return invoices


def _register_gbp_invoice(organization, debtor):
    invoice, _ = invoice_register(
        organization=organization,
        debtor=debtor,
        number="G-1",
        issue_date=dt.date(2025, 8, 31),
        due_date=dt.date(2025, 9, 30),
        total_amount=Decimal("80.08"),
        currency="GBP",
    )
    return invoice
