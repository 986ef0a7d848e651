"""In headless Chromium: the next-7-days preview, the run log and the allocate-credit worklist."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from dunning.holds import hold_place
from dunning.models import HoldReason, StepTemplate
from dunning.services import dunning_run
from payt.dates import local_today
from payt.tenancy import tenant_context
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _log_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")


def test_preview_run_log_and_credit_worklist(
    page, live_server, org_alfa, alice, make_invoice, credit_note, use_workflow
):
    workflow = use_workflow(org_alfa, [(7, StepTemplate.FRIENDLY_REMINDER)])
    with tenant_context(org_alfa):
        # The test runs on the real date, which may be a weekend or holiday.
        workflow.steps.update(next_business_day=False)
    today = local_today(org_alfa)
    upcoming = make_invoice(
        org_alfa, number="INV-NEXT", total="120.00", due_date=today - dt.timedelta(days=4), name="Tulpwerk BV"
    )
    held = make_invoice(
        org_alfa, number="INV-HELD", total="80.00", due_date=today - dt.timedelta(days=9), name="Noordkade BV"
    )
    credited = make_invoice(
        org_alfa, number="INV-CRED", total="100.00", due_date=today - dt.timedelta(days=30), name="Ravelijn Studio"
    )
    credit_note(org_alfa, credited.debtor, number="CN-7", total="150.00", issue_date=today - dt.timedelta(days=40))
    with tenant_context(org_alfa):
        hold_place(debtor=held.debtor, invoice=held, reason=HoldReason.CONSULTATION)
    dunning_run(organization=org_alfa, run_date=today)

    _log_in(page, live_server, alice)
    page.get_by_role("link", name="Next 7 days").click()
    day = page.locator(f"#day-{(today + dt.timedelta(days=3)).isoformat()}")
    expect(day).to_contain_text("Tulpwerk BV")
    expect(day).to_contain_text(upcoming.number)

    page.get_by_role("link", name="Run log").click()
    page.get_by_role("link", name=today.strftime("%-d %b %Y")).first.click()
    expect(page.get_by_role("main")).to_contain_text("on hold: consultation")
    expect(page.get_by_role("main")).to_contain_text("debtor in credit, net balance -50.00")

    page.get_by_role("link", name="Allocate credit").click()
    page.get_by_label("Allocate to invoice").select_option(label="INV-CRED (EUR 100.00)")
    page.get_by_role("button", name="Allocate").click()
    expect(page.get_by_role("main")).to_contain_text("No credit is waiting to be allocated.")
    with tenant_context(org_alfa):
        credited.refresh_from_db()
    assert credited.open_amount == 0
