"""In headless Chromium: a credit controller uploads a statement and splits a waiting payment.

The browser is Debian's /usr/bin/chromium; the test fails, and does not
skip, when that binary is missing.
"""

from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.conftest import PASSWORD
from tests.payments.bank_support import FIXTURES, refreshed, seed_invoice

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]


@pytest.fixture
def page(monkeypatch):
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


def test_upload_and_split_waiting_payment(page, live_server, org_alfa, bob):
    first = seed_invoice(org_alfa, number="2013-0917", total="1000.00", debtor_name="3rd Party Media")
    second = seed_invoice(org_alfa, number="2013-0918", total="600.00", debtor_name="3rd Party Media")

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", bob.username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.get_by_role("link", name="Bank").click()

    page.set_input_files("#id_file", str(FIXTURES / "test-camt053.xml"))
    page.locator("#bank-upload button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("Imported 4 entries")
    expect(page.locator('#entry-table tr[data-position="3"]')).to_have_attribute("data-status", "review")

    page.goto(f"{live_server.url}/bank/reconciliation/")
    card = page.locator("section.bank-entry", has_text="3rd party Media")
    expect(card).to_contain_text("NL69ABNA0522123643")
    rows = card.locator("form.allocation-form tbody tr")
    rows.nth(0).locator("input[name$=invoice_number]").fill("2013-0917")
    rows.nth(0).locator("input[name$=amount]").fill("1000.00")
    rows.nth(1).locator("input[name$=invoice_number]").fill("2013-0918")
    rows.nth(1).locator("input[name$=amount]").fill("405.31")
    card.get_by_role("button", name="Apply payment").click()

    expect(page.locator(".messages")).to_contain_text("was applied")
    expect(page.locator("section.bank-entry", has_text="3rd party Media")).to_have_count(0)
    assert refreshed(org_alfa, first).open_amount == Decimal("0.00")
    assert refreshed(org_alfa, second).open_amount == Decimal("194.69")
