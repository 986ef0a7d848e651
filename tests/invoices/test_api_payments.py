"""JSON payment endpoints: register against an invoice, idempotency, list and detail."""

import datetime as dt
from decimal import Decimal

import pytest

from invoices.models import Invoice, Payment
from invoices.services import invoice_register
from payt.tenancy import tenant_context
from tests.api_support import assert_error, post_json, result_ids

PAYMENTS_URL = "/api/v1/payments/"


@pytest.fixture
def invoice(org_alfa, make_invoice):
    return make_invoice(org_alfa, number="INV-100", total="100.00")


def fetch_invoice(client, invoice) -> dict:
    return client.get(f"/api/v1/invoices/{invoice.pk}/").json()


def test_payment_by_invoice_id(alfa_api, invoice):
    response = post_json(
        alfa_api,
        PAYMENTS_URL,
        {"amount": "40.00", "date": "2025-09-10", "invoice": str(invoice.pk)},
    )
    assert response.status_code == 201
    payment = response.json()
    assert payment["amount"] == "40.00"
    assert payment["currency"] == "EUR"
    assert payment["date"] == "2025-09-10"
    assert payment["source"] == "api"
    assert payment["debtor"] == str(invoice.debtor_id)
    assert payment["allocations"] == [{"invoice": str(invoice.pk), "invoice_number": "INV-100", "amount": "40.00"}]
    assert payment["unallocated_amount"] == "0.00"

    after = fetch_invoice(alfa_api, invoice)
    assert after["open_amount"] == "60.00"
    assert after["status"] == "partially_paid"


def test_payment_by_invoice_number(alfa_api, invoice):
    response = post_json(
        alfa_api,
        PAYMENTS_URL,
        {"amount": "100.00", "date": "2025-09-10", "invoice_number": "INV-100"},
    )
    assert response.status_code == 201
    after = fetch_invoice(alfa_api, invoice)
    assert after["open_amount"] == "0.00"
    assert after["status"] == "paid"


def test_payment_by_reference_pays_oldest_first(alfa_api, org_alfa, make_invoice):
    older = make_invoice(org_alfa, number="R-1", total="50.00", due_date=dt.date(2025, 9, 1))
    newer = make_invoice(org_alfa, number="R-2", total="50.00", due_date=dt.date(2025, 10, 1), debtor=older.debtor)
    with tenant_context(org_alfa):
        Invoice.objects.filter(pk__in=[older.pk, newer.pk]).update(payment_reference="RF71 2345")

    response = post_json(
        alfa_api,
        PAYMENTS_URL,
        {"amount": "70.00", "date": "2025-09-10", "payment_reference": "RF71 2345"},
    )

    assert response.status_code == 201
    assert [row["invoice_number"] for row in response.json()["allocations"]] == ["R-1", "R-2"]
    assert fetch_invoice(alfa_api, older)["open_amount"] == "0.00"
    assert fetch_invoice(alfa_api, newer)["open_amount"] == "30.00"


def test_overpayment_stays_unallocated(alfa_api, invoice):
    response = post_json(
        alfa_api,
        PAYMENTS_URL,
        {"amount": "130.00", "date": "2025-09-10", "invoice": str(invoice.pk)},
    )
    assert response.json()["unallocated_amount"] == "30.00"
    assert fetch_invoice(alfa_api, invoice)["open_amount"] == "0.00"


def test_external_id_makes_it_idempotent(alfa_api, org_alfa, invoice):
    payload = {
        "amount": "40.00",
        "date": "2025-09-10",
        "invoice": str(invoice.pk),
        "external_id": "bank-1",
    }
    first = post_json(alfa_api, PAYMENTS_URL, payload)
    again = post_json(alfa_api, PAYMENTS_URL, payload)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert fetch_invoice(alfa_api, invoice)["open_amount"] == "60.00"


def test_external_id_with_other_amount_is_409(alfa_api, invoice):
    payload = {
        "amount": "40.00",
        "date": "2025-09-10",
        "invoice": str(invoice.pk),
        "external_id": "bank-1",
    }
    post_json(alfa_api, PAYMENTS_URL, payload)
    response = post_json(alfa_api, PAYMENTS_URL, {**payload, "amount": "45.00"})
    assert "bank-1" in assert_error(response, 409, "external_id")["message"]
    assert fetch_invoice(alfa_api, invoice)["open_amount"] == "60.00"


def test_currency_mismatch_is_400(alfa_api, org_alfa, invoice):
    with tenant_context(org_alfa):
        sek, _ = invoice_register(
            organization=org_alfa,
            debtor=invoice.debtor,
            number="SEK-1",
            issue_date=dt.date(2025, 9, 1),
            total_amount=Decimal("500.00"),
            currency="SEK",
        )
    response = post_json(alfa_api, PAYMENTS_URL, {"amount": "10.00", "date": "2025-09-10", "invoice": str(sek.pk)})
    assert "SEK" in assert_error(response, 400, "currency")["message"]

    ok = post_json(
        alfa_api,
        PAYMENTS_URL,
        {"amount": "10.00", "date": "2025-09-10", "invoice": str(sek.pk), "currency": "sek"},
    )
    assert ok.status_code == 201


def test_payment_to_credit_document_is_400(alfa_api, org_alfa, invoice):
    with tenant_context(org_alfa):
        invoice_register(
            organization=org_alfa,
            debtor=invoice.debtor,
            number="NEG-1",
            issue_date=dt.date(2025, 9, 1),
            total_amount=Decimal("-20.00"),
        )
    response = post_json(alfa_api, PAYMENTS_URL, {"amount": "10.00", "date": "2025-09-10", "invoice_number": "NEG-1"})
    assert_error(response, 400, "invoice_number")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"amount": "0.00"}, "amount"),
        ({"amount": "-5.00"}, "amount"),
        ({"amount": "10.005"}, "amount"),
        ({"amount": None}, "amount"),
        ({"date": "2025-13-01"}, "date"),
        ({"date": "1970-01-01"}, "date"),
        ({"currency": "ABC"}, "currency"),
        ({"invoice": "00000000-0000-0000-0000-000000000000"}, "invoice"),
        ({"invoice": "INV-100"}, "invoice"),
        ({"invoice": None, "invoice_number": "NOPE"}, "invoice_number"),
        ({"invoice": None, "payment_reference": "NOPE"}, "payment_reference"),
        ({"invoice_number": "INV-100"}, "invoice"),
        ({"invoice": None}, "invoice"),
    ],
    ids=lambda value: str(value)[:40] if isinstance(value, dict) else value,
)
def test_bad_payment_is_400(alfa_api, org_alfa, invoice, payload, field):
    body = {"amount": "10.00", "date": "2025-09-10", "invoice": str(invoice.pk), **payload}
    body = {key: value for key, value in body.items() if not (key == "invoice" and value is None)}
    assert_error(post_json(alfa_api, PAYMENTS_URL, body), 400, field)
    with tenant_context(org_alfa):
        assert not Payment.objects.exists()


def test_list_and_detail(alfa_api, invoice):
    created = post_json(
        alfa_api,
        PAYMENTS_URL,
        {"amount": "40.00", "date": "2025-09-10", "invoice": str(invoice.pk), "external_id": "b-9"},
    ).json()
    assert result_ids(alfa_api.get(PAYMENTS_URL)) == {created["id"]}
    assert result_ids(alfa_api.get(PAYMENTS_URL, {"invoice": str(invoice.pk)})) == {created["id"]}
    assert result_ids(alfa_api.get(PAYMENTS_URL, {"external_id": "b-9"})) == {created["id"]}
    assert result_ids(alfa_api.get(PAYMENTS_URL, {"external_id": "other"})) == set()

    detail = alfa_api.get(f"{PAYMENTS_URL}{created['id']}/")
    assert detail.status_code == 200
    assert detail.json() == created


def test_malformed_payment_id_is_404(alfa_api):
    assert_error(alfa_api.get(f"{PAYMENTS_URL}12345/"), 404, "id")


def test_list_query_count(alfa_api, org_alfa, make_invoice, django_assert_max_num_queries):
    for number in range(10):
        target = make_invoice(org_alfa, number=f"PQ-{number}")
        post_json(
            alfa_api,
            PAYMENTS_URL,
            {"amount": "5.00", "date": "2025-09-10", "invoice": str(target.pk)},
        )
    with django_assert_max_num_queries(11):
        response = alfa_api.get(PAYMENTS_URL)
    assert len(response.json()["results"]) == 10
