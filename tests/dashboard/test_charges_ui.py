"""Charges on the invoice page: the list with each charge's basis, the amount due, and waiving with a reason."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from dashboard.hold_selectors import charge_basis_text
from debtors.models import TimelineEvent
from dunning.models import Charge, ChargeKind, StepCosts
from invoices.services import payment_register
from payt.tenancy import tenant_context
from tests.dunning.charge_support import charge_after_reminder, costs_workflow

DUE_DATE = dt.date(2025, 9, 1)


def invoice_url(invoice) -> str:
    return reverse("dashboard:invoice", args=[invoice.pk])


def waive_url(charge) -> str:
    return reverse("dashboard:charge_waive", args=[charge.pk])


@pytest.fixture
def charged(org_alfa, make_invoice, statutory_rates):
    """Invoice INV-C1 of 250.00 to a business debtor, charged 40.00 statutory costs after its reminder."""
    invoice = make_invoice(org_alfa, number="INV-C1", total="250.00", due_date=DUE_DATE, name="Jansen BV")
    costs_workflow(org_alfa, costs=StepCosts.STATUTORY)
    [charge] = charge_after_reminder(org_alfa, invoice)
    return invoice, charge


@pytest.fixture
def interest(org_alfa, charged):
    """A statutory interest charge of 3.21 on the same invoice.

    Nothing in the daily run charges interest yet, so the row is written directly.
    """
    invoice, _ = charged
    with tenant_context(org_alfa):
        return Charge.objects.create(
            organization=org_alfa,
            invoice=invoice,
            kind=ChargeKind.INTEREST,
            amount=Decimal("3.21"),
            open_amount=Decimal("3.21"),
            charged_on=DUE_DATE + dt.timedelta(days=30),
        )


@pytest.fixture
def bravo_charge(org_bravo, make_invoice, statutory_rates):
    invoice = make_invoice(org_bravo, number="B-1", total="250.00", due_date=DUE_DATE, name="Bravo Klant")
    costs_workflow(org_bravo, costs=StepCosts.STATUTORY)
    [charge] = charge_after_reminder(org_bravo, invoice)
    return charge


def reload(organization, charge) -> Charge:
    with tenant_context(organization):
        return Charge.objects.select_related("waived_by").get(pk=charge.pk)


def test_invoice_page_lists_charges(bob_client, charged, interest):
    invoice, charge = charged

    response = bob_client.get(invoice_url(invoice))

    content = response.content.decode()
    assert response.status_code == 200
    assert f'id="charge-{charge.pk}" data-kind="collection_costs" data-waived="no"' in content
    assert f'id="charge-{interest.pk}" data-kind="interest" data-waived="no"' in content
    assert '<td data-amount="40.00">' in content
    assert "Statutory collection costs on the invoice total, charged after the step" in content
    assert "“Second reminder” of workflow Costs went out." in content
    assert "No calculation was recorded for this charge." in content
    assert "Art. 6:96 BW; Besluit vergoeding voor buitengerechtelijke incassokosten, art. 2" in content
    assert "9 September 2025" in content  # charged the day after the reminder of 8 September


def test_invoice_page_query_count_is_pinned(bob_client, charged, interest, django_assert_max_num_queries):
    invoice, _ = charged

    with django_assert_max_num_queries(15):  # one more for the forecast
        bob_client.get(invoice_url(invoice))


def test_amount_due_adds_costs_and_interest(bob_client, charged, interest):
    invoice, _ = charged

    due = bob_client.get(invoice_url(invoice)).context["amount_due"]

    assert due.principal == Decimal("250.00")
    assert due.costs == Decimal("40.00")
    assert due.interest == Decimal("3.21")
    assert due.total == Decimal("293.21")


def test_payment_goes_to_costs_first(bob_client, org_alfa, charged):
    invoice, charge = charged
    with tenant_context(org_alfa):
        payment_register(organization=org_alfa, amount=Decimal("30.00"), payment_date=DUE_DATE, invoice=invoice)

    response = bob_client.get(invoice_url(invoice))

    due = response.context["amount_due"]
    assert (due.principal, due.costs, due.total) == (Decimal("250.00"), Decimal("10.00"), Decimal("260.00"))
    assert '<td data-amount="10.00">' in response.content.decode()


def test_waive_with_reason(bob_client, bob, org_alfa, charged):
    invoice, charge = charged

    response = bob_client.post(waive_url(charge), {"reason": "Goodwill after a late delivery"})

    assert response.status_code == 302
    assert response["Location"] == invoice_url(invoice) + "#charges"
    waived = reload(org_alfa, charge)
    assert waived.waived_at is not None
    assert (waived.open_amount, waived.amount) == (Decimal("0.00"), Decimal("40.00"))
    assert (waived.waive_reason, waived.waived_by) == ("Goodwill after a late delivery", bob)
    with tenant_context(org_alfa):
        event = TimelineEvent.objects.get(data__event="waived")
    assert (event.data["amount"], event.data["by"]) == ("40.00", "bob@alfa.example")
    page = bob_client.get(invoice_url(invoice))
    assert page.context["amount_due"].total == Decimal("250.00")
    content = page.content.decode()
    assert 'data-waived="yes"' in content
    assert "by bob@alfa.example" in content
    assert f'id="waive-{charge.pk}"' not in content
    debtor_page = bob_client.get(reverse("dashboard:debtor", args=[invoice.debtor_id])).content.decode()
    assert "Collection costs waived on invoice INV-C1: €\xa040.00 (Goodwill after a late delivery)" in debtor_page


def test_admin_may_waive(alice_client, org_alfa, charged):
    _, charge = charged

    response = alice_client.post(waive_url(charge), {"reason": "Goodwill"})

    assert response.status_code == 302
    assert reload(org_alfa, charge).waived_at is not None


def test_empty_reason_is_form_error(bob_client, org_alfa, charged):
    invoice, charge = charged

    response = bob_client.post(waive_url(charge), {"reason": "   "})

    assert response.status_code == 400
    [(failed_charge, form)] = [(row, form) for row, form in response.context["charge_rows"] if row.pk == charge.pk]
    assert form.errors["reason"] == ["Say why the costs are waived, such as “goodwill after a late delivery”."]
    assert list(form.errors) == ["reason"]
    assert f'action="{waive_url(charge)}"' in response.content.decode()
    assert reload(org_alfa, charge).waived_at is None


def test_waive_twice_is_form_error(bob_client, org_alfa, charged):
    _, charge = charged
    bob_client.post(waive_url(charge), {"reason": "Goodwill"})

    response = bob_client.post(waive_url(charge), {"reason": "Again"})

    assert response.status_code == 400
    assert "These costs were waived already." in response.content.decode()
    assert reload(org_alfa, charge).waive_reason == "Goodwill"


def test_paid_charge_has_no_waive_form(bob_client, org_alfa, charged):
    invoice, charge = charged
    with tenant_context(org_alfa):
        payment_register(organization=org_alfa, amount=Decimal("40.00"), payment_date=DUE_DATE, invoice=invoice)

    page = bob_client.get(invoice_url(invoice)).content.decode()
    response = bob_client.post(waive_url(charge), {"reason": "Goodwill"})

    assert f'id="waive-{charge.pk}"' not in page
    assert response.status_code == 400
    assert "Nothing is open on these costs, so there is nothing to waive." in response.content.decode()
    assert reload(org_alfa, charge).waived_at is None


def test_reader_sees_charges_but_cannot_waive(reader_client, org_alfa, charged):
    invoice, charge = charged

    page = reader_client.get(invoice_url(invoice)).content.decode()
    response = reader_client.post(waive_url(charge), {"reason": "Goodwill"})

    assert f'id="charge-{charge.pk}"' in page
    assert f'id="waive-{charge.pk}"' not in page
    assert response.status_code == 403
    assert reload(org_alfa, charge).waived_at is None


def test_other_organization_charge_is_404(charlie_client, bob_client, org_alfa, org_bravo, charged, bravo_charge):
    _, charge = charged

    by_charlie = charlie_client.post(waive_url(charge), {"reason": "Goodwill"})
    by_bob = bob_client.post(waive_url(bravo_charge), {"reason": "Goodwill"})

    assert (by_charlie.status_code, by_bob.status_code) == (404, 404)
    assert reload(org_alfa, charge).waived_at is None
    assert reload(org_bravo, bravo_charge).waived_at is None


def test_fixed_fee_basis_text(bob_client, org_alfa, make_invoice, statutory_rates):
    invoice = make_invoice(org_alfa, number="INV-F1", total="80.00", due_date=DUE_DATE)
    costs_workflow(org_alfa, costs=StepCosts.FIXED, fixed_fee=Decimal("7.50"))
    charge_after_reminder(org_alfa, invoice)

    content = bob_client.get(invoice_url(invoice)).content.decode()

    assert "Reminder fee of the step “Second reminder” of workflow Costs, charged after it went out." in content
    assert '<td data-amount="7.50">' in content


def test_fourteen_day_letter_basis_text():
    charge = Charge(
        kind=ChargeKind.COLLECTION_COSTS,
        basis={"fourteen_day_letter": "x", "sent_on": "2025-10-01", "term_ends_on": "2025-10-17"},
    )

    with translation.override("en"):
        text = charge_basis_text(charge, {})

    assert text == (
        "Statutory collection costs after the 14-day letter sent on 01/10/2025, "
        "whose term ended on 17/10/2025 without payment."
    )


def test_deleted_step_basis_text():
    charge = Charge(kind=ChargeKind.FIXED_FEE, basis={"step": "6f1c1a52-7c1e-4d55-9a57-0c1f0a3e5b11"})

    with translation.override("en"):
        text = charge_basis_text(charge, {})

    assert text == "Charged after a workflow step went out; that step has been deleted since."


def test_charges_in_dutch(bob_client, charged):
    invoice, _ = charged
    bob_client.post(reverse("dashboard:language"), {"language": "nl"})

    content = bob_client.get(invoice_url(invoice)).content.decode()

    assert "Kosten en rente" in content
    assert "Te betalen" in content
    assert "Kwijtschelden" in content
