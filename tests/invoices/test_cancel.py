"""Cancelling an invoice: the service's rules, the API action and the API fields."""

import datetime as dt
from decimal import Decimal

import pytest

from debtors.models import TimelineEvent
from invoices.models import Invoice
from invoices.selectors import receivable_invoices
from invoices.services import invoice_cancel, payment_register
from payt.api_errors import DomainError
from payt.tenancy import tenant_context

pytestmark = pytest.mark.django_db


def test_cancel_with_replacement(org_alfa, make_invoice):
    old = make_invoice(org_alfa, number="INV-C-1", total="120.00")
    new = make_invoice(org_alfa, number="INV-C-2", total="100.00", debtor=old.debtor)

    with tenant_context(org_alfa):
        cancelled = invoice_cancel(invoice=old, reason="Wrong VAT rate", replaced_by=new)
        event = TimelineEvent.objects.get(data__event="cancelled")
        receivable = set(receivable_invoices(Invoice.objects.all()).values_list("number", flat=True))

    assert cancelled.cancelled_at is not None
    assert cancelled.replaced_by_id == new.pk
    assert cancelled.cancel_reason == "Wrong VAT rate"
    assert event.data["replaced_by"] == "INV-C-2"
    assert receivable == {"INV-C-2"}


def test_cancel_twice_keeps_first(org_alfa, make_invoice):
    invoice = make_invoice(org_alfa, number="INV-C-3")

    with tenant_context(org_alfa):
        first = invoice_cancel(invoice=invoice, reason="Duplicate")
        second = invoice_cancel(invoice=invoice, reason="Other reason")
        events = TimelineEvent.objects.filter(data__event="cancelled").count()

    assert second.cancelled_at == first.cancelled_at
    assert second.cancel_reason == "Duplicate"
    assert events == 1


def test_cancel_paid_invoice_rejected(org_alfa, make_invoice):
    invoice = make_invoice(org_alfa, number="INV-C-4", total="50.00")
    with tenant_context(org_alfa):
        payment_register(
            organization=org_alfa, amount=Decimal("10.00"), payment_date=dt.date(2025, 9, 5), invoice=invoice
        )

        with pytest.raises(DomainError) as raised:
            invoice_cancel(invoice=invoice, reason="Wrong")

    assert raised.value.code == "not_cancellable"
    assert "10.00 paid or credited" in raised.value.message


def test_cancel_replacement_of_other_debtor_rejected(org_alfa, make_invoice):
    invoice = make_invoice(org_alfa, number="INV-C-5")
    other = make_invoice(org_alfa, number="INV-C-6")

    with tenant_context(org_alfa), pytest.raises(DomainError) as raised:
        invoice_cancel(invoice=invoice, reason="Wrong", replaced_by=other)

    assert raised.value.code == "invalid_replacement"
    assert raised.value.field == "replaced_by"


def test_cancel_without_reason_rejected(org_alfa, make_invoice):
    invoice = make_invoice(org_alfa, number="INV-C-7")

    with tenant_context(org_alfa), pytest.raises(DomainError) as raised:
        invoice_cancel(invoice=invoice, reason="  ")

    assert raised.value.field == "reason"


def test_api_cancel_action(alfa_api, org_alfa, make_invoice):
    old = make_invoice(org_alfa, number="INV-C-8")
    new = make_invoice(org_alfa, number="INV-C-9", debtor=old.debtor)

    response = alfa_api.post(
        f"/api/v1/invoices/{old.pk}/cancel/", {"reason": "Replaced", "replaced_by": str(new.pk)}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["replaced_by"] == str(new.pk)
    assert response.json()["cancelled_at"] is not None
    fetched = alfa_api.get(f"/api/v1/invoices/{new.pk}/").json()
    assert fetched["cancelled_at"] is None
    assert fetched["replaced_by"] is None


def test_api_cancel_other_tenant_not_found(bravo_api, org_alfa, make_invoice):
    invoice = make_invoice(org_alfa, number="INV-C-10")

    response = bravo_api.post(f"/api/v1/invoices/{invoice.pk}/cancel/", {"reason": "x"}, format="json")

    assert response.status_code == 404
    with tenant_context(org_alfa):
        assert Invoice.objects.get(pk=invoice.pk).cancelled_at is None


def test_api_cancel_foreign_replacement_rejected(alfa_api, org_alfa, org_bravo, make_invoice):
    invoice = make_invoice(org_alfa, number="INV-C-11")
    foreign = make_invoice(org_bravo, number="INV-C-12")

    response = alfa_api.post(
        f"/api/v1/invoices/{invoice.pk}/cancel/", {"reason": "x", "replaced_by": str(foreign.pk)}, format="json"
    )

    assert response.status_code == 400
    assert "replaced_by" in response.json()["error"]["fields"]


def test_api_cancel_empty_body_names_reason(alfa_api, org_alfa, make_invoice):
    invoice = make_invoice(org_alfa, number="INV-C-20")

    # The request curl -X POST sends: no body and no Content-Type header.
    response = alfa_api.post(f"/api/v1/invoices/{invoice.pk}/cancel/")

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert list(error["fields"]) == ["reason"]
    assert error["fields"]["reason"] == [
        'reason is missing; send why the invoice is cancelled, for example {"reason": "Wrong amount"}.'
    ]
    with tenant_context(org_alfa):
        assert Invoice.objects.get(pk=invoice.pk).cancelled_at is None


def test_api_cancel_empty_text_plain_names_reason(alfa_api, org_alfa, make_invoice):
    invoice = make_invoice(org_alfa, number="INV-C-22")

    # Python's wsgiref server, behind runserver, fills in text/plain when a request has no Content-Type.
    response = alfa_api.generic("POST", f"/api/v1/invoices/{invoice.pk}/cancel/", b"", content_type="text/plain")

    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]) == ["reason"]


def test_api_cancel_body_without_content_type_rejected(alfa_api, org_alfa, make_invoice):
    invoice = make_invoice(org_alfa, number="INV-C-21")

    response = alfa_api.generic("POST", f"/api/v1/invoices/{invoice.pk}/cancel/", b'{"reason": "x"}', content_type="")

    assert response.status_code == 415, response.content
    assert response.json()["error"]["fields"] == {
        "Content-Type": ["Content-Type missing is not supported here; send the body as application/json."]
    }
