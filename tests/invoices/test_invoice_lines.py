"""Invoice lines: half-up totals, the JSON and UBL imports, the PDF, and tenant isolation."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from debtors.services import debtor_create
from invoices.api import money_field
from invoices.lines import LineInput, invoice_totals, line_net
from invoices.models import Invoice, InvoiceLine
from invoices.pdf import render_invoice_pdf
from invoices.services import invoice_register
from payt.tenancy import tenant_context
from tests.api_support import assert_error, peppol_file, post_json, post_ubl, ubl_invoice
from tests.dunning.helpers import pdf_pages

INVOICES_URL = "/api/v1/invoices/"
LINE_21 = {"description": "Consultancy", "quantity": "1", "unit_price": "12.50", "vat_rate": "21"}
LINE_HALF_CENT = {"description": "Sample", "quantity": "1", "unit_price": "0.625", "vat_rate": "0"}


def line(description="Item", quantity="1", unit_price="1.00", vat_rate="21", line_net=None) -> LineInput:
    return LineInput(description, Decimal(quantity), Decimal(unit_price), Decimal(vat_rate), line_net)


# --- Totals (pure) ---------------------------------------------------------------------


def test_vat_half_cent_rounds_up():
    totals = invoice_totals([line(unit_price="12.50", vat_rate="21")])

    assert totals.net == Decimal("12.50")
    assert totals.vat == Decimal("2.63")
    assert totals.gross == Decimal("15.13")


def test_line_net_half_cent_rounds_up():
    totals = invoice_totals([line(unit_price="0.625", vat_rate="0")])

    assert line_net(Decimal("1"), Decimal("0.625")) == Decimal("0.63")
    assert totals.gross == Decimal("0.63")


def test_vat_per_rate_over_summed_nets():
    # 21% of 0.60 is 0.126, which per line would round to 0.13 (0.39 for three); per rate, 21% of 1.80 = 0.378.
    lines = [line(unit_price="0.60")] * 3 + [line(unit_price="10.00", vat_rate="9")]

    totals = invoice_totals(lines)

    assert [(subtotal.rate, subtotal.taxable, subtotal.vat) for subtotal in totals.vat_subtotals] == [
        (Decimal("9"), Decimal("10.00"), Decimal("0.90")),
        (Decimal("21"), Decimal("1.80"), Decimal("0.38")),
    ]
    assert totals.gross == Decimal("13.08")


def test_given_line_net_is_kept():
    totals = invoice_totals([line(quantity="7", unit_price="400", vat_rate="25", line_net=Decimal("2700.00"))])

    assert totals.net == Decimal("2700.00")
    assert totals.vat == Decimal("675.00")


# --- JSON API ---------------------------------------------------------------------------


@pytest.fixture
def alfa_debtor_id(org_alfa):
    with tenant_context(org_alfa):
        return str(debtor_create(organization=org_alfa, name="Koper BV", email="ap@koper.example").pk)


def invoice_body(debtor_id, number="INV-L1", **fields):
    return {"number": number, "debtor": debtor_id, "issue_date": "2026-05-01", **fields}


def test_api_computes_totals_half_up(alfa_api, alfa_debtor_id):
    first = post_json(alfa_api, INVOICES_URL, invoice_body(alfa_debtor_id, lines=[LINE_21]))
    second = post_json(alfa_api, INVOICES_URL, invoice_body(alfa_debtor_id, number="INV-L2", lines=[LINE_HALF_CENT]))

    assert first.status_code == 201, first.content
    assert first.json()["total_amount"] == "15.13"
    assert first.json()["vat_amount"] == "2.63"
    assert first.json()["open_amount"] == "15.13"
    assert first.json()["lines"] == [
        {
            "position": 1,
            "description": "Consultancy",
            "quantity": "1.0000",
            "unit_price": "12.500000",
            "vat_rate": "21.00",
            "line_net": "12.50",
        }
    ]
    assert second.json()["total_amount"] == "0.63"
    assert second.json()["lines"][0]["line_net"] == "0.63"


def test_api_accepts_matching_total(alfa_api, alfa_debtor_id):
    body = invoice_body(alfa_debtor_id, lines=[LINE_21], total_amount="15.13", vat_amount="2.63")

    response = post_json(alfa_api, INVOICES_URL, body)

    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"total_amount": "15.12"}, "total_amount"),
        ({"vat_amount": "2.62"}, "vat_amount"),
        ({"lines": [{**LINE_21, "line_net": "12.49"}]}, "lines[0].line_net"),
        ({"lines": [LINE_21, {**LINE_21, "quantity": "many"}]}, "lines[1].quantity"),
        ({"lines": [{**LINE_21, "vat_rate": "101"}]}, "lines[0].vat_rate"),
        ({"lines": [{**LINE_21, "unit_price": "0.0000001"}]}, "lines[0].unit_price"),
        ({"lines": [{key: value for key, value in LINE_21.items() if key != "description"}]}, "lines[0].description"),
        ({"lines": [{**LINE_21, "quantity": "-2"}]}, "lines"),
        ({"lines": []}, "total_amount"),
    ],
)
def test_api_rejects_totals_that_differ(alfa_api, org_alfa, alfa_debtor_id, fields, field):
    body = {**invoice_body(alfa_debtor_id), "lines": [LINE_21], **fields}

    error = assert_error(post_json(alfa_api, INVOICES_URL, body), 400, field)

    assert error["message"].startswith(f"{field}: ")
    with tenant_context(org_alfa):
        assert not Invoice.objects.exists()
        assert not InvoiceLine.objects.exists()


def test_api_mismatch_message_names_the_computed_total(alfa_api, alfa_debtor_id):
    body = invoice_body(alfa_debtor_id, lines=[LINE_21], total_amount="15.12")

    error = assert_error(post_json(alfa_api, INVOICES_URL, body), 400, "total_amount")

    assert "net 12.50 + VAT 2.63 = 15.13" in error["message"]


def test_api_retry_with_lines_is_idempotent(alfa_api, alfa_debtor_id):
    body = invoice_body(alfa_debtor_id, lines=[LINE_21])

    first = post_json(alfa_api, INVOICES_URL, body)
    again = post_json(alfa_api, INVOICES_URL, body)
    other = post_json(alfa_api, INVOICES_URL, {**body, "lines": [{**LINE_21, "quantity": "2"}]})

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert_error(other, 409, "number")


def test_api_without_lines_unchanged(alfa_api, alfa_debtor_id):
    response = post_json(alfa_api, INVOICES_URL, invoice_body(alfa_debtor_id, total_amount="100.00"))

    assert response.status_code == 201
    assert response.json()["vat_amount"] == "0.00"
    assert response.json()["lines"] == []


# --- UBL ----------------------------------------------------------------------------


def stored_lines(organization, number) -> list[tuple]:
    with tenant_context(organization):
        return list(
            InvoiceLine.objects.filter(invoice__number=number)
            .order_by("position")
            .values_list("position", "description", "quantity", "unit_price", "vat_rate", "line_net")
        )


def test_ubl_lines_imported(alfa_api, org_alfa):
    response = post_ubl(alfa_api, peppol_file("base-example.xml"))

    assert response.status_code == 201, response.content
    assert stored_lines(org_alfa, "Snippet1") == [
        (1, "item name", Decimal("7"), Decimal("400"), Decimal("25"), Decimal("2800.00")),
        (2, "item name 2", Decimal("-3"), Decimal("500"), Decimal("25"), Decimal("-1500.00")),
    ]
    assert [row["line_net"] for row in response.json()["lines"]] == ["2800.00", "-1500.00"]
    assert response.json()["total_amount"] == "1656.25"


def test_ubl_unit_price_per_base_quantity(alfa_api, org_alfa):
    response = post_ubl(alfa_api, peppol_file("Allowance-example.xml"))

    assert response.status_code == 201, response.content
    unit_prices = [row[3] for row in stored_lines(org_alfa, response.json()["number"])]
    # 410 per 1 unit, 200 per 2 units and 100 per (implied) 1 unit.
    assert unit_prices == [Decimal("410"), Decimal("100"), Decimal("100")]


def test_ubl_credit_note_lines(alfa_api, org_alfa):
    response = post_ubl(alfa_api, peppol_file("base-creditnote-correction.xml"))

    assert response.status_code == 201, response.content
    quantities = [row[2] for row in stored_lines(org_alfa, response.json()["number"])]
    assert quantities == [Decimal("7"), Decimal("-3")]


def _ubl_with_line(net: str, stated_total: str) -> bytes:
    document = ubl_invoice(amount="121.00").decode()
    line_xml = (
        "<cac:InvoiceLine><cbc:ID>1</cbc:ID>"
        '<cbc:InvoicedQuantity unitCode="C62">1</cbc:InvoicedQuantity>'
        f'<cbc:LineExtensionAmount currencyID="EUR">{net}</cbc:LineExtensionAmount>'
        "<cac:Item><cbc:Name>Widget</cbc:Name><cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID>"
        "<cbc:Percent>21</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>"
        "</cac:ClassifiedTaxCategory></cac:Item>"
        f'<cac:Price><cbc:PriceAmount currencyID="EUR">{net}</cbc:PriceAmount></cac:Price></cac:InvoiceLine>'
    )
    document = document.replace(
        "<cac:LegalMonetaryTotal>",
        f'<cac:LegalMonetaryTotal><cbc:LineExtensionAmount currencyID="EUR">{stated_total}</cbc:LineExtensionAmount>',
    )
    return document.replace("</Invoice>", f"{line_xml}</Invoice>").encode()


def test_ubl_line_total_mismatch_rejected(alfa_api, org_alfa):
    response = post_ubl(alfa_api, _ubl_with_line("100.00", "99.00"))

    error = assert_error(response, 400, "cac:LegalMonetaryTotal/cbc:LineExtensionAmount")
    assert "lines add up to 100.00" in error["message"]
    with tenant_context(org_alfa):
        assert not Invoice.objects.exists()


def test_ubl_bad_line_quantity_named(alfa_api):
    content = _ubl_with_line("100.00", "100.00")
    content = content.replace(b">1</cbc:InvoicedQuantity>", b">1.23456</cbc:InvoicedQuantity>")

    assert_error(post_ubl(alfa_api, content), 400, "cac:InvoiceLine[1]/cbc:InvoicedQuantity")


# --- PDF --------------------------------------------------------------------------------


def test_pdf_lists_lines_with_half_up_totals(alfa_api, org_alfa, alfa_debtor_id):
    post_json(alfa_api, INVOICES_URL, invoice_body(alfa_debtor_id, lines=[LINE_21, LINE_HALF_CENT]))
    with tenant_context(org_alfa):
        invoice = Invoice.objects.get(number="INV-L1")

    [page] = pdf_pages(render_invoice_pdf(invoice, language="en"))

    assert "No. Description Quantity Unit price VAT rate Amount excl. VAT" in page
    assert "1 Consultancy 1 €12.50 21% €12.50" in page
    assert "2 Sample 1 €0.625 0% €0.63" in page
    assert "Amount excl. VAT €13.13" in page
    assert "VAT €2.63" in page
    assert "Total incl. VAT €15.76" in page


def test_pdf_75_lines_page_layout(org_alfa, make_invoice):
    lines = [line(description="Item 001", unit_price="103.00", vat_rate="0")]
    lines += [line(description=f"Item {number:03d}", unit_price="57.00", vat_rate="0") for number in range(2, 76)]
    invoice = _register_with_lines(org_alfa, lines)

    pages = pdf_pages(render_invoice_pdf(invoice, language="en"))

    assert len(pages) == 3
    header = "No. Description Quantity Unit price VAT rate Amount excl. VAT"
    for number, text in enumerate(pages, start=1):
        assert text.count(header) == 1, number
        assert text.endswith(f"Page {number} of 3")
    everything = "\n".join(pages)
    for number in range(1, 76):
        assert everything.count(f"Item {number:03d}") == 1, number
    row = re.compile(r"^(\d+) Item (\d{3}) 1 €(\d+\.00) 0% €\3$", re.MULTILINE)
    rows = [match for text in pages for match in row.findall(text)]
    assert len(rows) == 75
    assert all(int(position) == int(item) for position, item, _ in rows)
    assert [text.count("Total incl. VAT €4,321.00") for text in pages] == [0, 0, 1]
    assert everything.count("4,321.00") == 3  # net, total and open amount, each once on the last page


def _register_with_lines(organization, lines) -> Invoice:
    totals = invoice_totals(lines)
    with tenant_context(organization):
        debtor = debtor_create(organization=organization, name="Lange Lijst BV", language="en")
        invoice, _ = invoice_register(
            organization=organization,
            debtor=debtor,
            number="INV-75",
            issue_date=dt.date(2026, 5, 1),
            total_amount=totals.gross,
            vat_amount=totals.vat,
            lines=lines,
        )
        return Invoice.objects.get(pk=invoice.pk)


# --- Tenant isolation -------------------------------------------------------------------


@pytest.fixture
def alfa_invoice_with_lines(alfa_api, org_alfa, alfa_debtor_id) -> Invoice:
    response = post_json(alfa_api, INVOICES_URL, invoice_body(alfa_debtor_id, lines=[LINE_21]))
    with tenant_context(org_alfa):
        return Invoice.objects.get(pk=response.json()["id"])


def test_other_tenant_cannot_read_lines(bravo_api, org_bravo, alfa_invoice_with_lines):
    assert_error(bravo_api.get(f"{INVOICES_URL}{alfa_invoice_with_lines.pk}/"), 404)
    assert bravo_api.get(INVOICES_URL).json()["results"] == []

    with tenant_context(org_bravo):
        assert InvoiceLine.objects.count() == 0
        assert InvoiceLine.objects_unscoped.filter(invoice_id=alfa_invoice_with_lines.pk).count() == 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM invoices_invoiceline")
            assert cursor.fetchone()[0] == 0


def test_other_tenant_cannot_change_lines(org_alfa, org_bravo, alfa_invoice_with_lines):
    with tenant_context(org_bravo):
        changed = InvoiceLine.objects_unscoped.filter(invoice_id=alfa_invoice_with_lines.pk).update(
            line_net=Decimal("0.01")
        )
        deleted, _ = InvoiceLine.objects_unscoped.filter(invoice_id=alfa_invoice_with_lines.pk).delete()

    assert (changed, deleted) == (0, 0)
    with tenant_context(org_alfa):
        assert list(InvoiceLine.objects.values_list("line_net", flat=True)) == [Decimal("12.50")]


def test_other_tenant_cannot_add_line(org_alfa, org_bravo, alfa_invoice_with_lines):
    with tenant_context(org_bravo), pytest.raises(DatabaseError, match="row-level security"):
        with transaction.atomic():
            InvoiceLine.objects_unscoped.create(
                organization=org_alfa,
                invoice_id=alfa_invoice_with_lines.pk,
                position=2,
                description="Injected",
                quantity=Decimal("1"),
                unit_price=Decimal("1000"),
                vat_rate=Decimal("0"),
                line_net=Decimal("1000.00"),
            )

    with tenant_context(org_alfa):
        assert InvoiceLine.objects.count() == 1


def test_api_money_output_rounds_half_up():
    assert money_field().to_representation(Decimal("0.625")) == "0.63"
    assert money_field().to_representation(Decimal("2.625")) == "2.63"
