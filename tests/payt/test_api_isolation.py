"""Tenant isolation of the REST API: Bravo's key never reads or changes Alfa's rows."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import requests

from debtors.services import debtor_create
from invoices.models import Allocation, Invoice, Payment
from invoices.services import payment_register
from payt.services import api_key_create
from payt.tenancy import tenant_context
from tests.api_support import assert_error, peppol_file, post_json, post_ubl, result_ids


@pytest.fixture
def alfa_rows(org_alfa, make_invoice):
    """An Alfa debtor with an invoice (payment reference set) and a payment on another invoice."""
    invoice = make_invoice(
        org_alfa,
        number="ALFA-1",
        total="100.00",
        vat_number="NL823456789B01",
        external_id="alfa-debtor",
    )
    paid = make_invoice(org_alfa, number="ALFA-2", total="50.00", debtor=invoice.debtor)
    with tenant_context(org_alfa):
        Invoice.objects.filter(pk=invoice.pk).update(payment_reference="RF-ALFA-1", external_id="alfa-inv")
        payment, _ = payment_register(
            organization=org_alfa,
            amount=Decimal("50.00"),
            payment_date=paid.issue_date,
            invoice=paid,
            external_id="alfa-pay",
        )
    return {"debtor": invoice.debtor, "invoice": invoice, "payment": payment}


@pytest.mark.parametrize("path", ["/api/v1/debtors/", "/api/v1/invoices/", "/api/v1/payments/"])
def test_bravo_lists_none_of_alfa(bravo_api, alfa_rows, path):
    assert result_ids(bravo_api.get(path)) == set()


@pytest.mark.parametrize(
    ("path", "row"),
    [
        ("/api/v1/debtors/", "debtor"),
        ("/api/v1/invoices/", "invoice"),
        ("/api/v1/payments/", "payment"),
    ],
)
def test_bravo_fetch_is_404(bravo_api, alfa_api, alfa_rows, path, row):
    url = f"{path}{alfa_rows[row].pk}/"
    assert alfa_api.get(url).status_code == 200
    assert_error(bravo_api.get(url), 404, "id")


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/invoices/", {"number": "ALFA-1"}),
        ("/api/v1/invoices/", {"external_id": "alfa-inv"}),
        ("/api/v1/invoices/", {"status": "open"}),
        ("/api/v1/invoices/", {"debtor": "<debtor>"}),
        ("/api/v1/debtors/", {"external_id": "alfa-debtor"}),
        ("/api/v1/debtors/", {"name": "ALFA"}),
        ("/api/v1/payments/", {"external_id": "alfa-pay"}),
        ("/api/v1/payments/", {"invoice": "<invoice>"}),
    ],
)
def test_bravo_filters_find_nothing(bravo_api, alfa_rows, path, params):
    params = {
        key: str(alfa_rows[value.strip("<>")].pk) if value.startswith("<") else value for key, value in params.items()
    }
    assert result_ids(bravo_api.get(path, params)) == set()


def test_alfa_debtor_unknown_to_bravo(bravo_api, alfa_rows):
    payload = {"number": "B-1", "issue_date": "2025-09-01", "total_amount": "10.00"}
    foreign = alfa_rows["debtor"].pk
    missing = "00000000-0000-0000-0000-000000000000"

    foreign_error = assert_error(
        post_json(bravo_api, "/api/v1/invoices/", {**payload, "debtor": str(foreign)}),
        400,
        "debtor",
    )
    missing_error = assert_error(
        post_json(bravo_api, "/api/v1/invoices/", {**payload, "debtor": missing}), 400, "debtor"
    )

    assert "not found" in foreign_error["fields"]["debtor"][0]
    # Same wording for a foreign and a non-existent debtor, so the response reveals nothing.
    assert foreign_error["fields"]["debtor"][0].replace(str(foreign), "X") == missing_error["fields"]["debtor"][
        0
    ].replace(missing, "X")


@pytest.mark.parametrize(
    ("key", "value"),
    [("invoice", "<invoice>"), ("invoice_number", "ALFA-1"), ("payment_reference", "RF-ALFA-1")],
)
def test_bravo_cannot_pay_alfa_invoice(bravo_api, org_alfa, org_bravo, alfa_rows, key, value):
    value = str(alfa_rows["invoice"].pk) if value == "<invoice>" else value

    response = post_json(bravo_api, "/api/v1/payments/", {"amount": "100.00", "date": "2025-09-10", key: value})

    assert_error(response, 400, key)
    with tenant_context(org_alfa):
        invoice = Invoice.objects.get(pk=alfa_rows["invoice"].pk)
        assert invoice.open_amount == Decimal("100.00")
        assert invoice.settlement_status == "open"
        assert not Allocation.objects.filter(invoice=invoice).exists()
    with tenant_context(org_bravo):
        assert not Payment.objects.exists()


def test_bravo_ubl_import_is_separate(alfa_api, bravo_api, org_alfa, org_bravo):
    alfa_invoice = post_ubl(alfa_api, peppol_file("base-example.xml")).json()

    bravo = post_ubl(bravo_api, peppol_file("base-example.xml"))
    credit = post_ubl(bravo_api, peppol_file("base-creditnote-correction.xml"))

    assert bravo.status_code == 201
    assert credit.status_code == 201
    assert bravo.json()["id"] != alfa_invoice["id"]
    assert bravo.json()["debtor"] != alfa_invoice["debtor"]
    with tenant_context(org_alfa):
        untouched = Invoice.objects.get(pk=alfa_invoice["id"])
    assert untouched.open_amount == Decimal("1656.25")
    assert alfa_api.get(f"/api/v1/invoices/{alfa_invoice['id']}/").json()["status"] != "credited"


def test_bravo_debtor_match_ignores_alfa(bravo_api, org_alfa, org_bravo):
    with tenant_context(org_alfa):
        alfa_debtor = debtor_create(organization=org_alfa, name="Buyer Official Name", vat_number="SE4598375937")
    response = post_ubl(bravo_api, peppol_file("base-example.xml"))
    assert response.json()["debtor"] != str(alfa_debtor.pk)


# --- A queryset cached across requests must never leak one tenant's rows to another ---


def _api_key(organization) -> str:
    _, key = api_key_create(organization=organization, name="live")
    return key


@pytest.mark.django_db(transaction=True)
def test_concurrent_lists_stay_per_tenant(live_server, org_alfa, org_bravo, make_invoice):
    alfa_ids = {str(make_invoice(org_alfa, number=f"A-{n}").pk) for n in range(3)}
    bravo_ids = {str(make_invoice(org_bravo, number=f"B-{n}").pk) for n in range(2)}
    keys = {"alfa": _api_key(org_alfa), "bravo": _api_key(org_bravo)}
    expected = {"alfa": alfa_ids, "bravo": bravo_ids}
    url = f"{live_server.url}/api/v1/invoices/"
    in_flight = {"now": 0, "max": 0}
    lock = threading.Lock()

    def list_as(tenant: str) -> tuple[str, set[str]]:
        with lock:
            in_flight["now"] += 1
            in_flight["max"] = max(in_flight["max"], in_flight["now"])
        try:
            response = requests.get(url, headers={"Authorization": f"Bearer {keys[tenant]}"}, timeout=30)
        finally:
            with lock:
                in_flight["now"] -= 1
        assert response.status_code == 200, response.text[:300]
        return tenant, {row["id"] for row in response.json()["results"]}

    for tenant in ("alfa", "bravo", "alfa"):
        assert list_as(tenant) == (tenant, expected[tenant])

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(list_as, ["alfa", "bravo"] * 25))

    assert len(results) == 50
    for tenant, ids in results:
        assert ids == expected[tenant], tenant
    # The run must really overlap requests, or it would prove nothing about threads.
    assert in_flight["max"] >= 2
    assert time.monotonic() - started < 60
