"""POST /api/v1/invoices/ubl: import of UBL documents, debtor matching and rejections."""

import pytest

from debtors.models import Debtor
from debtors.services import debtor_create
from invoices.models import Allocation, Invoice
from payt.tenancy import tenant_context
from tests.api_support import assert_error, peppol_file, post_ubl, ubl_buyer, ubl_invoice

UBL_URL = "/api/v1/invoices/ubl"


def fetch_invoice(client, invoice_id: str) -> dict:
    response = client.get(f"/api/v1/invoices/{invoice_id}/")
    assert response.status_code == 200
    return response.json()


def test_peppol_examples_in_order(alfa_api, org_alfa):
    base = post_ubl(alfa_api, peppol_file("base-example.xml"))
    assert base.status_code == 201
    invoice = base.json()
    assert invoice["number"] == "Snippet1"
    assert invoice["kind"] == "invoice"
    assert invoice["currency"] == "EUR"
    assert invoice["total_amount"] == "1656.25"
    assert invoice["vat_amount"] == "331.25"
    assert invoice["due_date"] == "2017-12-01"
    assert invoice["due_date_derived"] is False
    assert invoice["open_amount"] == "1656.25"
    assert invoice["source_format"] == "ubl"

    credit = post_ubl(alfa_api, peppol_file("base-creditnote-correction.xml"))
    assert credit.status_code == 201
    assert credit.json()["kind"] == "credit_note"
    assert credit.json()["number"] == "Snippet1"
    assert credit.json()["open_amount"] == "0.00"
    credited = fetch_invoice(alfa_api, invoice["id"])
    assert credited["open_amount"] == "0.00"
    assert credited["status"] == "credited"

    negative = post_ubl(alfa_api, peppol_file("base-negative-inv-correction.xml"))
    assert negative.status_code == 201
    assert negative.json()["number"] == "Correction1"
    assert negative.json()["total_amount"] == "-1656.25"
    # Snippet1 is fully credited already: the correction stays unallocated.
    assert negative.json()["open_amount"] == "-1656.25"
    assert fetch_invoice(alfa_api, invoice["id"])["open_amount"] == "0.00"
    with tenant_context(org_alfa):
        assert not Allocation.objects.filter(credit_document_id=negative.json()["id"]).exists()

    for name in ("Allowance-example.xml", "Vat-category-S.xml", "sales-order-example.xml"):
        conflict = post_ubl(alfa_api, peppol_file(name))
        error = assert_error(conflict, 409, "number")
        assert "Snippet1" in error["message"], name

    again = post_ubl(alfa_api, peppol_file("base-example.xml"))
    assert again.status_code == 200
    assert again.json()["id"] == invoice["id"]

    vat_o = post_ubl(alfa_api, peppol_file("vat-category-O.xml"))
    assert vat_o.status_code == 201
    assert (vat_o.json()["number"], vat_o.json()["currency"], vat_o.json()["total_amount"]) == (
        "Vat-O",
        "SEK",
        "3200.00",
    )
    assert vat_o.json()["due_date"] == "2018-09-29"
    assert vat_o.json()["due_date_derived"] is True

    vat_z = post_ubl(alfa_api, peppol_file("vat-category-Z.xml"))
    assert vat_z.status_code == 201
    assert (vat_z.json()["number"], vat_z.json()["currency"], vat_z.json()["total_amount"]) == (
        "Vat-Z",
        "GBP",
        "1200.00",
    )
    assert vat_z.json()["due_date"] == "2018-09-29"
    assert vat_z.json()["due_date_derived"] is True

    vat_e = post_ubl(alfa_api, peppol_file("vat-category-E.xml"))
    assert "Vat-Z" in assert_error(vat_e, 409, "number")["message"]

    with tenant_context(org_alfa):
        numbers = sorted(Invoice.objects.values_list("kind", "number"))
    assert numbers == [
        ("credit_note", "Snippet1"),
        ("invoice", "Correction1"),
        ("invoice", "Snippet1"),
        ("invoice", "Vat-O"),
        ("invoice", "Vat-Z"),
    ]


def test_ubl_stores_exact_bytes(alfa_api, org_alfa):
    content = peppol_file("base-example.xml")
    invoice_id = post_ubl(alfa_api, content).json()["id"]
    with tenant_context(org_alfa):
        stored = Invoice.objects.get(pk=invoice_id)
    assert bytes(stored.source_document) == content


def test_credit_note_before_its_invoice(alfa_api):
    credit = post_ubl(alfa_api, peppol_file("base-creditnote-correction.xml"))
    assert credit.status_code == 201
    assert credit.json()["open_amount"] == "-1656.25"
    assert credit.json()["preceding_number"] == "Snippet1"

    invoice = post_ubl(alfa_api, peppol_file("base-example.xml"))
    assert invoice.status_code == 201
    assert invoice.json()["open_amount"] == "0.00"
    assert invoice.json()["status"] == "credited"
    assert fetch_invoice(alfa_api, credit.json()["id"])["open_amount"] == "0.00"


def test_credit_note_spread_over_references(alfa_api, org_alfa, make_invoice):
    buyer = {"name": "Buyer Official Name", "vat_number": "SE4598375937"}
    first = make_invoice(org_alfa, number="REF-1", total="1000.00", **buyer)
    second = make_invoice(org_alfa, number="REF-2", total="1000.00", debtor=first.debtor)
    references = "".join(
        f"<cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>{number}</cbc:ID>"
        "</cac:InvoiceDocumentReference></cac:BillingReference>"
        for number in ("REF-1", "REF-2")
    )
    original = peppol_file("base-creditnote-correction.xml").decode()
    start = original.index("<cac:BillingReference>")
    end = original.index("</cac:BillingReference>") + len("</cac:BillingReference>")
    content = (original[:start] + references + original[end:]).encode()

    credit = post_ubl(alfa_api, content)

    assert credit.status_code == 201
    assert credit.json()["debtor"] == str(first.debtor_id)
    assert credit.json()["open_amount"] == "0.00"
    assert fetch_invoice(alfa_api, first.pk)["open_amount"] == "0.00"
    assert fetch_invoice(alfa_api, second.pk)["open_amount"] == "343.75"


def test_buyer_becomes_new_debtor(alfa_api, org_alfa):
    invoice = post_ubl(alfa_api, peppol_file("base-example.xml")).json()
    with tenant_context(org_alfa):
        debtor = Debtor.objects.get(pk=invoice["debtor"])
    assert debtor.name == "Buyer Official Name"
    assert debtor.vat_number == "SE4598375937"
    assert debtor.kvk_number == ""
    assert debtor.country == "SE"
    assert debtor.email == "lj@buyer.se"
    assert debtor.phone == "23434234"
    assert debtor.address_line == "Hovedgatan 32, Po box 878"
    assert debtor.postal_code == "456 34"
    assert debtor.city == "Stockholm"
    assert debtor.language == "en"


def test_kvk_stored_for_scheme_0106(alfa_api, org_alfa):
    buyer = ubl_buyer(company_id="12345678", company_scheme="0106", country="NL")
    invoice = post_ubl(alfa_api, ubl_invoice(buyer_xml=buyer)).json()
    with tenant_context(org_alfa):
        debtor = Debtor.objects.get(pk=invoice["debtor"])
    assert debtor.kvk_number == "12345678"
    assert debtor.language == "nl"


def test_second_document_reuses_debtor(alfa_api):
    first = post_ubl(alfa_api, peppol_file("base-example.xml")).json()
    second = post_ubl(alfa_api, peppol_file("base-creditnote-correction.xml")).json()
    assert second["debtor"] == first["debtor"]


@pytest.mark.parametrize(
    ("existing", "buyer"),
    [
        (
            {"vat_number": "nl 8234.56.789.B01"},
            ubl_buyer(name="Other Name BV", vat="NL823456789B01"),
        ),
        (
            {"kvk_number": "12345678"},
            ubl_buyer(name="Other Name BV", company_id="12345678", company_scheme="0106"),
        ),
        ({"kvk_number": "12345678"}, ubl_buyer(name="Other Name BV", company_id="12345678")),
        (
            {"kvk_number": "12345678"},
            ubl_buyer(name="Other Name BV", endpoint="12345678", endpoint_scheme="0106"),
        ),
        (
            {"vat_number": "NL823456789B01"},
            ubl_buyer(name="Other Name BV", endpoint="NL823456789B01", endpoint_scheme="9944"),
        ),
        ({}, ubl_buyer(name="Koper BV")),
    ],
    ids=["vat", "kvk", "company-id-without-scheme", "endpoint-kvk", "endpoint-vat", "name"],
)
def test_buyer_matches_existing_debtor(alfa_api, org_alfa, existing, buyer):
    with tenant_context(org_alfa):
        debtor = debtor_create(organization=org_alfa, name="Koper BV", **existing)

    response = post_ubl(alfa_api, ubl_invoice(buyer_xml=buyer))

    assert response.status_code == 201
    assert response.json()["debtor"] == str(debtor.pk)
    with tenant_context(org_alfa):
        assert Debtor.objects.count() == 1


def test_vat_match_wins_over_name(alfa_api, org_alfa):
    with tenant_context(org_alfa):
        debtor_create(organization=org_alfa, name="Koper BV")
        by_vat = debtor_create(organization=org_alfa, name="Koper Holding", vat_number="NL823456789B01")
    response = post_ubl(alfa_api, ubl_invoice(buyer_xml=ubl_buyer(name="Koper BV", vat="NL823456789B01")))
    assert response.json()["debtor"] == str(by_vat.pk)


def test_name_match_skipped_on_other_vat(alfa_api, org_alfa):
    with tenant_context(org_alfa):
        namesake = debtor_create(organization=org_alfa, name="Koper BV", vat_number="BE0123456749")
    response = post_ubl(alfa_api, ubl_invoice(buyer_xml=ubl_buyer(name="Koper BV", vat="NL823456789B01")))
    assert response.status_code == 201
    assert response.json()["debtor"] != str(namesake.pk)
    with tenant_context(org_alfa):
        assert Debtor.objects.count() == 2


def test_invalid_buyer_email_left_out(alfa_api, org_alfa):
    response = post_ubl(alfa_api, ubl_invoice(buyer_xml=ubl_buyer(email="not an address")))
    assert response.status_code == 201
    with tenant_context(org_alfa):
        assert Debtor.objects.get(pk=response.json()["debtor"]).email == ""


def test_missing_due_date_uses_payment_term(alfa_api):
    response = post_ubl(alfa_api, ubl_invoice(issue_date="2025-01-31", due_date=None))
    assert response.json()["due_date"] == "2025-03-02"
    assert response.json()["due_date_derived"] is True


@pytest.mark.parametrize("content_type", ["text/xml", "application/xml; charset=utf-8", "Application/XML"])
def test_xml_content_types_accepted(alfa_api, content_type):
    response = post_ubl(alfa_api, peppol_file("base-example.xml"), content_type=content_type)
    assert response.status_code == 201


def test_trailing_slash_accepted(alfa_api):
    response = post_ubl(alfa_api, peppol_file("base-example.xml"), path=f"{UBL_URL}/")
    assert response.status_code == 201


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "application/x-www-form-urlencoded", ""])
def test_other_content_type_is_415(alfa_api, content_type):
    response = post_ubl(alfa_api, peppol_file("base-example.xml"), content_type=content_type)
    error = assert_error(response, 415, "Content-Type")
    assert "application/xml" in error["message"]


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&lol2;</Invoice>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">
<ID>&secret;</ID></Invoice>"""


@pytest.mark.parametrize(
    ("content", "field", "code"),
    [
        (b"", "document", "not_xml"),
        (b"   \n", "document", "not_xml"),
        (b"%PDF-1.7 not xml", "document", "not_xml"),
        (b"<Invoice><unclosed>", "document", "malformed_xml"),
        (BILLION_LAUGHS, "document", "forbidden_dtd"),
        (EXTERNAL_ENTITY, "document", "forbidden_dtd"),
        (
            b'<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>',
            "root element",
            "wrong_root",
        ),
        (ubl_invoice(currency="XYZ"), "cbc:DocumentCurrencyCode", "invalid"),
        (ubl_invoice(issue_date="9999-12-31", due_date=None), "cbc:IssueDate", "invalid"),
        (ubl_invoice(issue_date="2025-02-30"), "cbc:IssueDate", "invalid"),
        (ubl_invoice(issue_date="2025-09-01", due_date="2025-08-01"), "cbc:DueDate", "invalid"),
        (ubl_invoice(number="N" * 101), "cbc:ID", "invalid"),
        (ubl_invoice(payment_id="R" * 41), "cac:PaymentMeans/cbc:PaymentID", "invalid"),
        (ubl_invoice(amount="12.3.4"), "cac:LegalMonetaryTotal/cbc:PayableAmount", "invalid"),
        (
            ubl_invoice(buyer_xml=ubl_buyer(name="B" * 201)),
            "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
            "invalid",
        ),
    ],
    ids=[
        "empty",
        "whitespace",
        "pdf",
        "malformed",
        "billion-laughs",
        "external-entity",
        "wrong-root",
        "unknown-currency",
        "year-9999",
        "no-such-day",
        "due-before-issue",
        "long-number",
        "long-payment-id",
        "bad-amount",
        "long-buyer-name",
    ],
)
def test_bad_document_is_400(alfa_api, org_alfa, content, field, code):
    response = post_ubl(alfa_api, content)
    error = assert_error(response, 400, field)
    assert error["code"] == code
    with tenant_context(org_alfa):
        assert not Invoice.objects.exists()
        assert not Debtor.objects.exists()


def test_body_over_5_mib_is_413(alfa_api):
    content = ubl_invoice() + b"<!--" + b"x" * (5 * 1024 * 1024) + b"-->"
    response = post_ubl(alfa_api, content)
    assert_error(response, 413, "body")


def test_conflict_leaves_no_new_debtor(alfa_api, org_alfa):
    post_ubl(alfa_api, ubl_invoice(number="X-1", buyer_xml=ubl_buyer(name="First BV")))
    response = post_ubl(alfa_api, ubl_invoice(number="X-1", buyer_xml=ubl_buyer(name="Second BV")))
    assert_error(response, 409, "number")
    with tenant_context(org_alfa):
        assert list(Debtor.objects.values_list("name", flat=True)) == ["First BV"]


def test_ubl_requires_api_key(client):
    response = client.post(UBL_URL, data=peppol_file("base-example.xml"), content_type="application/xml")
    assert_error(response, 401)


def test_ubl_get_not_allowed(alfa_api):
    assert_error(alfa_api.get(UBL_URL), 405)
