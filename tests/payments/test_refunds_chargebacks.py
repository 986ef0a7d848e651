"""Refunds and chargebacks: Mollie keeps status "paid", so the amounts drive what happens.

A chargeback reopens the invoices by the newly charged-back amount. A
refund paired with a credit note leaves the invoice settled by that credit
note; any other refund reopens the invoice by the refunded amount.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext

from debtors.models import TimelineEvent
from invoices.models import DocumentKind, Invoice, Payment, SettlementStatus
from invoices.selectors import credits_to_allocate, debtor_net_balance
from invoices.services import invoice_register
from payments.models import InstalmentStatus, MolliePaymentStatus, MollieRefund, MollieRefundSource, RefundState
from payments.mollie_client import mollie_client
from payments.plan_checkout import instalment_checkout_start
from payments.refunds import mollie_refund_create
from payments.selectors import chargeback_worklist
from payt.api_errors import DomainError
from payt.tenancy import tenant_context
from portal.models import EmailKind, OutgoingEmail
from tests.payments.helpers import deliver, reload, start
from tests.payments.plan_support import instalments_of, invoices_due, open_amounts, propose

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(client, mollie_control, alfa_debtor, django_capture_on_commit_callbacks):
    """Return a function that creates an invoice and pays it in full through Mollie."""

    def pay(number: str, total: str):
        invoice = alfa_debtor.invoice(number, total)
        mollie_payment = start(alfa_debtor, invoice)
        mollie_control.set_status(mollie_payment.mollie_id, "paid")
        with django_capture_on_commit_callbacks(execute=True):
            deliver(client, mollie_payment.mollie_id)
        return invoice, reload(alfa_debtor, mollie_payment)

    return pay


def invoice_of(visitor, invoice: Invoice) -> Invoice:
    with tenant_context(visitor.organization):
        return Invoice.objects.get(pk=invoice.pk)


def events(visitor, event: str) -> list[TimelineEvent]:
    with tenant_context(visitor.organization):
        return list(TimelineEvent.objects.filter(data__event=event))


def debtor_text(msgid: str) -> str:
    """Return ``msgid`` in Dutch, the language of the test debtor's e-mails."""
    with translation.override("nl"):
        return gettext(msgid)


def refund(visitor, mollie_payment, amount: str, description: str = "", credit_note=None):
    with tenant_context(visitor.organization):
        return mollie_refund_create(
            mollie_payment=mollie_payment,
            amount=Decimal(amount),
            description=description,
            credit_note=credit_note,
        )


def credit_note(visitor, number: str, total: str, preceding_number: str = "") -> Invoice:
    with tenant_context(visitor.organization):
        note, _ = invoice_register(
            organization=visitor.organization,
            debtor=visitor.debtor,
            number=number,
            kind=DocumentKind.CREDIT_NOTE,
            issue_date=dt.date(2026, 6, 15),
            total_amount=Decimal(total),
            preceding_number=preceding_number,
        )
    return note


def controller_notices(visitor) -> list[OutgoingEmail]:
    with tenant_context(visitor.organization):
        return list(OutgoingEmail.objects.filter(kind=EmailKind.CONTROLLER_NOTICE).order_by("created_at"))


def payment_of(visitor, mollie_payment) -> Payment:
    with tenant_context(visitor.organization):
        return Payment.objects.get(pk=reload(visitor, mollie_payment).payment_id)


@pytest.fixture
def with_contact(alfa_debtor):
    """The test debtor's organisation with a contact address, so controller notices are queued."""
    organization = alfa_debtor.organization
    organization.email = "credit@alfa.example"
    organization.save(update_fields=["email"])
    return alfa_debtor


def test_chargeback_reopens_invoice_once(
    client, mollie_control, alfa_debtor, paid, mailoutbox, django_capture_on_commit_callbacks
):
    invoice, mollie_payment = paid("INV-2026-060", "300.00")
    mailoutbox.clear()
    mollie_control.charge_back(mollie_payment.mollie_id, "300.00")

    with django_capture_on_commit_callbacks(execute=True):
        first = deliver(client, mollie_payment.mollie_id)
        again = deliver(client, mollie_payment.mollie_id)

    assert first.status_code == again.status_code == 200
    reopened = invoice_of(alfa_debtor, invoice)
    assert reopened.open_amount == Decimal("300.00")
    assert reopened.settlement_status == SettlementStatus.OPEN
    row = reload(alfa_debtor, mollie_payment)
    assert row.status == MolliePaymentStatus.PAID
    assert row.charged_back_amount == Decimal("300.00")
    assert row.charged_back_at is not None
    chargebacks = events(alfa_debtor, "chargeback")
    assert len(chargebacks) == 1
    assert chargebacks[0].data["amount"] == "300.00"
    assert mailoutbox == []
    with tenant_context(alfa_debtor.organization):
        worklist = list(chargeback_worklist(alfa_debtor.organization))
    assert [item.pk for item in worklist] == [mollie_payment.pk]
    assert [line.invoice.number for line in worklist[0].lines.all()] == ["INV-2026-060"]


def test_chargeback_partial_reopens_that_part(client, mollie_control, alfa_debtor, paid):
    invoice, mollie_payment = paid("INV-1", "300.00")
    mollie_control.charge_back(mollie_payment.mollie_id, "100.00")
    deliver(client, mollie_payment.mollie_id)
    mollie_control.charge_back(mollie_payment.mollie_id, "50.00")
    deliver(client, mollie_payment.mollie_id)

    reopened = invoice_of(alfa_debtor, invoice)

    assert reopened.open_amount == Decimal("150.00")
    assert reopened.settlement_status == SettlementStatus.PARTIALLY_PAID
    assert reload(alfa_debtor, mollie_payment).charged_back_amount == Decimal("150.00")
    assert [event.data["amount"] for event in events(alfa_debtor, "chargeback")] == [
        "50.00",
        "100.00",
    ]


def test_chargeback_debtor_owes_amount_again(client, mollie_control, alfa_debtor, paid):
    _, mollie_payment = paid("INV-1", "300.00")
    mollie_control.charge_back(mollie_payment.mollie_id, "300.00")
    deliver(client, mollie_payment.mollie_id)

    with tenant_context(alfa_debtor.organization):
        balance = debtor_net_balance(alfa_debtor.debtor)

    assert balance == Decimal("300.00")


def test_refund_partial_full_then_rejected(
    client,
    mollie_server,
    mollie_control,
    with_contact,
    paid,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    alfa_debtor = with_contact
    mollie_control.configure(refundWebhook="none")
    invoice, mollie_payment = paid("INV-2026-070", "200.00")
    first_note = credit_note(alfa_debtor, "CN-2026-071", "50.00", preceding_number="INV-2026-070")
    second_note = credit_note(alfa_debtor, "CN-2026-072", "150.00", preceding_number="INV-2026-070")
    mailoutbox.clear()

    refund(alfa_debtor, mollie_payment, "50.00", "CN-2026-071", credit_note=first_note)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, mollie_payment.mollie_id)

    after_first = reload(alfa_debtor, mollie_payment)
    assert after_first.status == MolliePaymentStatus.PAID
    assert after_first.refund_state == RefundState.PARTIALLY_REFUNDED
    assert after_first.amount == Decimal("200.00")
    assert after_first.refunded_amount == Decimal("50.00")
    assert after_first.net_amount == Decimal("150.00")
    settled = invoice_of(alfa_debtor, invoice)
    assert settled.open_amount == Decimal("0.00")
    assert settled.settlement_status == SettlementStatus.PAID
    assert invoice_of(alfa_debtor, first_note).open_amount == Decimal("0.00")
    assert payment_of(alfa_debtor, mollie_payment).reversed_amount == Decimal("50.00")
    assert len(mailoutbox) == 1
    assert "€\N{NO-BREAK SPACE}50,00" in mailoutbox[0].body
    assert debtor_text("This is a partial refund.") in mailoutbox[0].body
    assert debtor_text("Your payment is now refunded in full.") not in mailoutbox[0].body

    refund(alfa_debtor, after_first, "150.00", "CN-2026-072", credit_note=second_note)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, mollie_payment.mollie_id)

    after_second = reload(alfa_debtor, mollie_payment)
    assert after_second.refund_state == RefundState.REFUNDED
    assert after_second.refunded_amount == Decimal("200.00")
    assert after_second.refundable_amount == Decimal("0.00")
    assert len(mailoutbox) == 2
    assert "€\N{NO-BREAK SPACE}150,00" in mailoutbox[1].body
    assert debtor_text("Your payment is now refunded in full.") in mailoutbox[1].body

    with pytest.raises(DomainError) as raised:
        refund(alfa_debtor, after_second, "0.01")

    assert raised.value.code == "exceeds_refundable"
    assert raised.value.status_code == 422
    assert "refundable amount EUR 0.00" in raised.value.message
    remote = mollie_server.store.get_payment(mollie_payment.mollie_id)
    assert [item.amount for item in remote.refunds] == [Decimal("50.00"), Decimal("150.00")]
    assert len(events(alfa_debtor, "refund")) == 2
    credited = invoice_of(alfa_debtor, invoice)
    assert credited.open_amount == Decimal("0.00")
    assert credited.settlement_status == SettlementStatus.CREDITED
    assert invoice_of(alfa_debtor, second_note).open_amount == Decimal("0.00")
    with tenant_context(alfa_debtor.organization):
        assert credits_to_allocate(alfa_debtor.organization) == []
        assert debtor_net_balance(alfa_debtor.debtor) == Decimal("0.00")
    assert controller_notices(alfa_debtor) == []


def test_refund_without_credit_note_reopens_invoice(
    client, mollie_control, with_contact, paid, mailoutbox, django_capture_on_commit_callbacks
):
    mollie_control.configure(refundWebhook="none")
    invoice, mollie_payment = paid("INV-2026-080", "200.00")
    mailoutbox.clear()
    created = refund(with_contact, mollie_payment, "60.00", "Goodwill")

    with django_capture_on_commit_callbacks(execute=True):
        first = deliver(client, mollie_payment.mollie_id)
        again = deliver(client, mollie_payment.mollie_id)

    assert first.status_code == again.status_code == 200
    reopened = invoice_of(with_contact, invoice)
    assert reopened.open_amount == Decimal("60.00")
    assert reopened.settlement_status == SettlementStatus.PARTIALLY_PAID
    row = reload(with_contact, mollie_payment)
    assert row.refunded_amount == Decimal("60.00")
    assert row.net_amount == Decimal("140.00")
    assert payment_of(with_contact, mollie_payment).reversed_amount == Decimal("60.00")
    [recorded] = events(with_contact, "refund")
    assert recorded.data["amount"] == "60.00"
    assert recorded.data["reopened"] == "60.00"
    assert "Reopened: INV-2026-080 (EUR 60.00)" in recorded.summary
    [notice] = controller_notices(with_contact)
    assert notice.recipient == "credit@alfa.example"
    assert "EUR 60.00" in notice.subject
    assert "INV-2026-080" in notice.body
    assert len(mailoutbox) == 1
    with tenant_context(with_contact.organization):
        stored = MollieRefund.objects.get()
        assert debtor_net_balance(with_contact.debtor) == Decimal("60.00")
    assert stored.mollie_id == created.id
    assert stored.source == MollieRefundSource.REQUESTED
    assert stored.applied_amount == Decimal("60.00")


def test_refund_made_at_mollie_reopens_invoice(
    client, mollie_control, with_contact, paid, django_capture_on_commit_callbacks
):
    mollie_control.configure(refundWebhook="none")
    invoice, mollie_payment = paid("INV-2026-081", "120.00")
    remote = mollie_client().payments.get(mollie_payment.mollie_id)
    remote.refunds.create({"amount": {"currency": "EUR", "value": "20.00"}, "description": "Made at Mollie"})

    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, mollie_payment.mollie_id)
        deliver(client, mollie_payment.mollie_id)

    assert invoice_of(with_contact, invoice).open_amount == Decimal("20.00")
    assert reload(with_contact, mollie_payment).refunded_amount == Decimal("20.00")
    assert len(events(with_contact, "refund")) == 1
    assert len(controller_notices(with_contact)) == 1
    with tenant_context(with_contact.organization):
        stored = MollieRefund.objects.get()
    assert stored.source == MollieRefundSource.MOLLIE
    assert stored.credit_note is None
    assert stored.description == "Made at Mollie"


def test_refund_reopens_latest_invoice_first(client, mollie_control, alfa_debtor, django_capture_on_commit_callbacks):
    mollie_control.configure(refundWebhook="none")
    older = alfa_debtor.invoice("INV-OLD", "100.00", due=dt.date(2026, 5, 1))
    newer = alfa_debtor.invoice("INV-NEW", "50.00", due=dt.date(2026, 6, 1))
    mollie_payment = start(alfa_debtor, older, newer)
    mollie_control.set_status(mollie_payment.mollie_id, "paid")
    deliver(client, mollie_payment.mollie_id)
    refund(alfa_debtor, mollie_payment, "70.00")

    deliver(client, mollie_payment.mollie_id)

    assert invoice_of(alfa_debtor, newer).open_amount == Decimal("50.00")
    assert invoice_of(alfa_debtor, older).open_amount == Decimal("20.00")


def test_refund_concurrent_webhooks_apply_once(mollie_server, mollie_control, alfa_debtor, paid, live_server, settings):
    settings.BASE_URL = live_server.url
    mollie_control.configure(refundWebhook="none")
    invoice, mollie_payment = paid("INV-2026-082", "90.00")
    refund(alfa_debtor, mollie_payment, "30.00")

    mollie_control.redeliver(mollie_payment.mollie_id, times=4, concurrent=True)

    assert invoice_of(alfa_debtor, invoice).open_amount == Decimal("30.00")
    assert payment_of(alfa_debtor, mollie_payment).reversed_amount == Decimal("30.00")
    assert len(events(alfa_debtor, "refund")) == 1


@pytest.mark.parametrize(
    ("case", "code", "fragment"),
    [
        ("other_debtor", "credit_note_other_debtor", "belongs to another debtor"),
        ("invoice", "not_credit_note", "is an invoice, not a credit note"),
        ("too_small", "credit_note_amount", "EUR 40.00 of credit note CN-SMALL"),
        ("already_paired", "credit_note_amount", "EUR 0.00 of credit note CN-PAIRED"),
    ],
)
def test_refund_credit_note_rejected(
    mollie_server, mollie_control, alfa_debtor, bravo_debtor, paid, case, code, fragment
):
    mollie_control.configure(refundWebhook="none", refundInitialStatus="pending")
    _, mollie_payment = paid("INV-2026-090", "100.00")
    if case == "other_debtor":
        other = credit_note(alfa_debtor, "CN-OTHER", "50.00")
        with tenant_context(alfa_debtor.organization):
            Invoice.objects.filter(pk=other.pk).update(debtor=_second_debtor(alfa_debtor))
        chosen = other
    elif case == "invoice":
        chosen = alfa_debtor.invoice("INV-2026-091", "50.00")
    elif case == "too_small":
        chosen = credit_note(alfa_debtor, "CN-SMALL", "40.00")
    else:
        chosen = credit_note(alfa_debtor, "CN-PAIRED", "50.00")
        refund(alfa_debtor, mollie_payment, "50.00", credit_note=chosen)
    refunds_before = len(mollie_server.store.get_payment(mollie_payment.mollie_id).refunds)

    with pytest.raises(DomainError) as raised:
        refund(alfa_debtor, mollie_payment, "50.00", credit_note=chosen)

    assert raised.value.code == code
    assert raised.value.field == "credit_note"
    assert raised.value.status_code == 400
    assert fragment in raised.value.message
    assert len(mollie_server.store.get_payment(mollie_payment.mollie_id).refunds) == refunds_before


def _second_debtor(visitor):
    from debtors.services import debtor_create

    return debtor_create(organization=visitor.organization, name="Westhaven Retail", language="nl", country="NL")


def test_refund_above_remainder_not_sent(mollie_server, alfa_debtor, paid):
    _, mollie_payment = paid("INV-1", "100.00")

    with pytest.raises(DomainError) as raised:
        refund(alfa_debtor, mollie_payment, "100.01")

    assert raised.value.code == "exceeds_refundable"
    assert "refundable amount EUR 100.00" in raised.value.message
    assert mollie_server.store.get_payment(mollie_payment.mollie_id).refunds == []


def test_refund_rejected_by_mollie(mollie_server, mollie_control, alfa_debtor, paid):
    mollie_control.configure(refundWebhook="none")
    _, mollie_payment = paid("INV-1", "100.00")
    refund(alfa_debtor, mollie_payment, "60.00")

    with pytest.raises(DomainError) as raised:
        refund(alfa_debtor, mollie_payment, "60.00")

    assert raised.value.code == "exceeds_refundable"
    assert raised.value.status_code == 422
    assert len(mollie_server.store.get_payment(mollie_payment.mollie_id).refunds) == 1


def test_refund_of_unpaid_payment_rejected(mollie_server, alfa_debtor):
    invoice = alfa_debtor.invoice("INV-1", "100.00")
    mollie_payment = start(alfa_debtor, invoice)

    with pytest.raises(DomainError) as raised:
        refund(alfa_debtor, mollie_payment, "10.00")

    assert raised.value.code == "not_paid"
    assert raised.value.status_code == 422
    assert mollie_server.store.get_payment(mollie_payment.mollie_id).refunds == []


@pytest.mark.parametrize("amount", ["0.00", "-5.00"])
def test_refund_amount_must_be_positive(mollie_server, alfa_debtor, paid, amount):
    _, mollie_payment = paid("INV-1", "100.00")

    with pytest.raises(DomainError) as raised:
        refund(alfa_debtor, mollie_payment, amount)

    assert raised.value.code == "invalid_amount"


def test_refund_request_recorded_on_timeline(mollie_server, alfa_debtor, paid):
    _, mollie_payment = paid("INV-1", "100.00")

    created = refund(alfa_debtor, mollie_payment, "25.00", "CN-1")

    requested = events(alfa_debtor, "refund_requested")
    assert created.id.startswith("re_")
    assert len(requested) == 1
    assert requested[0].summary == f"Refund of EUR 25.00 requested at Mollie ({created.id}): CN-1"


def test_failed_refund_lowers_refunded_total(client, mollie_server, mollie_control, alfa_debtor, paid):
    mollie_control.configure(refundWebhook="none")
    invoice, mollie_payment = paid("INV-1", "100.00")
    created = refund(alfa_debtor, mollie_payment, "30.00")
    deliver(client, mollie_payment.mollie_id)
    mollie_control.set_refund_status(mollie_payment.mollie_id, created.id, "failed")

    deliver(client, mollie_payment.mollie_id)
    deliver(client, mollie_payment.mollie_id)

    row = reload(alfa_debtor, mollie_payment)
    assert row.refunded_amount == Decimal("0.00")
    assert row.refundable_amount == Decimal("100.00")
    assert len(events(alfa_debtor, "refund_failed")) == 1
    # The money never left: it is unallocated on the payment again, and the invoice stays reopened.
    assert payment_of(alfa_debtor, mollie_payment).reversed_amount == Decimal("0.00")
    assert invoice_of(alfa_debtor, invoice).open_amount == Decimal("30.00")
    with tenant_context(alfa_debtor.organization):
        assert debtor_net_balance(alfa_debtor.debtor) == Decimal("0.00")


def test_refund_recorded_before_rows_not_reapplied(client, mollie_control, alfa_debtor, paid):
    mollie_control.configure(refundWebhook="none")
    invoice, mollie_payment = paid("INV-2026-084", "100.00")
    remote = mollie_client().payments.get(mollie_payment.mollie_id)
    remote.refunds.create({"amount": {"currency": "EUR", "value": "30.00"}})
    with tenant_context(alfa_debtor.organization):
        # The state an older release left: the total recorded, no refund row, the invoice still paid.
        type(mollie_payment).objects.filter(pk=mollie_payment.pk).update(refunded_amount=Decimal("30.00"))

    deliver(client, mollie_payment.mollie_id)

    assert invoice_of(alfa_debtor, invoice).open_amount == Decimal("0.00")
    assert reload(alfa_debtor, mollie_payment).refunded_amount == Decimal("30.00")
    assert payment_of(alfa_debtor, mollie_payment).reversed_amount == Decimal("0.00")
    with tenant_context(alfa_debtor.organization):
        assert MollieRefund.objects.get().applied_amount == Decimal("30.00")


def test_refund_reopens_plan_instalment(client, mollie_server, mollie_control, alfa_debtor):
    mollie_control.configure(refundWebhook="none")
    invoices = invoices_due(alfa_debtor, ("INV-1", "100.00", -20), ("INV-2", "200.00", -5))
    plan = propose(alfa_debtor, invoices, 3).plan
    first = instalments_of(alfa_debtor, plan)[0]
    with tenant_context(alfa_debtor.organization):
        mollie_payment = instalment_checkout_start(instalment=first)
    mollie_control.set_status(mollie_payment.mollie_id, "paid")
    deliver(client, mollie_payment.mollie_id)
    refund(alfa_debtor, reload(alfa_debtor, mollie_payment), "40.00")

    deliver(client, mollie_payment.mollie_id)

    first = instalments_of(alfa_debtor, plan)[0]
    assert first.paid_amount == Decimal("60.00")
    assert first.status == InstalmentStatus.OPEN
    assert open_amounts(alfa_debtor, invoices)["INV-1"] == Decimal("40.00")
