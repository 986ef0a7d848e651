"""Taking money back from a payment: which allocations go first, and undoing it."""

import datetime as dt
from decimal import Decimal

import pytest

from invoices.models import Invoice, Payment
from invoices.services import payment_register, payment_release, payment_reverse_undo
from payt.tenancy import tenant_context

TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def two_invoices(org_alfa, make_invoice):
    older = make_invoice(org_alfa, number="R-1", total="60.00", due_date=dt.date(2026, 10, 1))
    newer = make_invoice(org_alfa, number="R-2", total="40.00", due_date=dt.date(2026, 11, 1), debtor=older.debtor)
    return older, newer


def register(organization, amount: str, invoices) -> Payment:
    with tenant_context(organization):
        payment, _ = payment_register(
            organization=organization,
            amount=Decimal(amount),
            payment_date=TODAY,
            invoices=list(invoices),
            debtor=invoices[0].debtor if invoices else None,
        )
    return payment


def open_amounts(organization, invoices) -> list[Decimal]:
    with tenant_context(organization):
        return [Invoice.objects.get(pk=invoice.pk).open_amount for invoice in invoices]


def reversed_of(organization, payment) -> Decimal:
    with tenant_context(organization):
        return Payment.objects.get(pk=payment.pk).reversed_amount


def test_release_takes_unallocated_first(org_alfa, two_invoices):
    payment = register(org_alfa, "120.00", two_invoices)

    with tenant_context(org_alfa):
        released = payment_release(payment=payment, amount=Decimal("30.00"), reason="test")

    assert {invoice.number: amount for invoice, amount in released.items()} == {"R-2": Decimal("10.00")}
    assert open_amounts(org_alfa, two_invoices) == [Decimal("0.00"), Decimal("10.00")]
    assert reversed_of(org_alfa, payment) == Decimal("30.00")


def test_release_newest_allocation_first(org_alfa, two_invoices):
    payment = register(org_alfa, "100.00", two_invoices)

    with tenant_context(org_alfa):
        released = payment_release(payment=payment, amount=Decimal("70.00"), reason="test")

    assert {invoice.number: amount for invoice, amount in released.items()} == {
        "R-2": Decimal("40.00"),
        "R-1": Decimal("30.00"),
    }
    assert open_amounts(org_alfa, two_invoices) == [Decimal("30.00"), Decimal("40.00")]


def test_release_allocations_before_unallocated(org_alfa, two_invoices):
    payment = register(org_alfa, "120.00", two_invoices)

    with tenant_context(org_alfa):
        released = payment_release(payment=payment, amount=Decimal("30.00"), reason="test", unallocated_first=False)

    assert {invoice.number: amount for invoice, amount in released.items()} == {"R-2": Decimal("30.00")}
    assert open_amounts(org_alfa, two_invoices) == [Decimal("0.00"), Decimal("30.00")]
    assert reversed_of(org_alfa, payment) == Decimal("30.00")


def test_release_without_allocations_still_reverses(org_alfa, two_invoices):
    payment = register(org_alfa, "25.00", [])

    with tenant_context(org_alfa):
        released = payment_release(payment=payment, amount=Decimal("5.00"), reason="test", unallocated_first=False)

    assert released == {}
    assert reversed_of(org_alfa, payment) == Decimal("5.00")


def test_release_capped_at_payment(org_alfa, two_invoices):
    payment = register(org_alfa, "100.00", two_invoices)

    with tenant_context(org_alfa):
        payment_release(payment=payment, amount=Decimal("80.00"), reason="first")
        payment_release(payment=payment, amount=Decimal("80.00"), reason="second")

    assert reversed_of(org_alfa, payment) == Decimal("100.00")
    assert open_amounts(org_alfa, two_invoices) == [Decimal("60.00"), Decimal("40.00")]


def test_reverse_undo_restores_unallocated_money(org_alfa, two_invoices):
    payment = register(org_alfa, "100.00", two_invoices)
    with tenant_context(org_alfa):
        payment_release(payment=payment, amount=Decimal("30.00"), reason="refund")

        restored = payment_reverse_undo(payment=payment, amount=Decimal("50.00"), reason="refund failed")

    assert restored == Decimal("30.00")
    assert reversed_of(org_alfa, payment) == Decimal("0.00")
    assert open_amounts(org_alfa, two_invoices) == [Decimal("0.00"), Decimal("30.00")]
