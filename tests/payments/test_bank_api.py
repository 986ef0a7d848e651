"""REST API of bank statements: upload, list, decide, and isolation between organisations."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from debtors.models import Debtor
from invoices.models import Payment
from invoices.services import payment_register
from payments.models import BankEntryStatus, BankStatement, BankStatementEntry
from payt.tenancy import tenant_context
from tests.payments.bank_support import fixture_bytes, import_fixture, refreshed, seed_invoice

pytestmark = pytest.mark.django_db

URL = "/api/v1/bank-statements/"


def upload(client, name: str):
    return client.post(URL, {"file": SimpleUploadedFile(name, fixture_bytes(name))}, format="multipart")


def waiting_credit(organization):
    """Import the CAMT.053 sample with an invoice that fits the credit only by name: it waits."""
    invoice = seed_invoice(organization, number="2013-0917", total="1405.31", debtor_name="3rd Party Media")
    result = import_fixture(organization, "test-camt053.xml")
    with tenant_context(organization):
        entry = BankStatementEntry.objects.get(statement=result.statement, position="3")
    assert entry.status == BankEntryStatus.REVIEW
    return entry, invoice


def test_upload_multipart(org_alfa, alfa_api):
    response = upload(alfa_api, "test-camt053.xml")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["duplicate"] is False
    assert body["file_format"] == "camt.053"
    assert body["file_name"] == "test-camt053.xml"
    assert body["message_id"] == "TESTBANK/NL/1420561226673"
    assert body["entry_count"] == 4
    assert body["counts"]["ignored"] == 1
    assert body["counts"]["review"] == 3
    assert body["rejected_entries"] == []


def test_upload_twice_says_duplicate(org_alfa, alfa_api):
    first = upload(alfa_api, "test-camt054.xml")

    second = upload(alfa_api, "test-camt054.xml")

    assert second.status_code == 200
    body = second.json()
    assert body["duplicate"] is True
    assert body["id"] == first.json()["id"]
    assert "already imported" in body["message"]
    assert "nothing was changed" in body["message"]


def test_same_message_id_other_content_is_409(org_alfa, alfa_api):
    original = fixture_bytes("test-camt054.xml")
    corrected = original.replace(b">5.00</Amt>", b">5.50</Amt>")
    assert corrected != original
    first = upload(alfa_api, "test-camt054.xml")

    second = alfa_api.post(
        URL, {"file": SimpleUploadedFile("corrected.xml", corrected)}, format="multipart"
    )

    assert second.status_code == 409, second.content
    error = second.json()["error"]
    assert error["code"] == "conflict"
    assert "file" in error["fields"]
    message = error["message"]
    assert first.json()["message_id"] in message
    assert "test-camt054.xml" in message
    assert first.json()["created_at"][:10] in message
    assert "new message id" in message
    assert "already imported" in message
    with tenant_context(org_alfa):
        assert BankStatement.objects.count() == 1


def test_same_message_id_other_account_is_imported(org_alfa, alfa_api):
    original = fixture_bytes("test-camt054.xml")
    other_account = original.replace(b"NL77ABNA0574908765", b"NL91ABNA0417164300").replace(
        b">5.00</Amt>", b">7.00</Amt>"
    )
    first = upload(alfa_api, "test-camt054.xml")

    second = alfa_api.post(URL, {"file": SimpleUploadedFile("other.xml", other_account)}, format="multipart")

    assert second.status_code == 201, second.content
    assert second.json()["message_id"] == first.json()["message_id"]
    assert second.json()["account_iban"] == "NL91ABNA0417164300"
    assert second.json()["duplicate"] is False
    with tenant_context(org_alfa):
        assert BankStatement.objects.count() == 2


def test_account_written_with_spaces_is_same_account(org_alfa, alfa_api):
    upload(alfa_api, "test-camt054.xml")
    spaced = fixture_bytes("test-camt054.xml").replace(b"NL77ABNA0574908765", b"nl77 abna 0574 9087 65")
    changed = spaced.replace(b">5.00</Amt>", b">7.00</Amt>")

    response = alfa_api.post(URL, {"file": SimpleUploadedFile("spaced.xml", changed)}, format="multipart")

    assert response.status_code == 409, response.content
    with tenant_context(org_alfa):
        assert list(BankStatement.objects.values_list("account_iban", flat=True)) == ["NL77ABNA0574908765"]


def test_same_account_message_id_changed_is_409(org_alfa, alfa_api):
    upload(alfa_api, "test-camt054.xml")
    other_account = fixture_bytes("test-camt054.xml").replace(b"NL77ABNA0574908765", b"NL91ABNA0417164300")
    alfa_api.post(URL, {"file": SimpleUploadedFile("other.xml", other_account)}, format="multipart")
    changed = other_account.replace(b">5.00</Amt>", b">7.00</Amt>")

    response = alfa_api.post(URL, {"file": SimpleUploadedFile("changed.xml", changed)}, format="multipart")

    assert response.status_code == 409, response.content
    assert "from file other.xml" in response.json()["error"]["message"]
    with tenant_context(org_alfa):
        assert BankStatement.objects.count() == 2


def test_import_message_singular_and_utc(org_alfa, alfa_api):
    first = upload(alfa_api, "test-camt054.xml")

    second = upload(alfa_api, "test-camt054.xml")

    assert first.json()["message"] == (
        "Imported 1 entry. Applied: 0, waiting for review: 1, reversals applied: 0, rejected: 0."
    )
    created_at = dt.datetime.fromisoformat(first.json()["created_at"]).astimezone(dt.UTC)
    utc_minute = f"{created_at:%Y-%m-%d %H:%M} UTC"
    assert second.json()["message"].startswith(f"This file was already imported on {utc_minute} ")


def test_upload_raw_mt940_body(org_alfa, alfa_api):
    response = alfa_api.post(URL, fixture_bytes("mt940-sample.sta"), content_type="text/plain")

    assert response.status_code == 201, response.content
    assert response.json()["file_format"] == "mt940"
    assert response.json()["entry_count"] == 4


def test_upload_bad_file(org_alfa, alfa_api):
    response = alfa_api.post(
        URL, {"file": SimpleUploadedFile("x.csv", b"date;amount\n")}, format="multipart"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "unknown_format"
    assert "file" in error["fields"]


def test_upload_without_file(org_alfa, alfa_api):
    response = alfa_api.post(URL, {"other": "x"}, format="multipart")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "missing_file"


def test_upload_too_large(org_alfa, alfa_api):
    big = b"<Document>" + b" " * (5 * 1024 * 1024) + b"</Document>"

    response = alfa_api.post(URL, big, content_type="application/xml")

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_list_entries_waiting(org_alfa, alfa_api):
    entry, invoice = waiting_credit(org_alfa)

    response = alfa_api.get("/api/v1/bank-entries/?status=review")

    assert response.status_code == 200
    results = response.json()["results"]
    assert {row["position"] for row in results} == {"2.1", "2.2", "3"}
    credit = next(row for row in results if row["position"] == "3")
    assert credit["amount"] == "1405.31"
    assert credit["counterparty_iban"] == "NL69ABNA0522123643"
    assert credit["match_method"] == "payer_name"
    assert credit["match_confidence"] == 75
    assert credit["suggestions"] == [
        {"invoice": str(invoice.pk), "invoice_number": "2013-0917", "amount": "1405.31"}
    ]


def test_list_entries_unknown_status(org_alfa, alfa_api):
    response = alfa_api.get("/api/v1/bank-entries/?status=lost")

    assert response.status_code == 400
    assert "status" in response.json()["error"]["fields"]


def test_confirm_split_over_two_invoices(org_alfa, alfa_api):
    entry, invoice = waiting_credit(org_alfa)
    other = seed_invoice(org_alfa, number="2013-0918", total="500.00", debtor_name="3rd Party Media")
    body = {
        "allocations": [
            {"invoice": str(invoice.pk), "amount": "1000.00"},
            {"invoice": str(other.pk), "amount": "405.31"},
        ]
    }

    response = alfa_api.post(f"/api/v1/bank-entries/{entry.pk}/confirm/", body, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "confirmed"
    assert response.json()["match_method"] == "manual"
    assert refreshed(org_alfa, invoice).open_amount == Decimal("405.31")
    assert refreshed(org_alfa, other).open_amount == Decimal("94.69")
    with tenant_context(org_alfa):
        payment = Payment.objects.get(pk=response.json()["payment"])
        assert payment.amount == Decimal("1405.31")
        assert payment.debtor_id == invoice.debtor_id
        # The payer's account is remembered for the next payment.
        assert Debtor.objects.get(pk=invoice.debtor_id).iban == "NL69ABNA0522123643"


def test_confirm_twice_conflicts(org_alfa, alfa_api):
    entry, invoice = waiting_credit(org_alfa)
    body = {"allocations": [{"invoice": str(invoice.pk), "amount": "1405.31"}]}
    alfa_api.post(f"/api/v1/bank-entries/{entry.pk}/confirm/", body, format="json")

    response = alfa_api.post(f"/api/v1/bank-entries/{entry.pk}/confirm/", body, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_decided"
    assert refreshed(org_alfa, invoice).open_amount == Decimal("0.00")


def test_confirm_more_than_received(org_alfa, alfa_api):
    entry, invoice = waiting_credit(org_alfa)
    other = seed_invoice(org_alfa, number="2013-0918", total="500.00", debtor_name="3rd Party Media")
    body = {
        "allocations": [
            {"invoice": str(invoice.pk), "amount": "1405.31"},
            {"invoice": str(other.pk), "amount": "0.01"},
        ]
    }

    response = alfa_api.post(f"/api/v1/bank-entries/{entry.pk}/confirm/", body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "over_allocation"
    assert "1405.32" in response.json()["error"]["message"]
    assert refreshed(org_alfa, invoice).open_amount == Decimal("1405.31")


def test_reverse_picked_payment(org_alfa, alfa_api):
    collected = seed_invoice(org_alfa, number="2014000410", total="564.05", debtor_name="Test Customer")
    with tenant_context(org_alfa):
        payment, _ = payment_register(
            organization=org_alfa, amount=Decimal("564.05"), payment_date=collected.issue_date, invoice=collected
        )
    result = import_fixture(org_alfa, "test-camt053.xml")
    with tenant_context(org_alfa):
        entry = BankStatementEntry.objects.get(statement=result.statement, position="2.1")

    response = alfa_api.post(f"/api/v1/bank-entries/{entry.pk}/reverse/", {"payment": str(payment.pk)}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "reversed"
    assert refreshed(org_alfa, collected).open_amount == Decimal("564.05")


def test_dismiss_without_body(org_alfa, alfa_api):
    entry, _invoice = waiting_credit(org_alfa)

    response = alfa_api.post(f"/api/v1/bank-entries/{entry.pk}/dismiss/")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "ignored"
    assert response.json()["note"] == "dismissed"


def test_other_organization_sees_and_decides_nothing(org_alfa, org_bravo, alfa_api, bravo_api):
    entry, invoice = waiting_credit(org_alfa)
    statement_id = entry.statement_id
    body = {"allocations": [{"invoice": str(invoice.pk), "amount": "1405.31"}]}

    assert bravo_api.get(URL).json()["results"] == []
    assert bravo_api.get("/api/v1/bank-entries/").json()["results"] == []
    assert bravo_api.get(f"{URL}{statement_id}/").status_code == 404
    assert bravo_api.get(f"/api/v1/bank-entries/{entry.pk}/").status_code == 404
    assert bravo_api.post(f"/api/v1/bank-entries/{entry.pk}/confirm/", body, format="json").status_code == 404
    assert bravo_api.post(f"/api/v1/bank-entries/{entry.pk}/dismiss/").status_code == 404

    with tenant_context(org_alfa):
        assert BankStatementEntry.objects.get(pk=entry.pk).status == BankEntryStatus.REVIEW
    assert refreshed(org_alfa, invoice).open_amount == Decimal("1405.31")


def test_other_organization_cannot_allocate_to_our_invoice(org_alfa, org_bravo, bravo_api):
    _entry, alfa_invoice = waiting_credit(org_alfa)
    bravo_entry, _bravo_invoice = waiting_credit(org_bravo)
    body = {"allocations": [{"invoice": str(alfa_invoice.pk), "amount": "1405.31"}]}

    response = bravo_api.post(f"/api/v1/bank-entries/{bravo_entry.pk}/confirm/", body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "not_found"
    assert refreshed(org_alfa, alfa_invoice).open_amount == Decimal("1405.31")


def test_same_file_imported_per_organization(org_alfa, org_bravo, alfa_api, bravo_api):
    assert upload(alfa_api, "test-camt053.xml").status_code == 201
    assert upload(bravo_api, "test-camt053.xml").status_code == 201

    with tenant_context(org_bravo):
        assert BankStatementEntry.objects.count() == 4


def test_schema_lists_bank_endpoints(db, tmp_path, client):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]

    assert "multipart/form-data" in paths["/api/v1/bank-statements/"]["post"]["requestBody"]["content"]
    assert "/api/v1/bank-entries/{id}/confirm/" in paths
