"""Invoice list: filters, htmx partial refresh, pagination, query count."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from dashboard import views
from invoices.services import invoice_register
from payt.tenancy import tenant_context

URL = reverse("dashboard:invoices")


def numbers_in(response) -> list[str]:
    return re.findall(r'data-invoice="([^"]+)"', response.content.decode())


@pytest.fixture
def frozen_today(monkeypatch):
    """Make the views see the seeded TODAY as the organisation's local date."""
    from tests.dashboard.conftest import TODAY

    monkeypatch.setattr(views, "local_today", lambda organization: TODAY)
    return TODAY


def test_list_shows_all_documents(alice_client, seeded_alfa, frozen_today):
    response = alice_client.get(URL)

    assert response.status_code == 200
    assert sorted(numbers_in(response)) == sorted(seeded_alfa)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("open", ["A-NOT", "A-NOT2"]),
        ("overdue", ["A-30", "A-31", "A-90", "A-91", "G-1"]),
        ("partially_paid", ["A-1"]),
        ("paid", ["A-PAID"]),
        ("credited", []),
        ("disputed", []),
    ],
)
def test_filter_by_status(alice_client, seeded_alfa, frozen_today, status, expected):
    response = alice_client.get(URL, {"status": status})

    assert sorted(numbers_in(response)) == sorted(expected)


def test_filter_disputed(alice_client, seeded_alfa, frozen_today, org_alfa):
    from invoices.models import Invoice

    with tenant_context(org_alfa):
        Invoice.objects.filter(pk=seeded_alfa["A-31"].pk).update(
            disputed_at=dt.datetime(2025, 9, 20, tzinfo=dt.UTC)
        )

    disputed = alice_client.get(URL, {"status": "disputed"})
    overdue = alice_client.get(URL, {"status": "overdue"})

    assert numbers_in(disputed) == ["A-31"]
    assert "A-31" not in numbers_in(overdue)


def test_filter_by_debtor(alice_client, seeded_alfa, frozen_today, make_invoice, org_alfa):
    other = make_invoice(org_alfa, number="OTHER-1", name="Other Debtor BV")

    response = alice_client.get(URL, {"debtor": str(other.debtor_id)})

    assert numbers_in(response) == ["OTHER-1"]


def test_filter_by_foreign_debtor_is_invalid(
    alice_client, seeded_alfa, frozen_today, make_invoice, org_bravo
):
    bravo_invoice = make_invoice(org_bravo, number="B-1")

    response = alice_client.get(URL, {"debtor": str(bravo_invoice.debtor_id)})

    assert response.status_code == 200
    assert "B-1" not in numbers_in(response)
    assert response.context["form"].errors["debtor"]


def test_filter_by_number(alice_client, seeded_alfa, frozen_today):
    response = alice_client.get(URL, {"number": "a-9"})

    assert sorted(numbers_in(response)) == ["A-90", "A-91"]


def test_filter_by_due_range(alice_client, seeded_alfa, frozen_today):
    response = alice_client.get(URL, {"due_from": "2025-09-14", "due_to": "2025-09-30"})

    assert sorted(numbers_in(response)) == ["A-30", "A-31", "G-1"]


def test_due_range_reversed_is_an_error(alice_client, seeded_alfa, frozen_today):
    response = alice_client.get(URL, {"due_from": "2025-10-01", "due_to": "2025-09-01"})

    assert "swap them" in response.content.decode()


def test_filters_combine(alice_client, seeded_alfa, frozen_today):
    response = alice_client.get(URL, {"status": "overdue", "due_from": "2025-09-01"})

    assert sorted(numbers_in(response)) == ["A-30", "A-31", "G-1"]


def test_htmx_request_gets_table_only(alice_client, seeded_alfa, frozen_today):
    response = alice_client.get(URL, {"status": "paid"}, headers={"HX-Request": "true"})

    content = response.content.decode()
    assert content.lstrip().startswith('<section id="invoice-table"')
    assert "<html" not in content
    assert numbers_in(response) == ["A-PAID"]
    assert "HX-Request" in response["Vary"]


def test_full_page_without_htmx(alice_client, seeded_alfa, frozen_today):
    content = alice_client.get(URL).content.decode()

    assert "<html" in content
    assert 'id="invoice-table"' in content
    assert 'hx-get="/invoices/"' in content


def test_pagination(alice_client, org_alfa, debtor_alfa, frozen_today, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 10)
    with tenant_context(org_alfa):
        for index in range(25):
            invoice_register(
                organization=org_alfa,
                debtor=debtor_alfa,
                number=f"P-{index:02d}",
                issue_date=dt.date(2025, 9, 1) + dt.timedelta(days=index),
                total_amount="10.00",
            )

    first = alice_client.get(URL)
    third = alice_client.get(URL, {"page": 3, "number": "P-"}, headers={"HX-Request": "true"})

    assert len(numbers_in(first)) == 10
    assert numbers_in(first)[0] == "P-24"
    assert numbers_in(third) == ["P-04", "P-03", "P-02", "P-01", "P-00"]
    assert "Page 3 of 3" in third.content.decode()
    assert 'href="?page=2&amp;number=P-"' in third.content.decode()


def test_query_count_is_pinned(alice_client, seeded_alfa, frozen_today, django_assert_num_queries):
    # Session, user, the user-id lookup setting on and off, memberships, the
    # tenant setting on and off (7), then the count, the page with its debtors
    # joined, and the debtor choices: 10, however many rows the page has.
    with django_assert_num_queries(10):
        response = alice_client.get(URL, {"status": "overdue"})

    assert len(numbers_in(response)) == 5


def test_invalid_filter_shows_error_not_everything(alice_client, org_alfa, make_invoice):
    make_invoice(org_alfa, number="A-1")
    query = {"status": "paid", "due_from": "2026-12-31", "due_to": "2026-01-01"}

    page = alice_client.get(reverse("dashboard:invoices"), query)
    partial = alice_client.get(reverse("dashboard:invoices"), query, HTTP_HX_REQUEST="true")

    assert page.status_code == 200
    assert 'data-invoice="A-1"' not in page.content.decode()
    assert 'data-invoice="A-1"' not in partial.content.decode()
    assert 'role="alert"' in partial.content.decode()
