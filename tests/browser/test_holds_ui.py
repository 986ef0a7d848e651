"""In headless Chromium: a credit controller places a hold on the debtor page and finds it on the holds overview."""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from dunning.models import Hold, HoldReason
from payt.dates import local_today
from payt.tenancy import tenant_context
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def chromium_page(monkeypatch) -> Page:
    # Playwright's sync API keeps an asyncio loop in this thread; Django's own queries need this.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium package to run the browser tests.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(10_000)
        yield page
        context.close()
        browser.close()


def test_place_hold_and_see_it_on_overview(chromium_page, live_server, org_alfa, bob, make_invoice):
    page = chromium_page
    today = local_today(org_alfa)
    invoice = make_invoice(
        org_alfa, number="INV-77", total="480.00", due_date=today - dt.timedelta(days=12), name="Van Dijk Bouw"
    )
    until = today + dt.timedelta(days=21)

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", bob.username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.get_by_role("link", name="Debtors").click()
    page.get_by_role("link", name="Van Dijk Bouw").click()

    form = page.locator("#hold-place-form")
    form.get_by_label("Pause").select_option(label="Invoice INV-77")
    form.get_by_label("Reason").select_option(label="Dispute")
    form.get_by_label("Until").fill(until.isoformat())
    form.get_by_label("Note").fill("Disputes the delivery date")
    form.get_by_role("button", name="Place hold").click()

    expect(page.locator(".messages")).to_contain_text("Dunning paused for invoice INV-77.")
    expect(page.locator("#active-holds")).to_contain_text("Disputes the delivery date")
    expect(page.locator("#timeline")).to_contain_text("Dunning paused for invoice INV-77: Dispute until")

    page.get_by_role("link", name="Holds", exact=True).click()
    with tenant_context(org_alfa):
        hold = Hold.objects.get()
    row = page.locator(f"#hold-{hold.pk}")
    expect(row).to_contain_text("Van Dijk Bouw")
    expect(row).to_contain_text("INV-77")
    expect(row).to_contain_text("Dispute")
    expect(row).to_contain_text(until.strftime("%d/%m/%Y"))
    expect(row).to_contain_text("bob@alfa.example")
    assert (hold.invoice_id, hold.reason, hold.until) == (invoice.pk, HoldReason.DISPUTE, until)
