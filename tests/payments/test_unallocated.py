"""Unallocated payment money: the surplus of two overlapping checkouts, bank money, and the dashboard page.

The surplus arises when a debtor pays a checkout that could no longer be
canceled and then a second one for the same invoice. The page at
/payments/unallocated/ lists it and lets a credit controller allocate it to
an open invoice of the same debtor or refund it through Mollie.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from invoices.models import Invoice, Payment, PaymentSource
from invoices.services import invoice_cancel, payment_register
from payments.models import MollieRefund
from payments.unallocated_selectors import unallocated_payments
from payt.tenancy import tenant_context
from portal.models import EmailKind, OutgoingEmail
from tests.conftest import PASSWORD
from tests.payments.helpers import deliver, reload, start

pytestmark = pytest.mark.django_db

PAGE_URL = "/payments/unallocated/"


def dashboard_client(user, language: str = "en") -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    client.post(reverse("dashboard:language"), {"language": language})
    return client


def pay(client, mollie_control, mollie_payment) -> None:
    mollie_control.set_status(mollie_payment.mollie_id, "paid")
    deliver(client, mollie_payment.mollie_id)


@pytest.fixture
def surplus(client, mollie_server, mollie_control, alfa_debtor):
    """Pay INV-A twice: first alone (pending, so not canceled), then with INV-B. Return the second payment."""
    mollie_control.configure(refundWebhook="none")
    first_invoice = alfa_debtor.invoice("INV-A", "10.00", due=dt.date(2026, 5, 1))
    second_invoice = alfa_debtor.invoice("INV-B", "20.00", due=dt.date(2026, 5, 2))
    first = start(alfa_debtor, first_invoice)
    mollie_control.set_status(first.mollie_id, "pending")
    second = start(alfa_debtor, first_invoice, second_invoice)
    pay(client, mollie_control, first)
    pay(client, mollie_control, second)
    return reload(alfa_debtor, second)


def invoice_of(visitor, invoice_id) -> Invoice:
    with tenant_context(visitor.organization):
        return Invoice.objects.get(pk=invoice_id)


def payment_row(visitor, payment_id) -> Payment:
    with tenant_context(visitor.organization):
        return Payment.objects.get(pk=payment_id)


def rows_of(visitor):
    with tenant_context(visitor.organization):
        return unallocated_payments(visitor.organization)


def test_overlapping_checkouts_leave_surplus_listed(surplus, alfa_debtor):
    [row] = rows_of(alfa_debtor)

    assert row.payment.pk == surplus.payment_id
    assert row.payment.amount == Decimal("30.00")
    assert row.unallocated == Decimal("10.00")
    assert row.refundable == Decimal("10.00")
    assert row.open_invoices == []


def test_bank_payment_without_invoice_listed(alfa_debtor):
    with tenant_context(alfa_debtor.organization):
        payment, _ = payment_register(
            organization=alfa_debtor.organization,
            amount=Decimal("45.50"),
            payment_date=dt.date(2026, 6, 3),
            debtor=alfa_debtor.debtor,
            source=PaymentSource.BANK,
            external_id="bank-1",
        )
    open_invoice = alfa_debtor.invoice("INV-OPEN", "30.00")

    [row] = rows_of(alfa_debtor)

    assert row.payment.pk == payment.pk
    assert row.unallocated == Decimal("45.50")
    assert row.refundable == Decimal("0.00")
    assert [invoice.pk for invoice in row.open_invoices] == [open_invoice.pk]


def test_page_lists_surplus_in_english(surplus, alfa_debtor, bob):
    page = dashboard_client(bob, "en").get(PAGE_URL)

    text = page.content.decode()
    assert page.status_code == 200
    assert "<h1>Unallocated payments</h1>" in text
    assert f'data-payment-id="{surplus.payment_id}"' in text
    assert "Noordkade Logistics" in text
    assert f"Mollie ({surplus.mollie_id})" in text
    assert "€\N{NO-BREAK SPACE}30.00" in text
    assert "Refund €\N{NO-BREAK SPACE}10.00 through Mollie" in text
    assert 'href="/payments/unallocated/" aria-current="page"' in text


def test_page_lists_surplus_in_dutch(surplus, alfa_debtor, bob):
    page = dashboard_client(bob, "nl").get(PAGE_URL)

    text = page.content.decode()
    assert page.status_code == 200
    assert "<h1>Niet-toegewezen betalingen</h1>" in text
    assert "€\N{NO-BREAK SPACE}10,00 terugbetalen via Mollie" in text
    assert "Toewijzen" not in text
    assert "Geen openstaande factuur van deze debiteur." in text


def test_page_empty_message(alfa_debtor, bob):
    text = dashboard_client(bob, "nl").get(PAGE_URL).content.decode()

    assert "Al het betaalde geld is toegewezen." in text


def test_allocate_surplus_to_open_invoice(surplus, alfa_debtor, bob):
    later = alfa_debtor.invoice("INV-C", "15.00")
    url = reverse("dashboard:unallocated_allocate", args=[surplus.payment_id])

    response = dashboard_client(bob).post(url, {"invoice": str(later.pk)}, follow=True)

    assert "EUR 10.00 of the payment allocated to INV-C." in response.content.decode()
    assert invoice_of(alfa_debtor, later.pk).open_amount == Decimal("5.00")
    assert rows_of(alfa_debtor) == []


def test_allocate_part_by_amount(surplus, alfa_debtor, bob):
    later = alfa_debtor.invoice("INV-C", "15.00")
    url = reverse("dashboard:unallocated_allocate", args=[surplus.payment_id])

    dashboard_client(bob).post(url, {"invoice": str(later.pk), "amount": "4,25"})

    assert invoice_of(alfa_debtor, later.pk).open_amount == Decimal("10.75")
    [row] = rows_of(alfa_debtor)
    assert row.unallocated == Decimal("5.75")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("6.00", "Allocation of EUR 6.00 exceeds the open amount EUR 5.00 of invoice INV-C."),
        ("10.50", "Allocation of EUR 10.50 exceeds the EUR 10.00 of the payment that is not allocated yet."),
        ("abc", "Amount abc is not valid; enter an amount above zero with at most two decimals"),
        ("1.001", "Amount 1.001 is not valid"),
    ],
)
def test_allocate_bad_amount_rejected(surplus, alfa_debtor, bob, amount, message):
    later = alfa_debtor.invoice("INV-C", "5.00")
    url = reverse("dashboard:unallocated_allocate", args=[surplus.payment_id])

    response = dashboard_client(bob).post(url, {"invoice": str(later.pk), "amount": amount}, follow=True)

    assert message in response.content.decode()
    assert invoice_of(alfa_debtor, later.pk).open_amount == Decimal("5.00")


def test_allocate_to_cancelled_invoice_rejected(surplus, alfa_debtor, bob):
    later = alfa_debtor.invoice("INV-C", "15.00")
    with tenant_context(alfa_debtor.organization):
        invoice_cancel(invoice=later, reason="Sent twice")
    url = reverse("dashboard:unallocated_allocate", args=[surplus.payment_id])

    response = dashboard_client(bob).post(url, {"invoice": str(later.pk)}, follow=True)

    assert "Invoice INV-C was cancelled; a payment cannot be allocated to it." in response.content.decode()
    assert invoice_of(alfa_debtor, later.pk).open_amount == Decimal("15.00")
    [row] = rows_of(alfa_debtor)
    assert row.unallocated == Decimal("10.00")


def test_allocate_to_paid_invoice_rejected(surplus, alfa_debtor, bob):
    url = reverse("dashboard:unallocated_allocate", args=[surplus.payment_id])
    with tenant_context(alfa_debtor.organization):
        paid = Invoice.objects.get(number="INV-A")

    response = dashboard_client(bob).post(url, {"invoice": str(paid.pk)}, follow=True)

    text = response.content.decode()
    assert "Invoice INV-A has nothing open, so nothing can be allocated to it; choose an open invoice." in text
    assert "must be above zero" not in text
    [row] = rows_of(alfa_debtor)
    assert row.unallocated == Decimal("10.00")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("6.00", "Toewijzing van EUR 6.00 is meer dan het openstaande bedrag EUR 5.00 van factuur INV-C."),
        ("10.50", "Toewijzing van EUR 10.50 is meer dan de EUR 10.00 van de betaling die nog niet is toegewezen."),
    ],
)
def test_allocate_rejected_in_dutch(surplus, alfa_debtor, bob, amount, message):
    later = alfa_debtor.invoice("INV-C", "5.00")
    url = reverse("dashboard:unallocated_allocate", args=[surplus.payment_id])

    response = dashboard_client(bob, "nl").post(url, {"invoice": str(later.pk), "amount": amount}, follow=True)

    assert message in response.content.decode()
    assert invoice_of(alfa_debtor, later.pk).open_amount == Decimal("5.00")


def test_allocate_money_held_by_refund_rejected(surplus, mollie_server, alfa_debtor, bob):
    later = alfa_debtor.invoice("INV-C", "15.00")
    client = dashboard_client(bob)
    client.post(reverse("dashboard:unallocated_refund", args=[surplus.payment_id]), {"amount": "4.00"})
    url = reverse("dashboard:unallocated_allocate", args=[surplus.payment_id])

    too_much = client.post(url, {"invoice": str(later.pk), "amount": "6.01"}, follow=True)
    rest = client.post(url, {"invoice": str(later.pk)}, follow=True)

    assert (
        "Allocation of EUR 6.01 exceeds the EUR 6.00 of the payment that is not allocated yet, "
        "because EUR 4.00 is held for a refund requested at Mollie; lower the amount."
    ) in too_much.content.decode()
    assert "EUR 6.00 of the payment allocated to INV-C." in rest.content.decode()
    assert invoice_of(alfa_debtor, later.pk).open_amount == Decimal("9.00")
    [row] = rows_of(alfa_debtor)
    assert row.unallocated == Decimal("4.00")
    assert row.refund_pending == Decimal("4.00")
    assert row.refundable == Decimal("0.00")


def test_refund_above_surplus_rejected_in_dutch(surplus, mollie_server, alfa_debtor, bob):
    url = reverse("dashboard:unallocated_refund", args=[surplus.payment_id])

    response = dashboard_client(bob, "nl").post(url, {"amount": "10.01"}, follow=True)

    assert "Terugbetaling van EUR 10.01 is meer dan de EUR 10.00 van Mollie-betaling" in response.content.decode()
    assert mollie_server.store.get_payment(surplus.mollie_id).refunds == []


def test_allocate_to_other_debtors_invoice_not_found(surplus, alfa_debtor, bob):
    from tests.payments.conftest import portal_debtor_for

    other = portal_debtor_for(alfa_debtor.organization, "Westhaven Retail")
    foreign = other.invoice("INV-W", "15.00")
    url = reverse("dashboard:unallocated_allocate", args=[surplus.payment_id])

    response = dashboard_client(bob).post(url, {"invoice": str(foreign.pk)})

    assert response.status_code == 404
    assert invoice_of(alfa_debtor, foreign.pk).open_amount == Decimal("15.00")


def test_refund_surplus_through_mollie(
    client, surplus, mollie_server, alfa_debtor, bob, mailoutbox, django_capture_on_commit_callbacks
):
    alfa_debtor.organization.email = "credit@alfa.example"
    alfa_debtor.organization.save(update_fields=["email"])
    url = reverse("dashboard:unallocated_refund", args=[surplus.payment_id])

    response = dashboard_client(bob).post(url, follow=True)
    listed_while_pending = rows_of(alfa_debtor)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, surplus.mollie_id)

    [remote_refund] = mollie_server.store.get_payment(surplus.mollie_id).refunds
    assert remote_refund.amount == Decimal("10.00")
    assert remote_refund.description == "Terugbetaling van een te veel betaald bedrag"
    assert f"Refund of EUR 10.00 requested at Mollie ({remote_refund.id})" in response.content.decode()
    assert listed_while_pending[0].refund_pending == Decimal("10.00")
    assert listed_while_pending[0].refundable == Decimal("0.00")
    assert rows_of(alfa_debtor) == []
    assert payment_row(alfa_debtor, surplus.payment_id).reversed_amount == Decimal("10.00")
    with tenant_context(alfa_debtor.organization):
        assert list(Invoice.objects.values_list("open_amount", flat=True)) == [Decimal("0.00")] * 2
        assert OutgoingEmail.objects.filter(kind=EmailKind.CONTROLLER_NOTICE).count() == 0
        assert MollieRefund.objects.get().applied_amount == Decimal("10.00")
    assert len(mailoutbox) == 1


def test_refund_of_bank_payment_rejected(alfa_debtor, bob):
    with tenant_context(alfa_debtor.organization):
        payment, _ = payment_register(
            organization=alfa_debtor.organization,
            amount=Decimal("45.50"),
            payment_date=dt.date(2026, 6, 3),
            debtor=alfa_debtor.debtor,
            source=PaymentSource.BANK,
        )
    url = reverse("dashboard:unallocated_refund", args=[payment.pk])

    response = dashboard_client(bob).post(url, follow=True)

    assert "Only a Mollie payment can be refunded here" in response.content.decode()
    assert payment_row(alfa_debtor, payment.pk).reversed_amount == Decimal("0.00")


def test_refund_above_surplus_rejected(surplus, mollie_server, alfa_debtor, bob):
    url = reverse("dashboard:unallocated_refund", args=[surplus.payment_id])

    response = dashboard_client(bob).post(url, {"amount": "10.01"}, follow=True)

    assert "Refund of EUR 10.01 is more than the EUR 10.00 of Mollie payment" in response.content.decode()
    assert mollie_server.store.get_payment(surplus.mollie_id).refunds == []


def test_other_organisation_gets_404(surplus, mollie_server, alfa_debtor, charlie):
    later = alfa_debtor.invoice("INV-C", "15.00")
    outsider = dashboard_client(charlie)

    page = outsider.get(PAGE_URL).content.decode()
    allocate = outsider.post(
        reverse("dashboard:unallocated_allocate", args=[surplus.payment_id]), {"invoice": str(later.pk)}
    )
    refund = outsider.post(reverse("dashboard:unallocated_refund", args=[surplus.payment_id]))

    assert str(surplus.payment_id) not in page
    assert allocate.status_code == 404
    assert refund.status_code == 404
    assert invoice_of(alfa_debtor, later.pk).open_amount == Decimal("15.00")
    assert mollie_server.store.get_payment(surplus.mollie_id).refunds == []
    [row] = rows_of(alfa_debtor)
    assert row.unallocated == Decimal("10.00")


def test_read_only_member_cannot_allocate(surplus, alfa_debtor, org_alfa):
    from payt.models import Role
    from tests.conftest import _user

    reader = _user("reader@alfa.example", org_alfa, Role.READ_ONLY)
    later = alfa_debtor.invoice("INV-C", "15.00")
    client = dashboard_client(reader)

    page = client.get(PAGE_URL).content.decode()
    response = client.post(
        reverse("dashboard:unallocated_allocate", args=[surplus.payment_id]), {"invoice": str(later.pk)}
    )

    assert "Allocate to invoice" not in page
    assert response.status_code == 403
    assert invoice_of(alfa_debtor, later.pk).open_amount == Decimal("15.00")


def test_debtor_page_shows_unallocated(surplus, alfa_debtor, bob):
    text = dashboard_client(bob, "nl").get(f"/debtors/{alfa_debtor.debtor.pk}/").content.decode()

    assert 'id="debtor-unallocated"' in text
    assert "Niet-toegewezen betalingen (EUR)" in text
    assert 'data-amount="10.00"' in text


@pytest.mark.parametrize("rows", [1, 5])
def test_page_query_count_is_pinned(alfa_debtor, bob, django_assert_max_num_queries, rows):
    for number in range(rows):
        alfa_debtor.invoice(f"INV-Q{number}", "10.00")
        with tenant_context(alfa_debtor.organization):
            payment_register(
                organization=alfa_debtor.organization,
                amount=Decimal("5.00"),
                payment_date=dt.date(2026, 6, 3),
                debtor=alfa_debtor.debtor,
                source=PaymentSource.BANK,
            )
    client = dashboard_client(bob)

    with django_assert_max_num_queries(9):  # no query per row
        page = client.get(PAGE_URL)

    assert page.content.decode().count("data-payment-id=") == rows


def test_credit_note_refund_leaves_surplus_free(surplus, alfa_debtor, bob):
    from payments.refunds import mollie_refund_create
    from tests.payments.test_refund_api import credit_note

    note = credit_note(alfa_debtor, "CN-S", "10.00")
    later = alfa_debtor.invoice("INV-C", "15.00")
    with tenant_context(alfa_debtor.organization):
        mollie_refund_create(mollie_payment=surplus, amount=Decimal("10.00"), credit_note=note)
    url = reverse("dashboard:unallocated_allocate", args=[surplus.payment_id])

    response = dashboard_client(bob).post(url, {"invoice": str(later.pk)}, follow=True)

    # The paired refund is taken off the invoices when Mollie reports it, so the surplus stays free.
    assert "EUR 10.00 of the payment allocated to INV-C." in response.content.decode()
    assert invoice_of(alfa_debtor, later.pk).open_amount == Decimal("5.00")


def test_allocate_form_hidden_while_refund_holds_all(surplus, alfa_debtor, bob):
    alfa_debtor.invoice("INV-C", "15.00")
    client = dashboard_client(bob)
    client.post(reverse("dashboard:unallocated_refund", args=[surplus.payment_id]), {"amount": "10.00"})

    page = client.get(PAGE_URL).content.decode()

    [row] = rows_of(alfa_debtor)
    assert row.allocatable == Decimal("0.00")
    assert reverse("dashboard:unallocated_allocate", args=[surplus.payment_id]) not in page


def test_refund_of_nothing_left_rejected_in_dutch(surplus, mollie_server, alfa_debtor, bob):
    url = reverse("dashboard:unallocated_refund", args=[surplus.payment_id])
    client = dashboard_client(bob, "nl")
    client.post(url, {"amount": "10.00"})

    # A stale form without an amount requests all that is left, which is nothing.
    response = client.post(url, follow=True)

    assert "Terugbetalingsbedrag 0.00 moet groter zijn dan nul" in response.content.decode()
    assert len(mollie_server.store.get_payment(surplus.mollie_id).refunds) == 1
