"""Timeline events read in the dashboard's language, with local number formats."""

import datetime as dt
from decimal import Decimal

from django.utils import translation

from debtors.models import TimelineEvent, TimelineKind
from debtors.timeline import describe_event
from invoices.services import invoice_cancel, payment_register
from payt.tenancy import tenant_context


def _events(organization, kind):
    with tenant_context(organization):
        return list(TimelineEvent.objects.filter(kind=kind))


def test_invoice_event_in_dutch(org_alfa, make_invoice):
    make_invoice(org_alfa, number="A-1", total="1234.50")
    [event] = _events(org_alfa, TimelineKind.INVOICE)

    with translation.override("nl"):
        text = describe_event(event)

    assert text == "Factuur A-1: €\N{NO-BREAK SPACE}1.234,50"


def test_invoice_event_in_english(org_alfa, make_invoice):
    make_invoice(org_alfa, number="A-1", total="1234.50")
    [event] = _events(org_alfa, TimelineKind.INVOICE)

    with translation.override("en"):
        text = describe_event(event)

    assert text == "Invoice A-1: €\N{NO-BREAK SPACE}1,234.50"


def test_payment_event_in_dutch(org_alfa, make_invoice):
    invoice = make_invoice(org_alfa, number="A-1", total="100.00")
    with tenant_context(org_alfa):
        payment_register(
            organization=org_alfa, amount=Decimal("25.79"), payment_date=dt.date(2025, 10, 1), invoice=invoice
        )
    [event] = _events(org_alfa, TimelineKind.PAYMENT)

    with translation.override("nl"):
        text = describe_event(event)

    assert text == "Betaling ontvangen: €\N{NO-BREAK SPACE}25,79"


def test_event_without_facts_keeps_summary(org_alfa, make_invoice):
    make_invoice(org_alfa, number="A-1")
    with tenant_context(org_alfa):
        event = TimelineEvent.objects.get(kind=TimelineKind.INVOICE)
        event.data = {}

    with translation.override("nl"):
        text = describe_event(event)

    assert text == event.summary


def test_cancel_event_in_dutch(org_alfa, make_invoice):
    invoice = make_invoice(org_alfa, number="A-9", total="10.00")
    with tenant_context(org_alfa):
        invoice_cancel(invoice=invoice, reason="dubbel")
        [event] = TimelineEvent.objects.filter(data__event="cancelled")

    with translation.override("nl"):
        text = describe_event(event)

    assert text == "Factuur A-9 geannuleerd: dubbel"


def test_portal_contact_event_in_english(org_alfa, make_invoice):
    invoice = make_invoice(org_alfa, number="A-10", total="10.00")
    with tenant_context(org_alfa):
        event = TimelineEvent.objects.create(
            organization=org_alfa,
            debtor=invoice.debtor,
            kind=TimelineKind.NOTE,
            summary="stored summary",
            data={"event": "contact_updated", "changes": {"email": {"old": "a@x.example", "new": "b@x.example"}}},
            occurred_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
        )

    with translation.override("en"):
        text = describe_event(event)

    assert text == "Contact details changed in the portal: b@x.example"
