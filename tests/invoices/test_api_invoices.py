"""JSON invoice endpoints: create, list with filters, detail, portal links and query counts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from debtors.services import debtor_create
from invoices.models import DocumentKind, Invoice
from invoices.services import invoice_register, payment_register
from payt.dates import local_today
from payt.services import api_key_create, api_key_revoke
from payt.tenancy import tenant_context
from portal.models import PortalLink
from portal.services import portal_url_for_invoice
from tests.api_support import assert_error, post_json, result_ids

INVOICES_URL = "/api/v1/invoices/"


@pytest.fixture
def debtor(org_alfa):
    with tenant_context(org_alfa):
        return debtor_create(organization=org_alfa, name="Koper BV", email="ap@koper.example", country="NL")


def invoice_payload(debtor, /, **overrides) -> dict:
    payload = {
        "number": "INV-2025-001",
        "debtor": str(debtor.pk),
        "issue_date": "2025-09-01",
        "due_date": "2025-10-01",
        "currency": "EUR",
        "total_amount": "121.00",
        "vat_amount": "21.00",
        "payment_reference": "RF18539007547034",
        "external_id": "acc-1",
    }
    payload.update(overrides)
    return payload


def test_create_returns_invoice(alfa_api, debtor):
    response = post_json(alfa_api, INVOICES_URL, invoice_payload(debtor))
    assert response.status_code == 201
    body = response.json()
    assert body["number"] == "INV-2025-001"
    assert body["kind"] == "invoice"
    assert body["debtor"] == str(debtor.pk)
    assert body["total_amount"] == "121.00"
    assert body["vat_amount"] == "21.00"
    assert body["open_amount"] == "121.00"
    assert body["due_date"] == "2025-10-01"
    assert body["due_date_derived"] is False
    assert body["external_id"] == "acc-1"
    assert body["payment_reference"] == "RF18539007547034"
    assert body["source_format"] == "json"
    assert body["portal_url"].startswith("http")
    assert set(body) >= {"id", "status", "days_past_due", "created_at", "currency"}


def test_create_derives_due_date(alfa_api, debtor):
    response = post_json(alfa_api, INVOICES_URL, invoice_payload(debtor, due_date=None))
    assert response.json()["due_date"] == "2025-10-01"
    assert response.json()["due_date_derived"] is True


def test_create_normalises_currency(alfa_api, debtor):
    response = post_json(alfa_api, INVOICES_URL, invoice_payload(debtor, currency="sek"))
    assert response.json()["currency"] == "SEK"


def test_create_accepts_json_numbers(alfa_api, debtor):
    response = post_json(alfa_api, INVOICES_URL, invoice_payload(debtor, total_amount=1656.25, vat_amount=0))
    assert response.status_code == 201
    assert response.json()["total_amount"] == "1656.25"


def test_same_request_twice_returns_existing(alfa_api, debtor):
    first = post_json(alfa_api, INVOICES_URL, invoice_payload(debtor))
    again = post_json(alfa_api, INVOICES_URL, invoice_payload(debtor, total_amount="121"))
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]


def test_other_content_same_number_is_409(alfa_api, debtor):
    post_json(alfa_api, INVOICES_URL, invoice_payload(debtor))
    response = post_json(alfa_api, INVOICES_URL, invoice_payload(debtor, total_amount="99.00", external_id="acc-2"))
    error = assert_error(response, 409, "number")
    assert "INV-2025-001" in error["message"]


def test_credit_note_allocates_to_preceding(alfa_api, debtor):
    invoice = post_json(alfa_api, INVOICES_URL, invoice_payload(debtor)).json()
    credit = post_json(
        alfa_api,
        INVOICES_URL,
        invoice_payload(
            debtor,
            number="CN-1",
            kind="credit_note",
            preceding_number="INV-2025-001",
            external_id="acc-cn",
        ),
    )
    assert credit.status_code == 201
    assert credit.json()["open_amount"] == "0.00"
    after = alfa_api.get(f"{INVOICES_URL}{invoice['id']}/").json()
    assert after["open_amount"] == "0.00"
    assert after["status"] == "credited"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"total_amount": "10.005"}, "total_amount"),
        ({"total_amount": 10.005}, "total_amount"),
        ({"total_amount": "-5.00"}, "total_amount"),
        ({"total_amount": "abc"}, "total_amount"),
        ({"total_amount": "1e20"}, "total_amount"),
        ({"vat_amount": "-1.00"}, "vat_amount"),
        ({"vat_amount": "200.00"}, "vat_amount"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "EURO"}, "currency"),
        ({"issue_date": "2025-02-30"}, "issue_date"),
        ({"issue_date": "01-09-2025"}, "issue_date"),
        ({"issue_date": "9999-12-31", "due_date": None}, "issue_date"),
        ({"due_date": "2025-08-01"}, "due_date"),
        ({"debtor": "00000000-0000-0000-0000-000000000000"}, "debtor"),
        ({"debtor": "not-a-uuid"}, "debtor"),
        ({"kind": "receipt"}, "kind"),
        ({"number": ""}, "number"),
        ({"number": "N" * 101}, "number"),
        ({"payment_reference": "R" * 41}, "payment_reference"),
    ],
    ids=lambda value: str(value)[:40] if isinstance(value, dict) else value,
)
def test_create_rejects_bad_field(alfa_api, org_alfa, debtor, overrides, field):
    response = post_json(alfa_api, INVOICES_URL, invoice_payload(debtor, **overrides))
    assert_error(response, 400, field)
    with tenant_context(org_alfa):
        assert not Invoice.objects.exists()


def test_unknown_debtor_message(alfa_api, debtor):
    missing = "00000000-0000-0000-0000-000000000000"
    error = assert_error(post_json(alfa_api, INVOICES_URL, invoice_payload(debtor, debtor=missing)), 400, "debtor")
    assert error["fields"]["debtor"][0].startswith(f"Debtor {missing} not found")


def test_missing_required_fields(alfa_api):
    error = assert_error(post_json(alfa_api, INVOICES_URL, {}), 400)
    assert set(error["fields"]) == {"number", "debtor", "issue_date", "total_amount"}


# --- List and filters -------------------------------------------------------------------


@pytest.fixture
def statuses(org_alfa, make_invoice):
    """One Alfa invoice in each status, keyed by status, on today's local date."""
    today = local_today(org_alfa)
    made = {
        "open": make_invoice(org_alfa, number="S-OPEN", issue_date=today, due_date=today + dt.timedelta(days=10)),
        "overdue": make_invoice(
            org_alfa,
            number="S-OVERDUE",
            issue_date=today - dt.timedelta(days=40),
            due_date=today - dt.timedelta(days=10),
        ),
        "partially_paid": make_invoice(org_alfa, number="S-PART", issue_date=today, due_date=today),
        "paid": make_invoice(org_alfa, number="S-PAID", issue_date=today, due_date=today),
        "credited": make_invoice(org_alfa, number="S-CREDITED", issue_date=today, due_date=today),
        "disputed": make_invoice(org_alfa, number="S-DISPUTED", issue_date=today, due_date=today),
    }
    with tenant_context(org_alfa):
        payment_register(
            organization=org_alfa,
            amount=Decimal("40.00"),
            payment_date=today,
            invoice=made["partially_paid"],
        )
        payment_register(
            organization=org_alfa,
            amount=Decimal("100.00"),
            payment_date=today,
            invoice=made["paid"],
        )
        Invoice.objects.filter(pk=made["disputed"].pk).update(disputed_at=timezone.now())
        made["credit_note"], _ = invoice_register(
            organization=org_alfa,
            debtor=made["credited"].debtor,
            number="S-CN",
            kind=DocumentKind.CREDIT_NOTE,
            issue_date=today,
            total_amount=Decimal("100.00"),
            preceding_number="S-CREDITED",
        )
    return made


@pytest.mark.parametrize("status", ["open", "overdue", "partially_paid", "paid", "credited", "disputed"])
def test_filter_by_status(alfa_api, statuses, status):
    response = alfa_api.get(INVOICES_URL, {"status": status})
    assert result_ids(response) == {str(statuses[status].pk)}
    assert response.json()["results"][0]["status"] == status


def test_overdue_days_past_due(alfa_api, statuses):
    row = alfa_api.get(f"{INVOICES_URL}{statuses['overdue'].pk}/").json()
    assert row["days_past_due"] == 10
    assert alfa_api.get(f"{INVOICES_URL}{statuses['open'].pk}/").json()["days_past_due"] == 0


def test_filter_by_number_and_debtor(alfa_api, statuses):
    assert result_ids(alfa_api.get(INVOICES_URL, {"number": "S-PAID"})) == {str(statuses["paid"].pk)}
    debtor_id = statuses["credited"].debtor_id
    expected = {str(statuses["credited"].pk), str(statuses["credit_note"].pk)}
    assert result_ids(alfa_api.get(INVOICES_URL, {"debtor": str(debtor_id)})) == expected


def test_filter_by_due_range(alfa_api, org_alfa, statuses):
    today = local_today(org_alfa)
    before = alfa_api.get(INVOICES_URL, {"due_before": (today - dt.timedelta(days=1)).isoformat()})
    assert result_ids(before) == {str(statuses["overdue"].pk)}
    after = alfa_api.get(INVOICES_URL, {"due_after": (today + dt.timedelta(days=1)).isoformat()})
    assert str(statuses["open"].pk) in result_ids(after)
    assert str(statuses["overdue"].pk) not in result_ids(after)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"debtor": "nope"}, "debtor"),
        ({"due_before": "2025-13-01"}, "due_before"),
    ],
)
def test_bad_filter_is_400(alfa_api, params, field):
    assert_error(alfa_api.get(INVOICES_URL, params), 400, field)


def test_list_paginates(alfa_api, org_alfa, make_invoice):
    for number in range(5):
        make_invoice(org_alfa, number=f"P-{number}")
    page = alfa_api.get(INVOICES_URL, {"limit": 2, "offset": 2}).json()
    assert page["count"] == 5
    assert len(page["results"]) == 2
    assert page["next"] and page["previous"]


@pytest.mark.parametrize("invoice_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "1' OR '1'='1"])
def test_unknown_or_malformed_id_is_404(alfa_api, invoice_id):
    assert_error(alfa_api.get(f"{INVOICES_URL}{invoice_id}/"), 404, "id")


def test_list_requires_api_key(client):
    assert_error(client.get(INVOICES_URL), 401, "Authorization")


def test_unknown_api_path_is_json_404(alfa_api):
    assert_error(alfa_api.get("/api/v1/no-such-endpoint/"), 404, "path")


def test_missing_trailing_slash_is_explained(alfa_api, debtor):
    response = alfa_api.post("/api/v1/invoices", invoice_payload(debtor), format="json")
    assert "/api/v1/invoices/" in assert_error(response, 404, "path")["message"]


def test_delete_and_put_are_405(alfa_api, org_alfa, make_invoice):
    invoice = make_invoice(org_alfa, number="D-1")
    assert_error(alfa_api.delete(f"{INVOICES_URL}{invoice.pk}/"), 405, "method")
    assert_error(alfa_api.generic("PUT", f"{INVOICES_URL}{invoice.pk}/", b"x", content_type=""), 405)


def test_revoked_key_rejected(alfa_api, org_alfa):
    api_key_revoke(organization=org_alfa, name="tests")
    assert_error(alfa_api.get(INVOICES_URL), 401)


def test_lowercase_bearer_scheme_accepted(org_alfa):
    _, key = api_key_create(organization=org_alfa, name="lowercase")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"bearer {key}")
    assert client.get(INVOICES_URL).status_code == 200


# --- Portal links and query counts -------------------------------------------------------


def test_list_portal_url_matches_service(alfa_api, org_alfa, make_invoice):
    invoice = make_invoice(org_alfa, number="PL-1")
    row = alfa_api.get(INVOICES_URL).json()["results"][0]
    with tenant_context(org_alfa):
        assert row["portal_url"] == portal_url_for_invoice(Invoice.objects.get(pk=invoice.pk))
        assert PortalLink.objects.count() == 1


def test_detail_portal_url_matches_list(alfa_api, org_alfa, make_invoice):
    invoice = make_invoice(org_alfa, number="PL-2")
    detail = alfa_api.get(f"{INVOICES_URL}{invoice.pk}/").json()
    listed = alfa_api.get(INVOICES_URL).json()["results"][0]
    assert detail["portal_url"] == listed["portal_url"]


def test_list_of_20_query_count(alfa_api, org_alfa, make_invoice, django_assert_max_num_queries):
    for number in range(20):
        make_invoice(org_alfa, number=f"Q-{number:02}")

    # First request: portal links for 20 debtors are created in one insert. The invoice lines
    # of the whole page come in one prefetch query.
    with django_assert_max_num_queries(13):
        first = alfa_api.get(INVOICES_URL)
    with django_assert_max_num_queries(12):
        second = alfa_api.get(INVOICES_URL)

    assert len(first.json()["results"]) == 20
    assert first.json()["results"] == second.json()["results"]
    with tenant_context(org_alfa):
        assert PortalLink.objects.count() == 20
