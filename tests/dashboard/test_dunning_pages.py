"""Next-7-days preview, run log and the allocate-credit worklist in the dashboard."""

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from dunning.models import StepTemplate
from dunning.services import dunning_run
from invoices.models import Invoice
from payt.tenancy import tenant_context
from tests.dashboard.conftest import logged_in_client


def test_upcoming_lists_messages_per_day(org_alfa, alice_client, make_invoice, use_workflow, monkeypatch):
    use_workflow(org_alfa, [(7, StepTemplate.FRIENDLY_REMINDER)])
    monkeypatch.setattr("dashboard.run_views.local_today", lambda organization: dt.date(2026, 11, 6))
    make_invoice(org_alfa, number="INV-U1", total="120.00", due_date=dt.date(2026, 11, 2), name="Tulpwerk BV")

    response = alice_client.get(reverse("dashboard:dunning_upcoming"))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="day-2026-11-09"' in page
    assert "Tulpwerk BV" in page
    assert "INV-U1" in page
    assert "EUR 120.00" in page
    with tenant_context(org_alfa):
        assert not Invoice.objects.get(number="INV-U1").dunning_actions.exists()


def test_run_log_reasons_and_isolation(
    org_alfa, org_bravo, alice_client, charlie, make_invoice, credit_note
):
    invoice = make_invoice(org_alfa, number="INV-2025-031", total="100.00", due_date=dt.date(2025, 10, 1))
    credit_note(org_alfa, invoice.debtor, number="CN-2025-007", total="150.00", issue_date=dt.date(2025, 9, 10))
    dunning_run(organization=org_alfa, run_date=dt.date(2025, 10, 8))

    listing = alice_client.get(reverse("dashboard:dunning_runs"))
    run_id = listing.context["page"][0].pk
    detail = alice_client.get(reverse("dashboard:dunning_run", args=[run_id]))
    foreign = logged_in_client(charlie).get(reverse("dashboard:dunning_run", args=[run_id]))

    assert detail.status_code == 200
    assert "debtor in credit, net balance -50.00" in detail.content.decode()
    assert foreign.status_code == 404


def test_credit_worklist_allocates_credit(org_alfa, alice_client, charlie, make_invoice, credit_note):
    invoice = make_invoice(org_alfa, number="INV-2025-031", total="100.00", due_date=dt.date(2025, 10, 1))
    credit = credit_note(
        org_alfa, invoice.debtor, number="CN-2025-007", total="150.00", issue_date=dt.date(2025, 9, 10)
    )

    page = alice_client.get(reverse("dashboard:credit_worklist")).content.decode()
    foreign = logged_in_client(charlie).post(
        reverse("dashboard:credit_allocate", args=[credit.pk]), {"invoice": str(invoice.pk)}
    )
    bad = alice_client.post(reverse("dashboard:credit_allocate", args=[credit.pk]), {"invoice": "not-a-uuid"})
    done = alice_client.post(reverse("dashboard:credit_allocate", args=[credit.pk]), {"invoice": str(invoice.pk)})

    assert "CN-2025-007" in page
    assert "INV-2025-031" in page
    assert foreign.status_code == 404
    assert bad.status_code == 404
    assert done.status_code == 302
    with tenant_context(org_alfa):
        invoice.refresh_from_db()
        credit.refresh_from_db()
    assert invoice.open_amount == Decimal("0.00")
    assert credit.open_amount == Decimal("50.00")
    assert alice_client.get(reverse("dashboard:credit_worklist")).context["rows"] == []


def test_credit_cannot_be_allocated_to_itself(org_alfa, alice_client, make_invoice, credit_note):
    invoice = make_invoice(org_alfa, number="INV-2025-031", total="100.00", due_date=dt.date(2025, 10, 1))
    credit = credit_note(
        org_alfa, invoice.debtor, number="CN-2025-007", total="150.00", issue_date=dt.date(2025, 9, 10)
    )

    response = alice_client.post(
        reverse("dashboard:credit_allocate", args=[credit.pk]), {"invoice": str(credit.pk)}, follow=True
    )

    with tenant_context(org_alfa):
        credit.refresh_from_db()
    assert credit.open_amount == Decimal("150.00")
    assert "is a credit document" in response.content.decode()
