"""JSON debtor endpoints: create, list with filters, detail."""

import pytest

from debtors.models import Debtor
from debtors.services import debtor_create
from payt.tenancy import tenant_context
from tests.api_support import assert_error, post_json, result_ids

DEBTORS_URL = "/api/v1/debtors/"


def test_create_with_name_only(alfa_api):
    response = post_json(alfa_api, DEBTORS_URL, {"name": "Koper BV"})
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Koper BV"
    assert body["kind"] == "company"
    assert body["email"] == ""
    assert body["language"] in {"nl", "en", "fr", "de"}
    assert body["id"]


def test_create_with_all_fields(alfa_api, org_alfa):
    payload = {
        "kind": "consumer",
        "name": "J. de Vries",
        "email": "jdevries@example.com",
        "phone": "+31 6 12345678",
        "address_line": "Kerkstraat 1",
        "postal_code": "3511 AA",
        "city": "Utrecht",
        "country": "be",
        "kvk_number": "12345678",
        "vat_number": "BE0123456749",
        "external_id": "cust-42",
    }
    response = post_json(alfa_api, DEBTORS_URL, payload)
    assert response.status_code == 201
    body = response.json()
    assert body["country"] == "BE"
    assert body["language"] == "nl"
    with tenant_context(org_alfa):
        stored = Debtor.objects.get(pk=body["id"])
    assert stored.external_id == "cust-42"
    assert stored.kind == "consumer"


def test_create_reads_charset(alfa_api):
    body = '{"name": "Kóper BV"}'.encode("utf-16")
    response = alfa_api.generic("POST", DEBTORS_URL, body, content_type="application/json; charset=utf-16")
    assert response.status_code == 201
    assert response.json()["name"] == "Kóper BV"


def test_language_follows_country(alfa_api):
    assert post_json(alfa_api, DEBTORS_URL, {"name": "Client SA", "country": "FR"}).json()["language"] == "fr"
    assert (
        post_json(alfa_api, DEBTORS_URL, {"name": "Kunde GmbH", "country": "DE", "language": "en"}).json()["language"]
        == "en"
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"name": "N" * 201}, "name"),
        ({"name": "Koper", "email": "not-an-address"}, "email"),
        ({"name": "Koper", "country": "Netherlands"}, "country"),
        ({"name": "Koper", "country": "1A"}, "country"),
        ({"name": "Koper", "language": "es"}, "language"),
        ({"name": "Koper", "kind": "alien"}, "kind"),
        ({"name": "Koper", "vat_number": "V" * 21}, "vat_number"),
        ({"name": "Koper", "external_id": ["a"]}, "external_id"),
    ],
    ids=lambda value: str(value)[:40] if isinstance(value, dict) else value,
)
def test_create_rejects_bad_field(alfa_api, org_alfa, payload, field):
    assert_error(post_json(alfa_api, DEBTORS_URL, payload), 400, field)
    with tenant_context(org_alfa):
        assert not Debtor.objects.exists()


def test_duplicate_external_id_rejected(alfa_api):
    post_json(alfa_api, DEBTORS_URL, {"name": "Koper BV", "external_id": "cust-1"})
    response = post_json(alfa_api, DEBTORS_URL, {"name": "Koper Twee BV", "external_id": "cust-1"})
    assert "cust-1" in assert_error(response, 400, "external_id")["message"]


@pytest.fixture
def debtors(org_alfa):
    with tenant_context(org_alfa):
        return {
            "koper": debtor_create(organization=org_alfa, name="Koper BV", email="AP@Koper.example", external_id="c-1"),
            "kopergroep": debtor_create(organization=org_alfa, name="De Kopergroep", external_id="c-2"),
            "tulp": debtor_create(organization=org_alfa, name="Tulpwerk BV", email="info@tulp.example"),
        }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"koper", "kopergroep", "tulp"}),
        ({"name": "koper"}, {"koper", "kopergroep"}),
        ({"name": "%"}, set()),
        ({"external_id": "c-2"}, {"kopergroep"}),
        ({"email": "ap@koper.example"}, {"koper"}),
        ({"email": "nobody@example.com"}, set()),
    ],
)
def test_list_filters(alfa_api, debtors, params, expected):
    assert result_ids(alfa_api.get(DEBTORS_URL, params)) == {str(debtors[key].pk) for key in expected}


def test_detail(alfa_api, debtors):
    response = alfa_api.get(f"{DEBTORS_URL}{debtors['tulp'].pk}/")
    assert response.status_code == 200
    assert response.json()["name"] == "Tulpwerk BV"


@pytest.mark.parametrize("debtor_id", ["abc", "00000000-0000-0000-0000-000000000000", "%00"])
def test_unknown_or_malformed_id_is_404(alfa_api, debtor_id):
    assert_error(alfa_api.get(f"{DEBTORS_URL}{debtor_id}/"), 404, "id")


def test_list_paginates(alfa_api, debtors):
    page = alfa_api.get(DEBTORS_URL, {"limit": 1}).json()
    assert page["count"] == 3
    assert len(page["results"]) == 1
    assert page["results"][0]["name"] == "De Kopergroep"


def test_bad_kind_lists_valid_values(alfa_api):
    response = post_json(alfa_api, DEBTORS_URL, {"name": "Koper", "kind": "person"})

    error = assert_error(response, 400, "kind")
    assert error["fields"]["kind"] == [
        '"person" is not a debtor kind; send company or consumer (business is accepted as company).'
    ]


def test_kind_business_stored_as_company(alfa_api, org_alfa):
    response = post_json(alfa_api, DEBTORS_URL, {"name": "Koper BV", "kind": "business"})

    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "company"
    with tenant_context(org_alfa):
        assert Debtor.objects.get(pk=response.json()["id"]).kind == "company"
