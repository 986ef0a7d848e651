"""Helpers of the bank-statement tests: fixture files and seeded invoices."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

from debtors.models import Debtor
from debtors.services import debtor_create
from invoices.models import Invoice
from invoices.services import invoice_register
from payments.bank_services import ImportResult, bank_statement_import
from payments.models import BankStatementEntry
from payt.models import Organization
from payt.tenancy import tenant_context

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bank"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def import_fixture(organization: Organization, name: str, user=None) -> ImportResult:
    with tenant_context(organization):
        return bank_statement_import(organization=organization, content=fixture_bytes(name), file_name=name, user=user)


def seed_invoice(
    organization: Organization,
    *,
    number: str,
    total: str,
    debtor_name: str,
    currency: str = "EUR",
    payment_reference: str = "",
    iban: str = "",
    issue_date: dt.date = dt.date(2013, 12, 1),
) -> Invoice:
    """Register an invoice for the named debtor, creating the debtor on first use."""
    with tenant_context(organization):
        debtor = Debtor.objects.filter(name=debtor_name).first()
        if debtor is None:
            debtor = debtor_create(organization=organization, name=debtor_name, iban=iban)
        invoice, _ = invoice_register(
            organization=organization,
            debtor=debtor,
            number=number,
            issue_date=issue_date,
            due_date=issue_date + dt.timedelta(days=30),
            total_amount=Decimal(total),
            currency=currency,
            payment_reference=payment_reference,
        )
    return invoice


def entries_by_position(organization: Organization, result: ImportResult) -> dict[str, BankStatementEntry]:
    with tenant_context(organization):
        entries = BankStatementEntry.objects.filter(statement=result.statement).select_related("payment")
        return {entry.position: entry for entry in entries}


def refreshed(organization: Organization, invoice: Invoice) -> Invoice:
    with tenant_context(organization):
        return Invoice.objects.get(pk=invoice.pk)
