"""The bank's sample files imported against seeded invoices, and imported a second time.

test-camt053.xml contains a direct debit collected from us (754.25), a returned
direct debit batch with reason AC06 (564.05 + 100.00) and a credit of 1405.31
from "3rd party Media". The AC06 batch reverses the collection in
camt053-direct-debit-collection.xml, which is imported first.
"""

import datetime as dt
from decimal import Decimal

import pytest

from debtors.models import Debtor, TimelineEvent
from invoices.models import Payment, PaymentSource, SettlementStatus
from payments.bank_services import bank_statement_import
from payments.models import (
    BankEntryNote,
    BankEntryStatus,
    BankEntrySuggestion,
    BankStatement,
    BankStatementEntry,
    MatchMethod,
)
from payt.api_errors import DomainError
from payt.tenancy import tenant_context
from tests.payments.bank_support import entries_by_position, fixture_bytes, import_fixture, refreshed, seed_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def media_invoice(org_alfa):
    """The invoice the credit of 1405.31 pays; its debtor is known by the account it pays from."""
    return seed_invoice(
        org_alfa, number="2013-0917", total="1405.31", debtor_name="3rd Party Media B.V.", iban="NL69ABNA0522123643"
    )


@pytest.fixture
def collected_invoices(org_alfa):
    """Two invoices of Test Customer, paid by the direct debit collection that AC06 reverses."""
    return [
        seed_invoice(org_alfa, number="2014000410", total="564.05", debtor_name="Test Customer"),
        seed_invoice(org_alfa, number="2014000411", total="100.00", debtor_name="Test Customer"),
    ]


def test_collection_references_pay_both_invoices(org_alfa, collected_invoices):
    first, second = collected_invoices
    assert first.payment_reference == "8000002014000410"
    assert second.payment_reference == "6000002014000411"

    result = import_fixture(org_alfa, "camt053-direct-debit-collection.xml")

    entries = entries_by_position(org_alfa, result)
    assert sorted(entries) == ["1.1", "1.2"]
    for position, invoice, amount in (("1.1", first, "564.05"), ("1.2", second, "100.00")):
        entry = entries[position]
        assert entry.status == BankEntryStatus.APPLIED
        assert entry.match_method == MatchMethod.REFERENCE
        assert entry.match_confidence == 100
        assert entry.amount == Decimal(amount)
        assert entry.payment.source == PaymentSource.BANK
        assert entry.payment.amount == Decimal(amount)
        assert entry.payment.payment_date == dt.date(2014, 1, 2)
        assert refreshed(org_alfa, invoice).settlement_status == SettlementStatus.PAID


def test_camt053_sample_entries(org_alfa):
    result = import_fixture(org_alfa, "test-camt053.xml")

    statement = result.statement
    assert result.created is True
    assert statement.file_format == "camt.053"
    assert statement.message_id == "TESTBANK/NL/1420561226673"
    assert statement.account_iban == "NL77ABNA0574908765"
    assert statement.rejected_entries == []

    entries = entries_by_position(org_alfa, result)
    assert sorted(entries) == ["1", "2.1", "2.2", "3"]

    debit = entries["1"]
    assert (debit.credit_debit, debit.amount, debit.currency) == ("DBIT", Decimal("754.25"), "EUR")
    assert debit.is_reversal is False
    assert debit.booking_date == dt.date(2014, 1, 5)
    assert debit.end_to_end_id == "435005714488-ABNO33052620"
    assert debit.counterparty_name == "INSURANCE COMPANY TESTX"
    assert debit.bank_transaction_code == "PMNT/RDDT/ESDD EI"
    assert debit.status == BankEntryStatus.IGNORED
    assert debit.note == BankEntryNote.DEBIT

    for position, amount, end_to_end_id in (
        ("2.1", "564.05", "TESTBANK/NL/20141229/01206408"),
        ("2.2", "100.00", "TESTBANK/NL/20141229/01206407"),
    ):
        reversal = entries[position]
        assert (reversal.credit_debit, reversal.amount) == ("DBIT", Decimal(amount))
        assert reversal.is_reversal is True
        assert reversal.return_reason == "AC06"
        assert reversal.end_to_end_id == end_to_end_id
        assert reversal.remittance_text == "Direct Debit S14 0410"
        assert reversal.counterparty_iban == "NL46ABNA0499998748"
        assert reversal.bank_transaction_code == "PMNT/IDDT/UPDD EIST"

    credit = entries["3"]
    assert (credit.credit_debit, credit.amount, credit.currency) == ("CRDT", Decimal("1405.31"), "EUR")
    assert credit.value_date == dt.date(2014, 1, 5)
    assert credit.end_to_end_id == "115"
    assert credit.counterparty_name == "3rd party Media"
    assert credit.counterparty_iban == "NL69ABNA0522123643"
    assert credit.additional_info == "#RD PARTY MEDIA CUSNO 90782 4210773"
    assert credit.bank_transaction_code == "PMNT/RCDT/ESCT ET"


def test_camt053_sample_applied_and_reversed(org_alfa, media_invoice, collected_invoices):
    import_fixture(org_alfa, "camt053-direct-debit-collection.xml")
    first, second = collected_invoices
    assert refreshed(org_alfa, first).open_amount == Decimal("0.00")

    result = import_fixture(org_alfa, "test-camt053.xml")

    entries = entries_by_position(org_alfa, result)
    credit = entries["3"]
    assert credit.status == BankEntryStatus.APPLIED
    assert credit.match_method == MatchMethod.PAYER_IBAN
    assert credit.match_confidence == 90
    assert credit.payment.amount == Decimal("1405.31")
    assert credit.payment.payment_date == dt.date(2014, 1, 5)
    media_invoice = refreshed(org_alfa, media_invoice)
    assert media_invoice.open_amount == Decimal("0.00")
    assert media_invoice.settlement_status == SettlementStatus.PAID

    for position, invoice, amount in (("2.1", first, "564.05"), ("2.2", second, "100.00")):
        reversal = entries[position]
        assert reversal.status == BankEntryStatus.REVERSED
        assert reversal.match_method == MatchMethod.ORIGINAL_PAYMENT
        invoice = refreshed(org_alfa, invoice)
        assert invoice.open_amount == Decimal(amount)
        assert invoice.settlement_status == SettlementStatus.OPEN
        with tenant_context(org_alfa):
            payment = Payment.objects.get(pk=reversal.reversed_payment_id)
            assert payment.reversed_amount == Decimal(amount)
            assert payment.allocations.count() == 0

    with tenant_context(org_alfa):
        returns = TimelineEvent.objects.filter(data__event="bank_return").order_by("data__amount")
        assert [(event.data["amount"], event.data["reason"]) for event in returns] == [
            ("100.00", "AC06"),
            ("564.05", "AC06"),
        ]


def test_camt053_second_import_changes_nothing(org_alfa, media_invoice, collected_invoices):
    import_fixture(org_alfa, "camt053-direct-debit-collection.xml")
    first = import_fixture(org_alfa, "test-camt053.xml")
    with tenant_context(org_alfa):
        before = {
            "payments": list(Payment.objects.values_list("id", "amount", "reversed_amount").order_by("id")),
            "entries": BankStatementEntry.objects.count(),
            "statements": BankStatement.objects.count(),
            "suggestions": BankEntrySuggestion.objects.count(),
            "timeline": TimelineEvent.objects.count(),
        }

    second = import_fixture(org_alfa, "test-camt053.xml")

    assert second.created is False
    assert second.statement.pk == first.statement.pk
    assert second.counts == first.counts
    with tenant_context(org_alfa):
        after = {
            "payments": list(Payment.objects.values_list("id", "amount", "reversed_amount").order_by("id")),
            "entries": BankStatementEntry.objects.count(),
            "statements": BankStatement.objects.count(),
            "suggestions": BankEntrySuggestion.objects.count(),
            "timeline": TimelineEvent.objects.count(),
        }
    assert after == before
    assert refreshed(org_alfa, media_invoice).open_amount == Decimal("0.00")


def test_same_message_id_other_bytes_is_duplicate(org_alfa):
    first = import_fixture(org_alfa, "test-camt053.xml")

    reformatted = fixture_bytes("test-camt053.xml").replace(b"    ", b"  ")
    with tenant_context(org_alfa):
        second = bank_statement_import(organization=org_alfa, content=reformatted, file_name="again.xml")

    assert second.created is False
    assert second.statement.pk == first.statement.pk


def test_same_message_id_other_amount_conflicts(org_alfa):
    first = import_fixture(org_alfa, "test-camt053.xml")
    corrected = fixture_bytes("test-camt053.xml").replace(b">1405.31</Amt>", b">1405.13</Amt>")
    assert corrected != fixture_bytes("test-camt053.xml")

    with tenant_context(org_alfa), pytest.raises(DomainError) as raised:
        bank_statement_import(organization=org_alfa, content=corrected, file_name="corrected.xml")

    assert raised.value.code == "conflict"
    assert raised.value.status_code == 409
    assert first.statement.message_id in raised.value.message
    with tenant_context(org_alfa):
        assert BankStatement.objects.count() == 1


def test_camt054_sample_matched_by_reference(org_alfa):
    # The QR reference of the sample fails its own check digit, so it counts
    # only because the invoice carries exactly this reference.
    invoice = seed_invoice(
        org_alfa,
        number="QR-0003",
        total="5.00",
        debtor_name="Test Customer",
        payment_reference="000000000000000000000000003",
    )

    result = import_fixture(org_alfa, "test-camt054.xml")

    assert result.statement.file_format == "camt.054"
    assert result.statement.message_id == "20220126375204763458853"
    [entry] = entries_by_position(org_alfa, result).values()
    assert entry.position == "1"
    assert (entry.credit_debit, entry.amount, entry.currency) == ("CRDT", Decimal("5.00"), "EUR")
    assert entry.structured_reference == "000000000000000000000000003"
    assert entry.reference_type == "QRR"
    assert entry.end_to_end_id == "ENDTOENDID-01"
    assert entry.bank_reference == "15180015077602405"
    assert entry.counterparty_name == "Test Customer"
    assert entry.match_method == MatchMethod.REFERENCE
    assert entry.match_confidence == 90
    assert entry.status == BankEntryStatus.APPLIED
    assert refreshed(org_alfa, invoice).settlement_status == SettlementStatus.PAID


def test_camt053_batch_split_by_transaction(org_alfa):
    # The Swiss sample books one entry of 3483.00 CHF for two ISR payments.
    isr_invoice = seed_invoice(
        org_alfa,
        number="CH-1296",
        total="1296.00",
        currency="CHF",
        debtor_name="Banque Cantonale Vaudoise",
        payment_reference="302388292000022222222222222",
    )
    named_invoice = seed_invoice(
        org_alfa, number="CH-2187", total="2187.00", currency="CHF", debtor_name="Banque Cantonale Vaudoise"
    )

    result = import_fixture(org_alfa, "test-camt053-txdtls.xml")

    entries = entries_by_position(org_alfa, result)
    assert sorted(entries) == ["1.1", "1.2"]
    by_reference = entries["1.2"]
    assert by_reference.amount == Decimal("1296.00")
    assert by_reference.currency == "CHF"
    assert by_reference.booking_date == dt.date(2017, 3, 22)
    assert by_reference.value_date == dt.date(2017, 3, 23)
    assert by_reference.status == BankEntryStatus.APPLIED
    assert refreshed(org_alfa, isr_invoice).open_amount == Decimal("0.00")

    by_name = entries["1.1"]
    assert by_name.amount == Decimal("2187.00")
    assert by_name.match_method == MatchMethod.PAYER_NAME
    assert by_name.match_confidence == 75
    assert by_name.status == BankEntryStatus.REVIEW
    assert by_name.note == BankEntryNote.UNSURE
    with tenant_context(org_alfa):
        [suggestion] = by_name.suggestions.all()
    assert (suggestion.invoice_id, suggestion.amount) == (named_invoice.pk, Decimal("2187.00"))
    assert refreshed(org_alfa, named_invoice).open_amount == Decimal("2187.00")


def test_credit_without_known_payer_waits(org_alfa):
    # Same amount as the sample credit, but no IBAN on the debtor and another name.
    invoice = seed_invoice(org_alfa, number="2013-0917", total="1405.31", debtor_name="Mediahuis Noord")
    seed_invoice(org_alfa, number="2013-0918", total="1405.31", debtor_name="Mediahuis Zuid")

    result = import_fixture(org_alfa, "test-camt053.xml")

    credit = entries_by_position(org_alfa, result)["3"]
    assert credit.status == BankEntryStatus.REVIEW
    assert credit.note == BankEntryNote.NO_MATCH
    assert credit.payment is None
    assert refreshed(org_alfa, invoice).open_amount == Decimal("1405.31")


def test_reversal_without_original_waits(org_alfa):
    result = import_fixture(org_alfa, "test-camt053.xml")

    entries = entries_by_position(org_alfa, result)
    for position in ("2.1", "2.2"):
        assert entries[position].status == BankEntryStatus.REVIEW
        assert entries[position].note == BankEntryNote.ORIGINAL_NOT_FOUND


def test_applied_reference_remembers_payer_iban(org_alfa):
    invoice = seed_invoice(org_alfa, number="2026000123", total="1656.25", debtor_name="3rd Party Media B.V.")

    import_fixture(org_alfa, "mt940-sample.sta")

    with tenant_context(org_alfa):
        assert Debtor.objects.get(pk=invoice.debtor_id).iban == "NL69ABNA0522123643"


def test_booking_reported_twice_applied_once(org_alfa):
    # Banks that send CAMT.054 notifications and CAMT.053 statements report each booking twice.
    invoice = seed_invoice(
        org_alfa,
        number="QR-0003",
        total="5.00",
        debtor_name="Test Customer",
        payment_reference="000000000000000000000000003",
    )
    import_fixture(org_alfa, "test-camt054.xml")
    statement_copy = fixture_bytes("test-camt054.xml").replace(b"20220126375204763458853", b"STATEMENT-20220126")

    with tenant_context(org_alfa):
        result = bank_statement_import(organization=org_alfa, content=statement_copy, file_name="statement.xml")
        [copy] = BankStatementEntry.objects.filter(statement=result.statement)
        payments = Payment.objects.count()

    assert result.created is True
    assert copy.status == BankEntryStatus.DUPLICATE
    assert copy.note == BankEntryNote.DUPLICATE
    assert copy.payment is None
    assert payments == 1
    assert refreshed(org_alfa, invoice).open_amount == Decimal("0.00")
