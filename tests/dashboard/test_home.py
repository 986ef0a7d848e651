"""Dashboard home: KPIs and aging on the page, query count."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from dashboard import views
from tests.dashboard.conftest import TODAY

URL = reverse("dashboard:home")


@pytest.fixture
def frozen_today(monkeypatch):
    monkeypatch.setattr(views, "local_today", lambda organization: TODAY)
    return TODAY


def aging_cells(response) -> dict[tuple[str, str], Decimal]:
    """Return {(currency, bucket): amount} from the aging table's data attributes."""
    content = response.content.decode()
    table = content[
        content.index('id="aging-table"') : content.index(
            "</table>", content.index('id="aging-table"')
        )
    ]
    cells = {}
    for row in re.findall(r'<tr data-currency="([A-Z]{3})">(.*?)</tr>', table, flags=re.S):
        currency, body = row
        for bucket, amount in re.findall(
            r'data-bucket="([a-z0-9_]+)" data-amount="([0-9.]+)"', body
        ):
            cells[(currency, bucket)] = Decimal(amount)
    return cells


def test_home_shows_aging_table(alice_client, seeded_alfa, frozen_today):
    cells = aging_cells(alice_client.get(URL))

    assert cells == {
        ("EUR", "not_due"): Decimal("150.15"),
        ("EUR", "days_1_30"): Decimal("450.50"),
        ("EUR", "days_31_60"): Decimal("400.40"),
        ("EUR", "days_61_90"): Decimal("500.50"),
        ("EUR", "over_90"): Decimal("600.60"),
        ("EUR", "total"): Decimal("2102.15"),
        ("GBP", "not_due"): Decimal("0.00"),
        ("GBP", "days_1_30"): Decimal("80.08"),
        ("GBP", "days_31_60"): Decimal("0.00"),
        ("GBP", "days_61_90"): Decimal("0.00"),
        ("GBP", "over_90"): Decimal("0.00"),
        ("GBP", "total"): Decimal("80.08"),
    }


def test_home_shows_kpis(alice_client, seeded_alfa, frozen_today):
    content = alice_client.get(URL).content.decode()

    assert 'data-kpi="open" data-amount="2102.15"' in content
    assert 'data-kpi="overdue" data-amount="1952.00"' in content
    assert 'data-kpi="dso" data-value="108.00"' in content
    assert "€\N{NO-BREAK SPACE}2,102.15" in content


def test_dso_tooltip_shows_formula(alice_client, seeded_alfa, frozen_today):
    content = alice_client.get(URL).content.decode()

    assert (
        "DSO = open receivables ÷ amount invoiced in the last 90 days × 90 = "
        "€\N{NO-BREAK SPACE}2,102.15 ÷ €\N{NO-BREAK SPACE}1,751.75 × 90"
    ) in content


def test_eur_row_comes_first(alice_client, seeded_alfa, frozen_today):
    content = alice_client.get(URL).content.decode()

    assert content.index('<tr data-currency="EUR">') < content.index('<tr data-currency="GBP">')


def test_home_counts_open_questions(alice_client, debtor_alfa, make_question, frozen_today):
    make_question(debtor_alfa)
    make_question(debtor_alfa, text="Second question")

    content = alice_client.get(URL).content.decode()

    assert re.search(r'data-kpi="questions">\s*2\s*<', content)


def test_empty_organisation(alice_client, frozen_today):
    response = alice_client.get(URL)

    assert response.status_code == 200
    assert "No open invoices yet." in response.content.decode()


def test_query_count_is_pinned(alice_client, seeded_alfa, frozen_today, django_assert_num_queries):
    # Session, user, the user-id lookup setting on and off, memberships, the
    # tenant setting on and off (7), then the summary, the top overdue
    # debtors, the question count and the dispute count: 11, however many
    # invoices there are.
    # Two more for the forecast charts, and three for whether forecasts exist and which model makes them.
    with django_assert_num_queries(16):
        response = alice_client.get(URL)

    assert response.status_code == 200
