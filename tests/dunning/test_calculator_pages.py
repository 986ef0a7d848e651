"""The dashboard calculators: whole page, htmx partial, errors beside the field, Dutch."""

import re

import pytest
from django.urls import reverse

from payt.middleware import SESSION_LANGUAGE_KEY
from tests.dashboard.conftest import logged_in_client

pytestmark = pytest.mark.usefixtures("statutory_rates")

NBSP = "\N{NO-BREAK SPACE}"
COSTS_QUERY = {"country": "NL", "debtor_kind": "consumer", "principal": "1234.56", "vat_not_deductible": "on"}
INTEREST_QUERY = {
    "country": "NL",
    "debtor_kind": "consumer",
    "principal": "1000.00",
    "start": "2023-03-01",
    "end": "2024-12-31",
}


@pytest.fixture
def bob_client(bob):
    return logged_in_client(bob)


def amount_in(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}">([^<]+)<', html)
    assert match, f"no element {element_id} in the page"
    return match.group(1)


def test_page_shows_both_forms(bob_client):
    response = bob_client.get(reverse("dunning:calculators"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'action="/dunning/calculators/collection-costs/"' in html
    assert 'action="/dunning/calculators/interest/"' in html
    assert 'aria-current="page">Calculators<' in html


def test_costs_full_page_without_htmx(bob_client):
    response = bob_client.get(reverse("dunning:calculate_collection_costs"), COSTS_QUERY)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert amount_in(html, "costs-amount") == f"€{NBSP}224.07"
    assert "Besluit vergoeding voor buitengerechtelijke incassokosten" in html


def test_costs_htmx_returns_card_only(bob_client):
    response = bob_client.get(reverse("dunning:calculate_collection_costs"), COSTS_QUERY, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.startswith('<section class="card" id="costs-card">')
    assert amount_in(html, "costs-amount") == f"€{NBSP}224.07"
    assert response["Vary"].count("HX-Request") == 1


def test_interest_breakdown(bob_client):
    response = bob_client.get(reverse("dunning:calculate_interest"), INTEREST_QUERY, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert amount_in(html, "interest-amount") == f"€{NBSP}117.04"
    assert "122/365" in html
    assert "61.9196" in html
    assert f"€{NBSP}55.12 interest was added to the principal, making it €{NBSP}1,055.12" in html


def test_interest_error_beside_field(bob_client):
    query = {**INTEREST_QUERY, "country": "FR"}

    response = bob_client.get(reverse("dunning:calculate_interest"), query, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    # htmx swaps only 2xx responses into the page.
    assert response.status_code == 200
    assert "no statutory interest regime for consumer debtors in FR" in html
    assert 'class="errorlist' in html
    assert 'id="interest-amount"' not in html


def test_costs_form_error(bob_client):
    query = {**COSTS_QUERY, "principal": "0"}

    response = bob_client.get(reverse("dunning:calculate_collection_costs"), query)

    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()


def test_unverified_rate_warned(bob_client):
    query = {**INTEREST_QUERY, "start": "2026-01-01", "end": "2026-02-01"}

    html = bob_client.get(reverse("dunning:calculate_interest"), query).content.decode()

    assert "marked unverified in the rate table" in html


def test_calculators_in_dutch(bob_client):
    bob_client.post(reverse("dashboard:language"), {"language": "nl"})
    assert bob_client.session[SESSION_LANGUAGE_KEY] == "nl"

    html = bob_client.get(reverse("dunning:calculate_collection_costs"), COSTS_QUERY).content.decode()

    assert "Incassokosten" in html
    assert amount_in(html, "costs-amount") == f"€{NBSP}224,07"
    assert "Rekenhulpen" in html


def test_anonymous_redirected_to_login(client, db):
    response = client.get(reverse("dunning:calculators"))

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
