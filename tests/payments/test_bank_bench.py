"""Benchmark of a bank-statement import; run with ``-m bench -s`` to see the figure.

It asserts only that the work was done, never a duration.
"""

import datetime as dt
import time
from decimal import Decimal

import pytest

from debtors.services import debtor_create
from invoices.models import Invoice
from invoices.services import invoice_register
from payments.bank_services import bank_statement_import
from payt.tenancy import tenant_context

pytestmark = [pytest.mark.bench, pytest.mark.django_db]

INVOICES = 500
UNMATCHED = 100


def statement_with_references(references: list[str], unmatched: int) -> bytes:
    entries = []
    for index, reference in enumerate(references + [""] * unmatched):
        remittance = "<RmtInf><Ustrd>no reference</Ustrd></RmtInf>"
        if reference:
            remittance = f"<RmtInf><Strd><CdtrRefInf><Ref>{reference}</Ref></CdtrRefInf></Strd></RmtInf>"
        entries.append(
            f'<Ntry><Amt Ccy="EUR">{100 + index % 50}.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
            f"<BookgDt><Dt>2026-04-01</Dt></BookgDt><AcctSvcrRef>B{index}</AcctSvcrRef><NtryDtls><TxDtls>"
            f"<Refs><EndToEndId>E{index}</EndToEndId></Refs>"
            f"<RltdPties><Dbtr><Nm>Payer {index}</Nm></Dbtr></RltdPties>{remittance}</TxDtls></NtryDtls></Ntry>"
        )
    return (
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>BENCH-1</MsgId><CreDtTm>2026-04-01T08:00:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>S</Id><Acct><Id><IBAN>NL77ABNA0574908765</IBAN></Id></Acct>{''.join(entries)}</Stmt>"
        "</BkToCstmrStmt></Document>"
    ).encode()


def test_import_bench(org_alfa):
    with tenant_context(org_alfa):
        debtor = debtor_create(organization=org_alfa, name="Bench Debtor")
        for index in range(INVOICES):
            invoice_register(
                organization=org_alfa,
                debtor=debtor,
                number=str(2026000000 + index),
                issue_date=dt.date(2026, 3, 1),
                total_amount=Decimal(f"{100 + index % 50}.00"),
            )
        references = list(Invoice.objects.order_by("number").values_list("payment_reference", flat=True))
        content = statement_with_references(references, UNMATCHED)

        started = time.perf_counter()
        result = bank_statement_import(organization=org_alfa, content=content, file_name="bench.xml")
        elapsed = time.perf_counter() - started

    assert result.counts["applied"] == INVOICES
    assert result.counts["review"] == UNMATCHED
    print(  # noqa: T201 (the benchmark's output)
        f"\nbank import: {INVOICES + UNMATCHED} entries against {INVOICES} open invoices, "
        f"{len(content):,} bytes: {elapsed:.2f} s ({elapsed / (INVOICES + UNMATCHED) * 1000:.1f} ms per entry)"
    )
