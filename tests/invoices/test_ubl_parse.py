"""Tests for invoices.ubl.parse_ubl against the Peppol BIS Billing 3.0 example files.

The files in tests/fixtures/peppol/ are unchanged copies of examples from the
OpenPEPPOL/peppol-bis-invoice-3 repository (rules/examples/).
"""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from invoices.ubl import DEFAULT_MAX_BYTES, UblDocument, UblError, UblParty, parse_ubl

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "peppol"


def read_fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse_fixture(name: str) -> UblDocument:
    return parse_ubl(read_fixture(name))


def base_example_with(old: str, new: str) -> bytes:
    """Return base-example.xml with one occurrence of ``old`` replaced by ``new``."""
    text = read_fixture("base-example.xml").decode("utf-8")
    assert text.count(old) == 1, f"{old!r} must occur exactly once in base-example.xml"
    return text.replace(old, new).encode("utf-8")


def assert_ubl_error(content: bytes, field: str, code: str, **kwargs) -> UblError:
    with pytest.raises(UblError) as excinfo:
        parse_ubl(content, **kwargs)
    error = excinfo.value
    assert error.field == field
    assert error.code == code
    assert str(error).startswith(f"{field}: ")
    return error


# --- Expected values from each example file --------------------------------------------

# file, kind, number, issue date, due date, currency, payable, tax inclusive, VAT, preceding
EXAMPLES = [
    (
        "base-example.xml",
        "invoice",
        "Snippet1",
        date(2017, 11, 13),
        date(2017, 12, 1),
        "EUR",
        "1656.25",
        "1656.25",
        "331.25",
        (),
    ),
    (
        "base-creditnote-correction.xml",
        "credit_note",
        "Snippet1",
        date(2017, 11, 13),
        None,
        "EUR",
        "1656.25",
        "1656.25",
        "331.25",
        ("Snippet1",),
    ),
    (
        "base-negative-inv-correction.xml",
        "invoice",
        "Correction1",
        date(2017, 11, 13),
        date(2017, 12, 1),
        "EUR",
        "-1656.25",
        "-1656.25",
        "-331.25",
        ("Snippet1",),
    ),
    (
        "vat-category-O.xml",
        "invoice",
        "Vat-O",
        date(2018, 8, 30),
        None,
        "SEK",
        "3200.00",
        "3200.00",
        "0.00",
        (),
    ),
    (
        "vat-category-Z.xml",
        "invoice",
        "Vat-Z",
        date(2018, 8, 30),
        None,
        "GBP",
        "1200.00",
        "1200.00",
        "0.00",
        (),
    ),
    (
        "vat-category-E.xml",
        "invoice",
        "Vat-Z",
        date(2018, 8, 30),
        None,
        "GBP",
        "1200.00",
        "1200.00",
        "0.00",
        (),
    ),
    (
        "Allowance-example.xml",
        "invoice",
        "Snippet1",
        date(2017, 11, 13),
        date(2017, 12, 1),
        "EUR",
        "6125.00",
        "7125.00",
        "1225.00",
        (),
    ),
    (
        "Vat-category-S.xml",
        "invoice",
        "Snippet1",
        date(2017, 11, 13),
        date(2017, 12, 1),
        "EUR",
        "8550.00",
        "8550.00",
        "1550.00",
        (),
    ),
    (
        "sales-order-example.xml",
        "invoice",
        "Snippet1",
        date(2017, 11, 13),
        date(2017, 12, 1),
        "EUR",
        "1656.25",
        "1656.25",
        "331.25",
        (),
    ),
]


def test_examples_cover_all_fixture_files():
    assert sorted(row[0] for row in EXAMPLES) == sorted(
        path.name for path in FIXTURES.glob("*.xml")
    )


@pytest.mark.parametrize(
    "name, kind, number, issue_date, due_date, currency, payable, tax_inclusive, vat, preceding",
    EXAMPLES,
    ids=[row[0] for row in EXAMPLES],
)
def test_example_header_and_totals(
    name, kind, number, issue_date, due_date, currency, payable, tax_inclusive, vat, preceding
):
    document = parse_fixture(name)

    assert document.kind == kind
    assert document.number == number
    assert document.issue_date == issue_date
    assert document.due_date == due_date
    assert document.currency == currency
    assert document.total_amount == Decimal(payable)
    assert str(document.total_amount) == payable
    assert document.tax_inclusive_amount == Decimal(tax_inclusive)
    assert document.vat_amount == Decimal(vat)
    assert str(document.vat_amount) == vat
    assert document.preceding_numbers == preceding


def test_base_example_all_fields():
    document = parse_fixture("base-example.xml")

    assert document.type_code == "380"
    assert document.payment_reference == "Snippet1"
    assert document.payee_iban == "IBAN32423940"
    assert document.payee_iban_is_valid is False
    assert document.payment_terms_note == "Payment within 10 days, 2% discount"
    assert document.buyer_reference == "0150abc"
    assert document.order_reference == ""
    assert document.customization_id == (
        "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
    )


def test_base_example_buyer():
    buyer = parse_fixture("base-example.xml").buyer

    assert buyer == UblParty(
        name="Buyer Official Name",
        trading_name="BuyerTradingName AS",
        company_id="39937423947",
        company_id_scheme="0183",
        vat_number="SE4598375937",
        endpoint_id="FR23342",
        endpoint_scheme="0002",
        identifier="FR23342",
        identifier_scheme="0002",
        street="Hovedgatan 32",
        additional_street="Po box 878",
        city="Stockholm",
        postal_code="456 34",
        country_code="SE",
        contact_email="lj@buyer.se",
        contact_phone="23434234",
        contact_name="Lisa Johnson",
    )
    assert buyer.kvk_number == ""
    # The example VAT number has 10 digits, but a Swedish VAT number has 12.
    assert buyer.vat_number_is_valid is False


def test_base_example_seller():
    seller = parse_fixture("base-example.xml").seller

    assert seller == UblParty(
        name="SupplierOfficialName Ltd",
        trading_name="SupplierTradingName Ltd.",
        company_id="GB983294",
        company_id_scheme="",
        vat_number="GB1232434",
        endpoint_id="9482348239847239874",
        endpoint_scheme="0088",
        identifier="99887766",
        identifier_scheme="",
        street="Main street 1",
        additional_street="Postbox 123",
        city="London",
        postal_code="GB 123 EW",
        country_code="GB",
    )


def test_creditnote_correction_fields():
    document = parse_fixture("base-creditnote-correction.xml")

    assert document.kind == "credit_note"
    assert document.type_code == "381"
    assert document.preceding_numbers == ("Snippet1",)
    assert document.payment_reference == "Snippet1"
    assert document.total_amount == Decimal("1656.25")


def test_negative_correction_is_invoice():
    document = parse_fixture("base-negative-inv-correction.xml")

    assert document.kind == "invoice"
    assert document.type_code == "380"
    assert document.total_amount < 0
    assert document.preceding_numbers == ("Snippet1",)


def test_vat_category_files_without_payment_id():
    for name in ("vat-category-O.xml", "vat-category-Z.xml", "vat-category-E.xml"):
        document = parse_fixture(name)
        assert document.payment_reference == "", name
        assert document.payee_iban == "SE1212341234123412", name
        assert document.payment_terms_note == "Payment within 30 days", name
        assert document.buyer_reference == "test reference", name
        assert document.buyer.name == "The Buyercompany", name
        assert document.buyer.trading_name == "", name
        assert document.seller.name == "The Sellercompany Incorporated", name


def test_vat_category_o_seller_without_vat():
    document = parse_fixture("vat-category-O.xml")

    assert document.seller.vat_number == ""
    assert document.buyer.endpoint_id == "987654325"
    assert document.buyer.endpoint_scheme == "0192"
    assert document.buyer.country_code == "NO"


def test_vat_category_z_and_e_share_number():
    z_bytes = read_fixture("vat-category-Z.xml")
    e_bytes = read_fixture("vat-category-E.xml")
    assert z_bytes != e_bytes

    z_document = parse_ubl(z_bytes)
    e_document = parse_ubl(e_bytes)
    # The files differ only in VAT category codes and an exemption reason code,
    # which this parser does not read.
    assert z_document.number == e_document.number == "Vat-Z"
    assert z_document == e_document


def test_allowance_vat_in_document_currency():
    document = parse_fixture("Allowance-example.xml")

    # The file also has a TaxTotal of 9324.00 SEK in the VAT accounting currency.
    assert document.vat_amount == Decimal("1225.00")
    # PayableAmount is TaxInclusiveAmount 7125 minus PrepaidAmount 1000.
    assert document.total_amount == Decimal("6125.00")
    assert document.tax_inclusive_amount == Decimal("7125.00")


def test_amount_without_decimals_gets_two_places():
    document = parse_fixture("Vat-category-S.xml")

    assert str(document.total_amount) == "8550.00"
    assert document.total_amount.as_tuple().exponent == -2


def test_sales_order_example_order_reference():
    document = parse_fixture("sales-order-example.xml")

    assert document.order_reference == "NA"
    assert document.buyer_reference == "0150abc"


def test_document_is_frozen():
    document = parse_fixture("base-example.xml")

    with pytest.raises(AttributeError):
        document.number = "changed"


# --- Field handling beyond the example files -------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("10.000", "10.00"),
        ("10.500", "10.50"),
        ("+5", "5.00"),
        ("5.", "5.00"),
        ("-0", "0.00"),
        ("-0.00", "0.00"),
    ],
)
def test_payable_amount_normalised(raw, expected):
    content = base_example_with(
        '<cbc:PayableAmount currencyID="EUR">1656.25</cbc:PayableAmount>',
        f'<cbc:PayableAmount currencyID="EUR">{raw}</cbc:PayableAmount>',
    )

    assert str(parse_ubl(content).total_amount) == expected


@pytest.mark.parametrize("raw", ["10.005", "-10.005", "0.625", "1656.255", "-0.004"])
def test_payable_amount_three_decimals_rejected(raw):
    content = base_example_with(
        '<cbc:PayableAmount currencyID="EUR">1656.25</cbc:PayableAmount>',
        f'<cbc:PayableAmount currencyID="EUR">{raw}</cbc:PayableAmount>',
    )

    with pytest.raises(UblError) as caught:
        parse_ubl(content)

    assert caught.value.field == "cac:LegalMonetaryTotal/cbc:PayableAmount"
    assert caught.value.code == "invalid"
    assert "more than 2 decimals" in caught.value.message


def test_credit_note_payment_due_date():
    text = read_fixture("base-creditnote-correction.xml").decode("utf-8")
    text = text.replace(
        '<cbc:PaymentMeansCode name="Credit transfer">30</cbc:PaymentMeansCode>',
        '<cbc:PaymentMeansCode name="Credit transfer">30</cbc:PaymentMeansCode>\n'
        "<cbc:PaymentDueDate>2017-12-15</cbc:PaymentDueDate>",
    )

    assert parse_ubl(text.encode("utf-8")).due_date == date(2017, 12, 15)


def test_invoice_ignores_payment_due_date():
    content = base_example_with(
        "<cbc:DueDate>2017-12-01</cbc:DueDate>",
        "",
    ).replace(
        b"<cbc:PaymentID>Snippet1</cbc:PaymentID>",
        b"<cbc:PaymentDueDate>2017-12-15</cbc:PaymentDueDate><cbc:PaymentID>Snippet1</cbc:PaymentID>",
    )

    assert parse_ubl(content).due_date is None


def test_buyer_name_falls_back_to_party_name():
    content = base_example_with(
        "<cbc:RegistrationName>Buyer Official Name</cbc:RegistrationName>", ""
    )
    buyer = parse_ubl(content).buyer

    assert buyer.name == "BuyerTradingName AS"
    assert buyer.trading_name == "BuyerTradingName AS"


def test_kvk_number_from_scheme_0106():
    content = base_example_with(
        '<cbc:CompanyID schemeID="0183">39937423947</cbc:CompanyID>',
        '<cbc:CompanyID schemeID="0106">12345678</cbc:CompanyID>',
    )
    buyer = parse_ubl(content).buyer

    assert buyer.company_id == "12345678"
    assert buyer.company_id_scheme == "0106"
    assert buyer.kvk_number == "12345678"


def test_valid_dutch_vat_and_iban():
    content = base_example_with(
        "<cbc:CompanyID>SE4598375937</cbc:CompanyID>",
        "<cbc:CompanyID>NL004495445B01</cbc:CompanyID>",
    ).replace(b"<cbc:ID>IBAN32423940</cbc:ID>", b"<cbc:ID>NL91ABNA0417164300</cbc:ID>")
    document = parse_ubl(content)

    assert document.buyer.vat_number_is_valid is True
    assert document.payee_iban_is_valid is True


def test_comment_inside_value_is_ignored():
    content = base_example_with(
        "<cbc:ID>Snippet1</cbc:ID>", "<cbc:ID>Snip<!-- note -->pet1</cbc:ID>"
    )

    assert parse_ubl(content).number == "Snippet1"


def test_peppol_envelope_is_unwrapped():
    invoice = read_fixture("base-example.xml").split(b"?>", 1)[1]
    content = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<StandardBusinessDocument xmlns="http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader">'
        b"<StandardBusinessDocumentHeader><HeaderVersion>1.0</HeaderVersion></StandardBusinessDocumentHeader>"
        + invoice
        + b"</StandardBusinessDocument>"
    )

    assert parse_ubl(content).number == "Snippet1"


def test_utf16_document_parses():
    text = (
        read_fixture("base-example.xml")
        .decode("utf-8")
        .replace('encoding="UTF-8"', 'encoding="UTF-16"')
    )

    assert parse_ubl(text.encode("utf-16")).total_amount == Decimal("1656.25")


# --- Errors: the file as a whole --------------------------------------------------------


def test_default_size_limit_is_5_mib():
    assert DEFAULT_MAX_BYTES == 5 * 1024 * 1024


def test_error_too_large():
    content = read_fixture("base-example.xml")
    error = assert_ubl_error(content, "document", "too_large", max_bytes=len(content) - 1)

    assert f"{len(content):,} bytes" in error.message


def test_error_over_default_limit():
    content = b"<Invoice>" + b" " * DEFAULT_MAX_BYTES + b"</Invoice>"

    assert_ubl_error(content, "document", "too_large")


def test_size_limit_is_inclusive():
    content = read_fixture("base-example.xml")

    assert parse_ubl(content, max_bytes=len(content)).number == "Snippet1"


@pytest.mark.parametrize(
    "content", [b"", b"   \n", b"%PDF-1.4\n%...", b"Snippet1;2017-11-13;1656.25"]
)
def test_error_not_xml(content):
    assert_ubl_error(content, "document", "not_xml")


@pytest.mark.parametrize(
    "content",
    [
        b"<Invoice>",
        b"<Invoice></Factuur>",
        b'<?xml version="1.0" encoding="bogus"?><Invoice/>',
        b"<Invoice>&undefined;</Invoice>",
        b"<a/><b/>",
    ],
)
def test_error_malformed_xml(content):
    assert_ubl_error(content, "document", "malformed_xml")


def test_error_truncated_example():
    content = read_fixture("base-example.xml")[:4000]

    assert_ubl_error(content, "document", "malformed_xml")


def test_error_not_bytes():
    with pytest.raises(TypeError):
        parse_ubl(read_fixture("base-example.xml").decode("utf-8"))


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE Invoice [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&lol9;</Invoice>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
    xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:ID>&secret;</cbc:ID>
</Invoice>
"""


@pytest.mark.parametrize(
    "content",
    [
        BILLION_LAUGHS.encode("utf-8"),
        EXTERNAL_ENTITY.encode("utf-8"),
        EXTERNAL_ENTITY.replace(
            '<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>'
        ).encode("utf-16"),
        BILLION_LAUGHS.replace(
            '<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>'
        ).encode("utf-16-be"),
        b'<!DOCTYPE Invoice SYSTEM "http://127.0.0.1:9/ubl.dtd"><Invoice/>',
    ],
    ids=[
        "billion-laughs",
        "external-entity",
        "external-entity-utf16",
        "billion-laughs-utf16be",
        "external-dtd",
    ],
)
def test_error_dtd_rejected(content):
    error = assert_ubl_error(content, "document", "forbidden_dtd")

    assert "DOCTYPE" in error.message


def test_error_doctype_in_example():
    content = read_fixture("base-example.xml").replace(
        b'<?xml version="1.0" encoding="UTF-8"?>',
        b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE Invoice>',
    )

    assert_ubl_error(content, "document", "forbidden_dtd")


def test_error_doctype_in_latin1_document():
    # ISO-8859-1 has the same bytes as ASCII for the markup, so the byte scan finds it.
    content = (
        b'<?xml version="1.0" encoding="ISO-8859-1"?>'
        b'<!DOCTYPE Invoice [<!ENTITY e "\xe9">]><Invoice>&e;</Invoice>'
    )

    assert_ubl_error(content, "document", "forbidden_dtd")


# --- Errors: root element ---------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b'<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>',
        b"<Invoice/>",
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"/>',
        b"<rsm:CrossIndustryInvoice"
        b' xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"/>',
    ],
    ids=["ubl-order", "no-namespace", "invoice-in-creditnote-namespace", "cii"],
)
def test_error_wrong_root(content):
    error = assert_ubl_error(content, "root element", "wrong_root")

    assert "Invoice" in error.message


def test_error_envelope_without_invoice():
    content = (
        b'<StandardBusinessDocument xmlns="http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader">'
        b"<StandardBusinessDocumentHeader/></StandardBusinessDocument>"
    )

    assert_ubl_error(content, "root element", "wrong_root")


# --- Errors: required fields ------------------------------------------------------------


def test_error_missing_id():
    content = base_example_with("<cbc:ID>Snippet1</cbc:ID>", "")

    assert_ubl_error(content, "cbc:ID", "missing")


def test_error_blank_id():
    content = base_example_with("<cbc:ID>Snippet1</cbc:ID>", "<cbc:ID>  </cbc:ID>")

    assert_ubl_error(content, "cbc:ID", "missing")


def test_error_duplicate_id():
    content = base_example_with(
        "<cbc:ID>Snippet1</cbc:ID>", "<cbc:ID>Snippet1</cbc:ID><cbc:ID>Snippet2</cbc:ID>"
    )

    assert_ubl_error(content, "cbc:ID", "duplicate")


def test_error_missing_issue_date():
    content = base_example_with("<cbc:IssueDate>2017-11-13</cbc:IssueDate>", "")

    assert_ubl_error(content, "cbc:IssueDate", "missing")


def test_error_empty_issue_date():
    content = base_example_with("<cbc:IssueDate>2017-11-13</cbc:IssueDate>", "<cbc:IssueDate/>")

    assert_ubl_error(content, "cbc:IssueDate", "missing")


@pytest.mark.parametrize(
    "value",
    [
        "2017-13-01",
        "2017-02-30",
        "13-11-2017",
        "20171113",
        "2017-11-13Z",
        "2017-11-13T10:00:00",
        "２０１７-11-13",
    ],
)
def test_error_invalid_issue_date(value):
    content = base_example_with(
        "<cbc:IssueDate>2017-11-13</cbc:IssueDate>", f"<cbc:IssueDate>{value}</cbc:IssueDate>"
    )
    error = assert_ubl_error(content, "cbc:IssueDate", "invalid")

    assert repr(value) in error.message
    assert "YYYY-MM-DD" in error.message


def test_error_invalid_due_date():
    content = base_example_with(
        "<cbc:DueDate>2017-12-01</cbc:DueDate>", "<cbc:DueDate>1 December 2017</cbc:DueDate>"
    )
    error = assert_ubl_error(content, "cbc:DueDate", "invalid")

    assert "'1 December 2017'" in error.message


def test_error_invalid_payment_due_date():
    text = read_fixture("base-creditnote-correction.xml").decode("utf-8")
    text = text.replace(
        "<cbc:PaymentID>Snippet1</cbc:PaymentID>",
        "<cbc:PaymentDueDate>2017-12-32</cbc:PaymentDueDate><cbc:PaymentID>Snippet1</cbc:PaymentID>",
    )

    assert_ubl_error(text.encode("utf-8"), "cac:PaymentMeans/cbc:PaymentDueDate", "invalid")


def test_error_missing_currency():
    content = base_example_with("<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>", "")

    assert_ubl_error(content, "cbc:DocumentCurrencyCode", "missing")


@pytest.mark.parametrize("value", ["euro", "EU", "€", "EURO"])
def test_error_invalid_currency(value):
    content = base_example_with(
        "<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>",
        f"<cbc:DocumentCurrencyCode>{value}</cbc:DocumentCurrencyCode>",
    )

    assert_ubl_error(content, "cbc:DocumentCurrencyCode", "invalid")


def test_error_missing_payable_amount():
    content = base_example_with(
        '<cbc:PayableAmount currencyID="EUR">1656.25</cbc:PayableAmount>', ""
    )

    assert_ubl_error(content, "cac:LegalMonetaryTotal/cbc:PayableAmount", "missing")


def test_error_missing_legal_monetary_total():
    text = read_fixture("base-example.xml").decode("utf-8")
    start = text.index("<cac:LegalMonetaryTotal>")
    end = text.index("</cac:LegalMonetaryTotal>") + len("</cac:LegalMonetaryTotal>")
    content = (text[:start] + text[end:]).encode("utf-8")

    assert_ubl_error(content, "cac:LegalMonetaryTotal/cbc:PayableAmount", "missing")


def test_error_empty_payable_amount():
    content = base_example_with(
        '<cbc:PayableAmount currencyID="EUR">1656.25</cbc:PayableAmount>',
        '<cbc:PayableAmount currencyID="EUR"></cbc:PayableAmount>',
    )

    assert_ubl_error(content, "cac:LegalMonetaryTotal/cbc:PayableAmount", "missing")


@pytest.mark.parametrize(
    "value",
    [
        "1656,25",
        "1.656,25",
        "NaN",
        "Infinity",
        "1e3",
        "1_656.25",
        "EUR 1656.25",
        "--1",
        ".",
        "１６５６",
    ],
)
def test_error_invalid_payable_amount(value):
    content = base_example_with(
        '<cbc:PayableAmount currencyID="EUR">1656.25</cbc:PayableAmount>',
        f'<cbc:PayableAmount currencyID="EUR">{value}</cbc:PayableAmount>',
    )
    error = assert_ubl_error(content, "cac:LegalMonetaryTotal/cbc:PayableAmount", "invalid")

    assert repr(value) in error.message


@pytest.mark.parametrize("value", ["1000000000000", "1000000000000.00", "9" * 39])
def test_error_payable_amount_too_large(value):
    content = base_example_with(
        '<cbc:PayableAmount currencyID="EUR">1656.25</cbc:PayableAmount>',
        f'<cbc:PayableAmount currencyID="EUR">{value}</cbc:PayableAmount>',
    )
    error = assert_ubl_error(content, "cac:LegalMonetaryTotal/cbc:PayableAmount", "invalid")

    assert "too large" in error.message


def test_largest_payable_amount_accepted():
    content = base_example_with(
        '<cbc:PayableAmount currencyID="EUR">1656.25</cbc:PayableAmount>',
        '<cbc:PayableAmount currencyID="EUR">999999999999.99</cbc:PayableAmount>',
    )

    assert parse_ubl(content).total_amount == Decimal("999999999999.99")


def test_error_payable_currency_mismatch():
    content = base_example_with(
        '<cbc:PayableAmount currencyID="EUR">1656.25</cbc:PayableAmount>',
        '<cbc:PayableAmount currencyID="USD">1656.25</cbc:PayableAmount>',
    )
    error = assert_ubl_error(
        content, "cac:LegalMonetaryTotal/cbc:PayableAmount/@currencyID", "currency_mismatch"
    )

    assert "'USD'" in error.message
    assert "'EUR'" in error.message


def test_error_payable_currency_missing():
    content = base_example_with(
        '<cbc:PayableAmount currencyID="EUR">1656.25</cbc:PayableAmount>',
        "<cbc:PayableAmount>1656.25</cbc:PayableAmount>",
    )

    assert_ubl_error(content, "cac:LegalMonetaryTotal/cbc:PayableAmount/@currencyID", "missing")


def test_error_duplicate_payable_amount():
    content = base_example_with(
        '<cbc:PayableAmount currencyID="EUR">1656.25</cbc:PayableAmount>',
        '<cbc:PayableAmount currencyID="EUR">1656.25</cbc:PayableAmount>'
        '<cbc:PayableAmount currencyID="EUR">1.00</cbc:PayableAmount>',
    )

    assert_ubl_error(content, "cac:LegalMonetaryTotal/cbc:PayableAmount", "duplicate")


def test_error_tax_inclusive_currency_mismatch():
    content = base_example_with(
        '<cbc:TaxInclusiveAmount currencyID="EUR">1656.25</cbc:TaxInclusiveAmount>',
        '<cbc:TaxInclusiveAmount currencyID="SEK">1656.25</cbc:TaxInclusiveAmount>',
    )

    assert_ubl_error(
        content, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount/@currencyID", "currency_mismatch"
    )


def test_error_invalid_vat_amount():
    content = base_example_with(
        '<cbc:TaxAmount currencyID="EUR">331.25</cbc:TaxAmount>\n        <cac:TaxSubtotal>',
        '<cbc:TaxAmount currencyID="EUR">331,25</cbc:TaxAmount>\n        <cac:TaxSubtotal>',
    )

    assert_ubl_error(content, "cac:TaxTotal/cbc:TaxAmount", "invalid")


def test_error_duplicate_vat_total():
    content = base_example_with(
        "    <cac:LegalMonetaryTotal>",
        '    <cac:TaxTotal><cbc:TaxAmount currencyID="EUR">1.00</cbc:TaxAmount></cac:TaxTotal>\n'
        "    <cac:LegalMonetaryTotal>",
    )

    assert_ubl_error(content, "cac:TaxTotal/cbc:TaxAmount", "duplicate")


def test_error_missing_buyer():
    text = read_fixture("base-example.xml").decode("utf-8")
    start = text.index("<cac:AccountingCustomerParty>")
    end = text.index("</cac:AccountingCustomerParty>") + len("</cac:AccountingCustomerParty>")
    content = (text[:start] + text[end:]).encode("utf-8")

    assert_ubl_error(content, "cac:AccountingCustomerParty/cac:Party", "missing")


def test_error_buyer_without_name():
    content = base_example_with(
        "<cbc:RegistrationName>Buyer Official Name</cbc:RegistrationName>", ""
    ).replace(b"<cbc:Name>BuyerTradingName AS</cbc:Name>", b"")

    assert_ubl_error(
        content,
        "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
        "missing",
    )


def test_ubl_error_is_value_error():
    error = UblError("cbc:IssueDate", "missing.", "missing")

    assert isinstance(error, ValueError)
    assert error.field == "cbc:IssueDate"
    assert error.code == "missing"
    assert error.message == "missing."
    assert str(error) == "cbc:IssueDate: missing."


def test_ubl_error_default_code():
    assert UblError("cbc:ID", "invalid.").code == "invalid"


def test_doctype_rejected_after_parse(monkeypatch):
    # With the byte scan disabled, the check after parsing must still reject the DOCTYPE.
    # That check covers encodings the byte scan does not know.
    monkeypatch.setattr("invoices.ubl._FORBIDDEN_CODECS", ())

    assert_ubl_error(EXTERNAL_ENTITY.encode("utf-8"), "document", "forbidden_dtd")
