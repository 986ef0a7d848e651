"""MT940 import: the sample written for these tests, and files with bad transactions."""

import datetime as dt
from decimal import Decimal

import pytest

from invoices.models import PaymentSource, SettlementStatus
from invoices.services import payment_register
from payments.bank_reader import parse_bank_file
from payments.models import BankEntryNote, BankEntryStatus, MatchMethod
from payt.tenancy import tenant_context
from tests.payments.bank_support import entries_by_position, fixture_bytes, import_fixture, refreshed, seed_invoice

MT940_HEADER = ":20:P260401000000001\r\n:25:NL77ABNA0574908765EUR\r\n:28C:00091/1\r\n:60F:C260331EUR1000,00\r\n"


def mt940(*lines: str) -> bytes:
    return (MT940_HEADER + "\r\n".join(lines) + "\r\n:62F:C260401EUR1000,00\r\n-\r\n").encode()


def test_mt940_sample_fields():
    parsed = parse_bank_file(fixture_bytes("mt940-sample.sta"))

    assert parsed.file_format == "mt940"
    assert parsed.message_id == "MT940 P260312000000001/NL77ABNA0574908765EUR/00072.1"
    assert parsed.account_iban == "NL77ABNA0574908765"
    assert parsed.rejected == []
    assert [entry.position for entry in parsed.entries] == ["1", "2", "3", "4"]

    structured, text, debit, returned = parsed.entries
    assert structured.amount == Decimal("1656.25")
    assert structured.credit_debit == "CRDT"
    assert structured.booking_date == dt.date(2026, 3, 12)
    assert structured.structured_reference == "5000002026000123"
    assert structured.counterparty_name == "3rd party Media"
    assert structured.counterparty_iban == "NL69ABNA0522123643"
    assert structured.end_to_end_id == "2603120001"
    assert structured.bank_reference == "0312A7781"

    assert text.remittance_text == "Factuur INV-2026-0042 en INV-2026-0043"
    assert text.end_to_end_id == ""

    assert (debit.credit_debit, debit.amount, debit.is_reversal) == ("DBIT", Decimal("42.10"), False)

    assert (returned.credit_debit, returned.amount, returned.is_reversal) == ("DBIT", Decimal("98.40"), True)
    assert returned.return_reason == "MD06"
    assert returned.end_to_end_id == "DD-2026-0007-3"
    assert returned.counterparty_name == "J. de Vries"


@pytest.mark.django_db
def test_mt940_sample_matched(org_alfa):
    by_reference = seed_invoice(org_alfa, number="2026000123", total="1656.25", debtor_name="3rd Party Media B.V.")
    listed = [
        seed_invoice(org_alfa, number="INV-2026-0042", total="100.00", debtor_name="Noordkade Logistics"),
        seed_invoice(org_alfa, number="INV-2026-0043", total="150.00", debtor_name="Noordkade Logistics"),
    ]
    collected = seed_invoice(org_alfa, number="INV-2026-0007", total="98.40", debtor_name="J. de Vries")
    with tenant_context(org_alfa):
        # The accounting package recorded the direct debit under its end-to-end id.
        payment_register(
            organization=org_alfa,
            amount=Decimal("98.40"),
            payment_date=dt.date(2026, 3, 2),
            invoice=collected,
            external_id="DD-2026-0007-3",
        )
    assert refreshed(org_alfa, collected).settlement_status == SettlementStatus.PAID

    result = import_fixture(org_alfa, "mt940-sample.sta")

    entries = entries_by_position(org_alfa, result)
    assert entries["1"].match_method == MatchMethod.REFERENCE
    assert entries["1"].match_confidence == 100
    assert entries["1"].status == BankEntryStatus.APPLIED
    assert entries["1"].payment.source == PaymentSource.BANK
    assert refreshed(org_alfa, by_reference).settlement_status == SettlementStatus.PAID

    assert entries["2"].match_method == MatchMethod.INVOICE_NUMBER
    assert entries["2"].status == BankEntryStatus.APPLIED
    for invoice in listed:
        assert refreshed(org_alfa, invoice).settlement_status == SettlementStatus.PAID

    assert entries["3"].status == BankEntryStatus.IGNORED
    assert entries["3"].note == BankEntryNote.DEBIT

    assert entries["4"].status == BankEntryStatus.REVERSED
    collected = refreshed(org_alfa, collected)
    assert collected.open_amount == Decimal("98.40")
    assert collected.settlement_status == SettlementStatus.OPEN


@pytest.mark.django_db
def test_mt940_second_import_changes_nothing(org_alfa):
    first = import_fixture(org_alfa, "mt940-sample.sta")
    second = import_fixture(org_alfa, "mt940-sample.sta")

    assert first.created is True
    assert second.created is False
    assert second.statement.pk == first.statement.pk


def test_mt940_bad_transaction_reported_by_position():
    content = mt940(
        ":61:2604010401C10,00NTRFNONREF//A1",
        ":86:/NAME/Eerste/REMI/USTD//een/",
        ":61:2604010401X12,00NTRFNONREF//A2",
        ":86:/NAME/Kapot/REMI/USTD//twee/",
        ":61:2604010401C30,00NTRFNONREF//A3",
        ":86:/NAME/Derde/REMI/USTD//drie/",
    )

    parsed = parse_bank_file(content)

    assert [entry.position for entry in parsed.entries] == ["1", "3"]
    assert [entry.amount for entry in parsed.entries] == [Decimal("10.00"), Decimal("30.00")]
    [rejected] = parsed.rejected
    assert rejected.position == "2"
    assert ":61:2604010401X12,00" in rejected.message


def test_mt940_free_text_details_kept():
    parsed = parse_bank_file(mt940(":61:2604010401C10,00NTRFNONREF//A1", ":86:BETALING FACTUUR 2026-0099", "J JANSEN"))

    [entry] = parsed.entries
    assert entry.remittance_text == "BETALING FACTUUR 2026-0099 J JANSEN"
    assert entry.counterparty_name == ""


def test_mt940_several_statements_positions():
    second = MT940_HEADER.replace("00091/1", "00092/1") + ":61:2604020402C5,00NTRFNONREF//B1\r\n-\r\n"
    content = mt940(":61:2604010401C10,00NTRFNONREF//A1") + second.encode()

    parsed = parse_bank_file(content)

    assert [entry.position for entry in parsed.entries] == ["1:1", "2:1"]
    assert parsed.message_id.count("NL77ABNA0574908765EUR") == 2


def test_mt940_content_naming_a_file_is_not_read(tmp_path):
    # The library's parse() opens a string that names a file; uploaded bytes never go there.
    path = tmp_path / "statement.sta"
    path.write_bytes(fixture_bytes("mt940-sample.sta"))

    with pytest.raises(ValueError) as error:
        parse_bank_file(str(path).encode())

    assert "neither CAMT XML nor MT940" in str(error.value)
