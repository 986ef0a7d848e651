"""Marking an invoice disputed changes its status once and records it on the timeline."""

import datetime as dt

from debtors.models import TimelineEvent, TimelineKind
from invoices.models import InvoiceStatus
from invoices.selectors import invoice_status
from invoices.services import invoice_mark_disputed
from payt.tenancy import tenant_context


def test_mark_disputed_sets_status(org_alfa, make_invoice):
    invoice = make_invoice(org_alfa, number="A-1", due_date=dt.date(2025, 10, 1))

    with tenant_context(org_alfa):
        invoice_mark_disputed(invoice=invoice, reason="Goods not received")
        invoice.refresh_from_db()
        notes = TimelineEvent.objects.filter(kind=TimelineKind.NOTE)

        assert invoice.disputed_at is not None
        assert invoice_status(invoice, dt.date(2025, 11, 1)) == InvoiceStatus.DISPUTED
        assert [note.data["text"] for note in notes] == ["Goods not received"]


def test_mark_disputed_twice_records_once(org_alfa, make_invoice):
    invoice = make_invoice(org_alfa, number="A-1")

    with tenant_context(org_alfa):
        invoice_mark_disputed(invoice=invoice, reason="First")
        first_at = invoice.disputed_at
        invoice_mark_disputed(invoice=invoice, reason="Second")
        invoice.refresh_from_db()

        assert invoice.disputed_at == first_at
        assert TimelineEvent.objects.filter(kind=TimelineKind.NOTE).count() == 1
