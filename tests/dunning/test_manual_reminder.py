"""A reminder requested through the API: refused until the day after the due date (BL-03)."""

import datetime as dt

import pytest
from django.utils import timezone

from dunning.holds import hold_place
from dunning.models import HoldReason, Message, StepTemplate
from payt.tenancy import tenant_context

AMSTERDAM = dt.timezone(dt.timedelta(hours=2))


@pytest.fixture
def at(monkeypatch):
    """Set the clock that ``payt.dates`` reads to a fixed moment."""

    def set_clock(moment: dt.datetime):
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_clock


@pytest.fixture
def due_invoice(org_alfa, make_invoice, use_workflow):
    use_workflow(org_alfa, [(1, StepTemplate.FRIENDLY_REMINDER), (14, StepTemplate.SECOND_REMINDER)])
    return make_invoice(org_alfa, number="INV-2025-050", total="80.00", due_date=dt.date(2025, 10, 15))


def _url(invoice) -> str:
    return f"/api/v1/invoices/{invoice.pk}/reminders"


def test_refused_on_the_due_date_and_accepted_after_midnight(org_alfa, alfa_api, due_invoice, at):
    at(dt.datetime(2025, 10, 15, 18, 0, tzinfo=AMSTERDAM))
    refused = alfa_api.post(_url(due_invoice), {}, format="json")

    at(dt.datetime(2025, 10, 16, 0, 5, tzinfo=AMSTERDAM))
    accepted = alfa_api.post(_url(due_invoice), {}, format="json")
    again = alfa_api.post(_url(due_invoice), {}, format="json")

    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "not_overdue"
    assert "2025-10-15" in refused.json()["error"]["message"]
    assert accepted.status_code == 201
    assert accepted.json()["days_overdue"] == 1
    assert accepted.json()["step"] == "friendly_reminder"
    assert accepted.json()["run_date"] == "2025-10-16"
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "too_soon"
    assert "2025-10-23" in again.json()["error"]["message"]
    with tenant_context(org_alfa):
        message = Message.objects.get()
    assert message.template == StepTemplate.FRIENDLY_REMINDER


def test_held_invoice_and_other_tenant(org_alfa, alfa_api, bravo_api, due_invoice, at):
    at(dt.datetime(2025, 10, 20, 9, 0, tzinfo=AMSTERDAM))
    foreign = bravo_api.post(_url(due_invoice), {}, format="json")
    with tenant_context(org_alfa):
        hold_place(debtor=due_invoice.debtor, invoice=due_invoice, reason=HoldReason.CONSULTATION)
    held = alfa_api.post(_url(due_invoice), {}, format="json")

    assert foreign.status_code == 404
    assert held.status_code == 409
    assert held.json()["error"]["code"] == "held_back"
    assert "on hold: consultation" in held.json()["error"]["message"]
