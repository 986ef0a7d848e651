"""Payment terms: "N months after the end of the invoice month" and due dates derived from them."""

import datetime as dt

import pytest
from django.urls import reverse

from debtors.services import debtor_create
from payt.dates import PaymentTermBasis, due_date_from_term, end_of_month_after
from payt.models import AuditEntry, Organization
from payt.tenancy import tenant_context
from tests.dashboard.conftest import logged_in_client

D = dt.date


@pytest.mark.parametrize(
    ("issue_date", "due_date"),
    [
        # One month after the end of the invoice month: never 2025-03-28 for a February invoice.
        (D(2025, 2, 10), D(2025, 3, 31)),
        (D(2025, 1, 31), D(2025, 2, 28)),
        (D(2025, 3, 15), D(2025, 4, 30)),
        (D(2025, 2, 28), D(2025, 3, 31)),
        (D(2024, 1, 31), D(2024, 2, 29)),
        (D(2025, 12, 5), D(2026, 1, 31)),
    ],
)
def test_one_month_after_month_end(issue_date, due_date):
    assert end_of_month_after(issue_date, 1) == due_date


@pytest.mark.parametrize(
    ("months", "due_date"),
    [(0, D(2025, 2, 28)), (2, D(2025, 4, 30)), (12, D(2026, 2, 28)), (13, D(2026, 3, 31))],
)
def test_months_after_month_end(months, due_date):
    assert end_of_month_after(D(2025, 2, 10), months) == due_date


def test_negative_months_rejected():
    with pytest.raises(ValueError, match="months"):
        end_of_month_after(D(2025, 2, 10), -1)


def test_days_after_issue():
    assert due_date_from_term(D(2025, 2, 10), basis=PaymentTermBasis.DAYS_AFTER_ISSUE, days=30) == D(2025, 3, 12)


def test_unknown_basis_rejected():
    with pytest.raises(ValueError, match="payment term basis"):
        due_date_from_term(D(2025, 2, 10), basis="net_eom")


@pytest.fixture
def org_month_end(org_alfa):
    Organization.objects.filter(pk=org_alfa.pk).update(
        payment_term_basis=PaymentTermBasis.MONTHS_AFTER_MONTH_END, payment_term_months=1
    )
    org_alfa.refresh_from_db()
    return org_alfa


@pytest.mark.parametrize(
    ("issue_date", "due_date"),
    [("2025-02-10", "2025-03-31"), ("2025-01-31", "2025-02-28"), ("2025-03-15", "2025-04-30")],
)
def test_api_derives_month_end_due_date(org_month_end, alfa_api, issue_date, due_date):
    with tenant_context(org_month_end):
        debtor = debtor_create(organization=org_month_end, name="Koper BV")

    response = alfa_api.post(
        "/api/v1/invoices/",
        {"number": f"INV-{issue_date}", "debtor": str(debtor.pk), "issue_date": issue_date, "total_amount": "10.00"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["due_date"] == due_date
    assert response.json()["due_date_derived"] is True


def test_days_term_stays_default(org_alfa, make_invoice):
    invoice = make_invoice(org_alfa, number="INV-1", issue_date=D(2025, 2, 10))

    assert invoice.due_date == D(2025, 3, 12)
    assert invoice.due_date_derived is True


def test_settings_choose_month_end_term(alice, org_alfa):
    client = logged_in_client(alice)

    response = client.post(
        reverse("dashboard:settings"),
        {
            "name": org_alfa.name,
            "time_zone": "Europe/Amsterdam",
            "default_language": "nl",
            "payment_term_basis": PaymentTermBasis.MONTHS_AFTER_MONTH_END,
            "payment_term_days": 30,
            "payment_term_months": 2,
            "email": "",
            "iban": "",
        },
    )

    assert response.status_code == 302
    org_alfa.refresh_from_db()
    assert org_alfa.payment_term_basis == PaymentTermBasis.MONTHS_AFTER_MONTH_END
    assert org_alfa.payment_term_months == 2
    assert org_alfa.default_due_date(D(2025, 2, 10)) == D(2025, 4, 30)
    with tenant_context(org_alfa):
        entry = AuditEntry.objects.get(action="organization.settings_changed")
    assert entry.data == {"payment_term_basis": "months_after_month_end", "payment_term_months": "2"}
