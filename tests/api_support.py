"""Helpers shared by the REST API tests."""

from pathlib import Path

PEPPOL_DIR = Path(__file__).parent / "fixtures" / "peppol"


def peppol_file(name: str) -> bytes:
    return (PEPPOL_DIR / name).read_bytes()


def post_ubl(
    client,
    content: bytes,
    *,
    content_type: str = "application/xml",
    path: str = "/api/v1/invoices/ubl",
):
    # generic() sends the body and the header as given, even an empty Content-Type.
    return client.generic("POST", path, content, content_type=content_type)


def post_json(client, path: str, payload):
    return client.post(path, data=payload, format="json")


def assert_error(response, status_code: int, field: str | None = None) -> dict:
    """Check an API error response and return its ``error`` object."""
    assert response.status_code == status_code, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"]
    assert error["message"]
    if field is not None:
        assert field in error["fields"], error
        assert error["fields"][field][0]
    return error


def result_ids(response) -> set[str]:
    assert response.status_code == 200, response.content[:500]
    return {row["id"] for row in response.json()["results"]}


def ubl_invoice(
    *,
    number: str = "UBL-1",
    issue_date: str = "2025-09-01",
    due_date: str | None = "2025-10-01",
    currency: str = "EUR",
    amount: str = "121.00",
    buyer_xml: str = (
        "<cac:PartyLegalEntity><cbc:RegistrationName>Koper BV</cbc:RegistrationName></cac:PartyLegalEntity>"
    ),
    payment_id: str = "",
) -> bytes:
    """Build a minimal UBL 2.1 invoice; ``buyer_xml`` is the content of the buyer's cac:Party."""
    due = f"<cbc:DueDate>{due_date}</cbc:DueDate>" if due_date else ""
    payment_means = (
        f"<cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode><cbc:PaymentID>{payment_id}</cbc:PaymentID></cac:PaymentMeans>"
        if payment_id
        else ""
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
         xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
         xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>
  <cbc:ID>{number}</cbc:ID>
  <cbc:IssueDate>{issue_date}</cbc:IssueDate>
  {due}
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cbc:DocumentCurrencyCode>{currency}</cbc:DocumentCurrencyCode>
  <cac:AccountingSupplierParty><cac:Party><cac:PartyLegalEntity>
    <cbc:RegistrationName>Alfa Installaties BV</cbc:RegistrationName>
  </cac:PartyLegalEntity></cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party>{buyer_xml}</cac:Party></cac:AccountingCustomerParty>
  {payment_means}
  <cac:TaxTotal><cbc:TaxAmount currencyID="{currency}">21.00</cbc:TaxAmount></cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:PayableAmount currencyID="{currency}">{amount}</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
</Invoice>
""".encode()


def ubl_buyer(
    *,
    name: str = "Koper BV",
    vat: str = "",
    company_id: str = "",
    company_scheme: str = "",
    endpoint: str = "",
    endpoint_scheme: str = "0106",
    country: str = "NL",
    email: str = "",
) -> str:
    """Build the content of a buyer's cac:Party for ``ubl_invoice``."""
    parts = []
    if endpoint:
        parts.append(f'<cbc:EndpointID schemeID="{endpoint_scheme}">{endpoint}</cbc:EndpointID>')
    parts.append(
        "<cac:PostalAddress><cbc:StreetName>Kerkstraat 1</cbc:StreetName>"
        "<cbc:CityName>Utrecht</cbc:CityName><cbc:PostalZone>3511 AA</cbc:PostalZone>"
        f"<cac:Country><cbc:IdentificationCode>{country}</cbc:IdentificationCode>"
        "</cac:Country></cac:PostalAddress>"
    )
    if vat:
        parts.append(
            f"<cac:PartyTaxScheme><cbc:CompanyID>{vat}</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
        )
    scheme = f' schemeID="{company_scheme}"' if company_scheme else ""
    company = f"<cbc:CompanyID{scheme}>{company_id}</cbc:CompanyID>" if company_id else ""
    parts.append(
        f"<cac:PartyLegalEntity><cbc:RegistrationName>{name}</cbc:RegistrationName>{company}</cac:PartyLegalEntity>"
    )
    if email:
        parts.append(f"<cac:Contact><cbc:ElectronicMail>{email}</cbc:ElectronicMail></cac:Contact>")
    return "".join(parts)
