"""Bad bank files are rejected with a clear error; bad entries are listed and the others kept."""

from decimal import Decimal

import pytest

from payments.bank_files import BankFileError
from payments.bank_reader import parse_bank_file
from payments.bank_services import bank_statement_import
from payments.models import BankStatement
from payt.api_errors import DomainError
from payt.tenancy import tenant_context
from tests.payments.bank_support import fixture_bytes

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"


def camt(entries: str, message_id: str = "<MsgId>MSG-1</MsgId>", namespace: str = NAMESPACE) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{namespace}"><BkToCstmrStmt>
<GrpHdr>{message_id}<CreDtTm>2026-04-01T08:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id><Acct><Id><IBAN>NL77ABNA0574908765</IBAN></Id></Acct>{entries}</Stmt>
</BkToCstmrStmt></Document>""".encode()


def entry(amount: str = '<Amt Ccy="EUR">10.00</Amt>', indicator: str = "CRDT", date: str = "2026-04-01") -> str:
    return (
        f"<Ntry>{amount}<CdtDbtInd>{indicator}</CdtDbtInd><Sts>BOOK</Sts>"
        f"<BookgDt><Dt>{date}</Dt></BookgDt></Ntry>"
    )


@pytest.mark.parametrize(
    "content, code, words",
    [
        (b"", "unknown_format", "neither CAMT XML nor MT940"),
        (b"date;amount\n2026-04-01;10.00\n", "unknown_format", "neither CAMT XML nor MT940"),
        (b"<Document><BkToCstmrStmt/></Document>", "wrong_root", "ISO 20022 camt namespace"),
        (camt(entry())[:-20], "malformed_xml", "not well-formed XML"),
        (camt(entry(), message_id=""), "missing_message_id", "GrpHdr/MsgId is missing"),
        (
            camt(entry(), namespace="urn:iso:std:iso:20022:tech:xsd:camt.052.001.02").replace(
                b"BkToCstmrStmt", b"BkToCstmrAcctRpt"
            ),
            "unsupported_message",
            "camt.052",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            + camt(entry()).split(b"?>", 1)[1].replace(b"<Id>S1</Id>", b"<Id>&x;</Id>"),
            "forbidden_dtd",
            "DOCTYPE",
        ),
    ],
)
def test_bad_file_rejected(content, code, words):
    with pytest.raises(BankFileError) as error:
        parse_bank_file(content)

    assert error.value.code == code
    assert words in error.value.message


def test_entity_expansion_rejected():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b"<Document><x>&lol2;</x></Document>"
    )

    with pytest.raises(BankFileError) as error:
        parse_bank_file(bomb)

    assert error.value.code == "forbidden_dtd"


def test_bad_entries_listed_good_ones_kept():
    content = camt(
        entry()
        + entry(indicator="CRDX")
        + entry(amount='<Amt Ccy="EUR">12,50</Amt>')
        + entry(amount='<Amt Ccy="XXY">5.00</Amt>')
        + entry(date="2026-02-30")
        + entry(amount='<Amt Ccy="EUR">1.005</Amt>')
        + entry(amount='<Amt Ccy="EUR">40.00</Amt>', indicator="DBIT")
    )

    parsed = parse_bank_file(content)

    assert [(entry.position, entry.amount) for entry in parsed.entries] == [
        ("1", Decimal("10.00")),
        ("7", Decimal("40.00")),
    ]
    rejected = {rejected.position: rejected.message for rejected in parsed.rejected}
    assert sorted(rejected) == ["2", "3", "4", "5", "6"]
    assert "Ntry/CdtDbtInd is 'CRDX'" in rejected["2"]
    assert "'12,50', which is not an amount" in rejected["3"]
    assert "currency 'XXY'" in rejected["4"]
    assert "'2026-02-30', which is not a date" in rejected["5"]
    assert "at most two decimals" in rejected["6"]


def test_batch_that_does_not_add_up_rejected():
    batch = (
        '<Ntry><Amt Ccy="EUR">30.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
        "<BookgDt><Dt>2026-04-01</Dt></BookgDt><NtryDtls>"
        '<TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">10.00</Amt></TxAmt></AmtDtls></TxDtls>'
        '<TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">15.00</Amt></TxAmt></AmtDtls></TxDtls>'
        "</NtryDtls></Ntry>"
    )

    parsed = parse_bank_file(camt(batch + entry()))

    assert [entry.position for entry in parsed.entries] == ["2"]
    [rejected] = parsed.rejected
    assert rejected.position == "1"
    assert "add up to 25.00 but the entry books 30.00" in rejected.message


@pytest.mark.django_db
def test_import_keeps_rejected_entries_on_statement(org_alfa):
    content = camt(entry() + entry(indicator="CRDX"))

    with tenant_context(org_alfa):
        result = bank_statement_import(organization=org_alfa, content=content, file_name="partly.xml")

    assert result.statement.entry_count == 1
    assert result.statement.rejected_entries == [
        {"position": "2", "message": "Ntry/CdtDbtInd is 'CRDX'; it must be CRDT or DBIT."}
    ]


@pytest.mark.django_db
def test_import_of_bad_file_stores_nothing(org_alfa):
    with tenant_context(org_alfa):
        with pytest.raises(DomainError) as error:
            bank_statement_import(organization=org_alfa, content=b"not a statement", file_name="x.txt")
        assert BankStatement.objects.count() == 0

    assert error.value.code == "unknown_format"
    assert error.value.field == "file"


def test_pending_entry_is_read():
    pending = entry().replace("<Sts>BOOK</Sts>", "<Sts>PDNG</Sts>")

    [parsed] = parse_bank_file(camt(pending)).entries

    assert parsed.booking_status == "PDNG"


def test_sample_files_parse_without_rejections():
    for name in ("test-camt053.xml", "test-camt054.xml", "test-camt053-txdtls.xml", "mt940-sample.sta"):
        assert parse_bank_file(fixture_bytes(name)).rejected == [], name
