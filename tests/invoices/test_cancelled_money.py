"""Money never lands on a cancelled invoice, and a cancelled invoice counts nowhere as open."""

import datetime as dt
from decimal import Decimal

import pytest

from dashboard.selectors import receivables_summary
from invoices.models import Invoice, InvoiceStatus, Payment, PaymentSource
from invoices.selectors import invoice_status, status_condition
from invoices.services import invoice_cancel, payment_allocate, payment_register
from payt.api_errors import DomainError
from payt.tenancy import tenant_context

TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def cancelled(org_alfa, make_invoice):
    invoice = make_invoice(org_alfa, number="ACME-4", total="400.00", due_date=dt.date(2026, 11, 1))
    replacement = make_invoice(
        org_alfa, number="ACME-5", total="390.00", due_date=dt.date(2026, 11, 30), debtor=invoice.debtor
    )
    with tenant_context(org_alfa):
        invoice_cancel(invoice=invoice, reason="Wrong price", replaced_by=replacement)
        invoice.refresh_from_db()
    return invoice


def test_late_payment_for_cancelled_invoice_stays_unallocated(org_alfa, cancelled):
    with tenant_context(org_alfa):
        payment, _ = payment_register(
            organization=org_alfa,
            amount=Decimal("400.00"),
            payment_date=TODAY,
            invoices=[cancelled],
            source=PaymentSource.MOLLIE,
            external_id="tr_late",
        )
        cancelled.refresh_from_db()
        allocated = list(Payment.objects.get(pk=payment.pk).allocations.all())

    assert allocated == []
    assert cancelled.open_amount == Decimal("400.00")
    assert invoice_status(cancelled, TODAY) == InvoiceStatus.CANCELLED


def test_person_cannot_allocate_to_cancelled_invoice(org_alfa, cancelled):
    with tenant_context(org_alfa):
        payment, _ = payment_register(
            organization=org_alfa, amount=Decimal("5.00"), payment_date=TODAY, debtor=cancelled.debtor
        )
        with pytest.raises(DomainError) as refused:
            payment_allocate(payment=payment, invoice=cancelled, amount=Decimal("5.00"))

    assert refused.value.code == "invoice_cancelled"
    assert refused.value.field == "invoice"
    assert "ACME-5" in refused.value.message


def test_cancelled_invoice_is_left_out_of_totals_and_overdue(org_alfa, cancelled):
    with tenant_context(org_alfa):
        overdue = _numbers(InvoiceStatus.OVERDUE)
        listed = _numbers(InvoiceStatus.CANCELLED)
        [summary] = receivables_summary(org_alfa, TODAY)

    assert overdue == []
    assert listed == ["ACME-4"]
    assert summary.open_amount == Decimal("390.00")
    assert summary.overdue_amount == Decimal("0.00")


def _numbers(status: str) -> list[str]:
    return list(Invoice.objects.filter(status_condition(status, TODAY)).values_list("number", flat=True))
