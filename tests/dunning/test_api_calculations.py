"""The calculator endpoints: amounts as strings with their breakdown, and a 400 naming each bad parameter."""

import pytest
from rest_framework.test import APIClient

from tests.api_support import assert_error

pytestmark = pytest.mark.usefixtures("statutory_rates")

COSTS = "/api/v1/calculations/collection-costs"
INTEREST = "/api/v1/calculations/interest"

COSTS_QUERY = {"country": "NL", "debtor_kind": "consumer", "principal": "1234.56", "currency": "EUR"}
INTEREST_QUERY = {
    "country": "NL",
    "debtor_kind": "consumer",
    "principal": "1000.00",
    "start": "2023-03-01",
    "end": "2024-12-31",
}


def test_costs_nl_with_vat(alfa_api):
    response = alfa_api.get(COSTS, {**COSTS_QUERY, "vat_not_deductible": "true"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["amount"] == "224.07"
    assert body["fee"] == "185.18"
    assert body["vat"] == "38.89"
    assert body["vat_rate"] == "21.000"
    assert body["currency"] == "EUR"
    assert body["tiers"] == [
        {
            "lower": "0.00",
            "upper": "2500.00",
            "base": "1234.56",
            "rate": "15.000",
            "fixed": "0.00",
            "amount_unrounded": "185.184000",
        }
    ]
    assert "14-day letter" in body["note"]


def test_costs_without_vat_by_default(alfa_api):
    response = alfa_api.get(COSTS, COSTS_QUERY)

    assert response.json()["amount"] == "185.18"
    assert response.json()["vat"] == "0.00"


def test_costs_uk_consumer_is_zero_with_reason(alfa_api):
    response = alfa_api.get(COSTS, {"country": "UK", "debtor_kind": "consumer", "principal": "5000.00"})

    assert response.status_code == 200
    body = response.json()
    assert body["amount"] == "0.00"
    assert body["country"] == "GB"
    assert body["currency"] == "GBP"
    assert body["tiers"] == []
    assert body["note"]


def test_costs_uk_business_band(alfa_api):
    response = alfa_api.get(COSTS, {"country": "GB", "debtor_kind": "business", "principal": "1000.00"})

    assert response.json()["amount"] == "70.00"


def test_interest_nl_consumer_breakdown(alfa_api):
    response = alfa_api.get(INTEREST, INTEREST_QUERY)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["amount"] == "117.04"
    assert body["regime"] == "nl-consumer"
    assert body["currency"] == "EUR"
    assert body["day_count"] == "act_365"
    assert body["capitalisation"] == "yearly"
    assert [(p["start"], p["end"], p["days"], p["base"], p["rate"]) for p in body["periods"]] == [
        ("2023-03-01", "2023-06-30", 122, "1000.00", "4.000"),
        ("2023-07-01", "2023-12-31", 184, "1000.00", "6.000"),
        ("2024-01-01", "2024-02-29", 60, "1000.00", "7.000"),
        ("2024-03-01", "2024-12-31", 306, "1055.12", "7.000"),
    ]
    assert body["periods"][0]["interest_unrounded"] == "13.369863"
    assert body["capitalisations"] == [{"date": "2024-03-01", "interest": "55.12", "base_after": "1055.12"}]
    assert body["rates_verified"] is True


def test_interest_day_count_override(alfa_api):
    query = {**INTEREST_QUERY, "country": "DE", "debtor_kind": "business", "principal": "10000.00"}
    query.update(start="2026-01-01", end="2026-02-28", day_count="30_360")

    response = alfa_api.get(INTEREST, query)

    assert response.status_code == 200, response.content
    assert response.json()["amount"] == "171.17"
    assert response.json()["periods"][0]["year_basis"] == 360


def test_interest_flags_unverified_rate(alfa_api):
    response = alfa_api.get(INTEREST, {**INTEREST_QUERY, "start": "2026-01-01", "end": "2026-01-31"})

    assert response.json()["rates_verified"] is False
    assert response.json()["periods"][0]["rate_verified"] is False


def test_trailing_slash_also_answers(alfa_api):
    response = alfa_api.get(COSTS + "/", COSTS_QUERY)

    assert response.status_code == 200
    assert response.json()["amount"] == "185.18"


@pytest.mark.parametrize("parameter", ["country", "debtor_kind", "principal"])
def test_costs_missing_parameter(alfa_api, parameter):
    query = {key: value for key, value in COSTS_QUERY.items() if key != parameter}

    assert_error(alfa_api.get(COSTS, query), 400, parameter)


@pytest.mark.parametrize("parameter", ["country", "debtor_kind", "principal", "start", "end"])
def test_interest_missing_parameter(alfa_api, parameter):
    query = {key: value for key, value in INTEREST_QUERY.items() if key != parameter}

    assert_error(alfa_api.get(INTEREST, query), 400, parameter)


@pytest.mark.parametrize(
    ("changes", "parameter"),
    [
        ({"country": "ES"}, "country"),
        ({"debtor_kind": "company"}, "debtor_kind"),
        ({"principal": "0"}, "principal"),
        ({"principal": "-10"}, "principal"),
        ({"principal": "abc"}, "principal"),
        ({"principal": "12.345"}, "principal"),
        ({"principal": "1e20"}, "principal"),
        ({"currency": "GBP"}, "currency"),
        ({"country": "BE", "vat_not_deductible": "true"}, "vat_not_deductible"),
        ({"vat_not_deductible": "maybe"}, "vat_not_deductible"),
    ],
)
def test_costs_bad_parameter(alfa_api, changes, parameter):
    error = assert_error(alfa_api.get(COSTS, {**COSTS_QUERY, **changes}), 400, parameter)

    assert error["code"] == "invalid"


@pytest.mark.parametrize(
    ("changes", "parameter"),
    [
        ({"start": "2024-02-30"}, "start"),
        ({"end": "31-12-2024"}, "end"),
        ({"start": "2025-01-02", "end": "2025-01-01"}, "end"),
        ({"start": "1999-12-31"}, "start"),
        ({"end": "2100-01-01"}, "end"),
        ({"start": "2014-12-31"}, "start"),
        ({"day_count": "act_360"}, "day_count"),
        ({"country": "FR"}, "debtor_kind"),
        ({"principal": "0.00"}, "principal"),
    ],
)
def test_interest_bad_parameter(alfa_api, changes, parameter):
    error = assert_error(alfa_api.get(INTEREST, {**INTEREST_QUERY, **changes}), 400, parameter)

    assert error["code"] == "invalid"


@pytest.mark.parametrize("path", [COSTS, INTEREST])
def test_calculators_need_api_key(db, path):
    assert_error(APIClient().get(path, INTEREST_QUERY), 401)


def test_schema_lists_calculators(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    paths = response.json()["paths"]
    costs = paths[COSTS]["get"]
    interest = paths[INTEREST]["get"]
    assert {parameter["name"] for parameter in costs["parameters"]} == {
        "country",
        "debtor_kind",
        "principal",
        "currency",
        "vat_not_deductible",
    }
    assert {parameter["name"] for parameter in interest["parameters"]} == {
        "country",
        "debtor_kind",
        "principal",
        "start",
        "end",
        "day_count",
    }
    assert set(costs["responses"]) >= {"200", "400"}
    assert COSTS + "/" not in paths


def test_interest_on_huge_principal_names_it(alfa_api, statutory_rates):
    query = {"country": "NL", "debtor_kind": "consumer", "principal": "950000000000"}
    response = alfa_api.get("/api/v1/calculations/interest", {**query, "start": "2015-01-01", "end": "2026-01-01"})

    assert response.status_code == 400
    assert "principal" in response.json()["error"]["fields"]
