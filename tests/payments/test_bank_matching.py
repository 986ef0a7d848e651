"""The matcher on its own: methods in order, confidences, and amounts spread over invoices."""

import datetime as dt
import uuid
from decimal import Decimal

from payments.bank_files import ParsedEntry
from payments.bank_matching import (
    AUTO_APPLY_CONFIDENCE,
    OpenInvoice,
    OpenInvoiceIndex,
    match_credit,
    payer_name_key,
)
from payments.models import MatchMethod

DEBTOR_A = uuid.uuid4()
DEBTOR_B = uuid.uuid4()


def invoice(number: str, amount: str, debtor=DEBTOR_A, due: int = 1, reference: str = "", currency="EUR"):
    return OpenInvoice(uuid.uuid4(), number, debtor, currency, Decimal(amount), dt.date(2026, 1, due), reference)


def credit(amount: str, **fields) -> ParsedEntry:
    return ParsedEntry(position="1", amount=Decimal(amount), currency="EUR", credit_debit="CRDT", **fields)


def index(*invoices, ibans=None, names=None) -> OpenInvoiceIndex:
    return OpenInvoiceIndex(
        invoices=list(invoices),
        debtor_ibans=ibans or {},
        debtor_names=names or {DEBTOR_A: "Noordkade Logistics B.V.", DEBTOR_B: "Zuidpoort Transport"},
    )


def allocated(result) -> list[tuple[str, Decimal]]:
    return [(open_invoice.number, amount) for open_invoice, amount in result.allocations]


def test_reference_exact():
    target = invoice("2026-7", "80.00", reference="5000002026000123")
    result = match_credit(credit("80.00", structured_reference="5000 0020 2600 0123"), index(target))

    assert (result.method, result.confidence) == (MatchMethod.REFERENCE, 100)
    assert result.is_confident


def test_reference_typed_in_description():
    target = invoice("2026-7", "80.00", reference="+++312/4013/98067+++")
    result = match_credit(credit("30.00", remittance_text="betaling 312/4013/98067 deel 1"), index(target))

    assert (result.method, result.confidence) == (MatchMethod.REFERENCE, 95)
    assert allocated(result) == [("2026-7", Decimal("30.00"))]


def test_reference_overpaid_waits():
    target = invoice("2026-7", "80.00", reference="RF18539007547034")
    result = match_credit(credit("100.00", structured_reference="RF18539007547034"), index(target))

    assert (result.method, result.confidence) == (MatchMethod.REFERENCE, 75)
    assert not result.is_confident


def test_reference_before_invoice_number():
    by_reference = invoice("2026-7", "80.00", reference="RF18539007547034")
    by_number = invoice("2026-0042", "80.00")
    entry = credit("80.00", structured_reference="RF18539007547034", remittance_text="2026-0042")

    assert allocated(match_credit(entry, index(by_reference, by_number))) == [("2026-7", Decimal("80.00"))]


def test_invoice_numbers_listed_with_slash():
    first = invoice("2026-0042", "100.00", due=1)
    second = invoice("2026-0043", "150.00", due=2)
    result = match_credit(credit("250.00", remittance_text="facturen 2026-0042/2026-0043"), index(first, second))

    assert (result.method, result.confidence) == (MatchMethod.INVOICE_NUMBER, 90)
    assert allocated(result) == [("2026-0042", Decimal("100.00")), ("2026-0043", Decimal("150.00"))]


def test_short_invoice_number_not_searched():
    result = match_credit(credit("55.00", remittance_text="order 12 of 2026"), index(invoice("12", "60.00")))

    assert result.method == MatchMethod.NONE


def test_payer_iban_one_invoice_of_that_amount():
    entry = credit("150.00", counterparty_iban="NL91 ABNA 0417 1643 00")
    invoices = (invoice("A-1", "100.00"), invoice("A-2", "150.00"), invoice("B-1", "150.00", debtor=DEBTOR_B))

    result = match_credit(entry, index(*invoices, ibans={"NL91ABNA0417164300": [DEBTOR_A]}))

    assert (result.method, result.confidence) == (MatchMethod.PAYER_IBAN, AUTO_APPLY_CONFIDENCE)
    assert allocated(result) == [("A-2", Decimal("150.00"))]


def test_payer_iban_whole_balance():
    entry = credit("250.00", counterparty_iban="NL91ABNA0417164300")
    invoices = (invoice("A-1", "100.00", due=2), invoice("A-2", "150.00", due=1))

    result = match_credit(entry, index(*invoices, ibans={"NL91ABNA0417164300": [DEBTOR_A]}))

    assert result.confidence == 90
    assert allocated(result) == [("A-2", Decimal("150.00")), ("A-1", Decimal("100.00"))]


def test_payer_iban_two_invoices_of_that_amount_waits():
    entry = credit("150.00", counterparty_iban="NL91ABNA0417164300")
    invoices = (invoice("A-1", "150.00", due=1), invoice("A-2", "150.00", due=2))

    result = match_credit(entry, index(*invoices, ibans={"NL91ABNA0417164300": [DEBTOR_A]}))

    assert result.confidence == 70
    assert allocated(result) == [("A-1", Decimal("150.00"))]


def test_payer_name_ignores_legal_form_and_case():
    assert payer_name_key("Noordkade Logistics B.V.") == payer_name_key("NOORDKADE LOGISTICS BV")
    assert payer_name_key("Café Zürich GmbH") == "cafe zurich"

    result = match_credit(
        credit("150.00", counterparty_name="NOORDKADE LOGISTICS"), index(invoice("A-2", "150.00"))
    )

    assert (result.method, result.confidence) == (MatchMethod.PAYER_NAME, 75)
    assert not result.is_confident


def test_amount_only_when_one_invoice_has_it():
    single = index(invoice("A-1", "99.99"), invoice("B-1", "10.00", debtor=DEBTOR_B))
    double = index(invoice("A-1", "99.99"), invoice("B-1", "99.99", debtor=DEBTOR_B))

    assert match_credit(credit("99.99"), single).method == MatchMethod.AMOUNT
    assert match_credit(credit("99.99"), single).confidence == 50
    assert match_credit(credit("99.99"), double).method == MatchMethod.NONE


def test_other_currency_not_matched():
    target = invoice("2026-7", "80.00", reference="RF18539007547034", currency="GBP")

    assert match_credit(credit("80.00", structured_reference="RF18539007547034"), index(target)).method == ""


def test_consumed_invoice_not_matched_twice():
    target = invoice("2026-7", "80.00", reference="RF18539007547034")
    shared = index(target)
    entry = credit("80.00", structured_reference="RF18539007547034")

    first = match_credit(entry, shared)
    shared.consume(first.allocations)
    second = match_credit(entry, shared)

    assert first.is_confident
    assert second.method == MatchMethod.NONE
