"""The calculator page in headless Chromium: htmx swaps the result card in place, errors included."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_end_to_end import browser, page  # noqa: F401 (fixtures)
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("statutory_rates")]

NBSP = "\N{NO-BREAK SPACE}"


def log_in(tab: Page, base_url: str, user) -> None:
    tab.goto(f"{base_url}/login/")
    tab.fill("#id_username", user.username)
    tab.fill("#id_password", PASSWORD)
    tab.click("#login-submit")
    tab.wait_for_url(f"{base_url}/")


def test_calculators_swap_results_in_place(page: Page, live_server, bob):  # noqa: F811
    log_in(page, live_server.url, bob)
    page.goto(f"{live_server.url}/dunning/calculators/")

    costs = page.locator("#costs-card")
    costs.locator("#costs_country").select_option("NL")
    costs.locator("#costs_debtor_kind").select_option("consumer")
    costs.locator("#costs_principal").fill("1234.56")
    costs.locator("#costs_vat_not_deductible").check()
    costs.get_by_role("button", name="Calculate costs").click()

    expect(page.locator("#costs-amount")).to_have_text(f"€{NBSP}224.07")
    assert page.url == f"{live_server.url}/dunning/calculators/"

    interest = page.locator("#interest-card")
    interest.locator("#interest_country").select_option("FR")
    interest.locator("#interest_debtor_kind").select_option("consumer")
    interest.locator("#interest_principal").fill("1000.00")
    interest.locator("#interest_start").fill("2023-03-01")
    interest.locator("#interest_end").fill("2024-12-31")
    interest.get_by_role("button", name="Calculate interest").click()

    expect(page.locator("#interest-card .errorlist")).to_contain_text("no statutory interest regime")

    interest = page.locator("#interest-card")
    interest.locator("#interest_country").select_option("NL")
    interest.get_by_role("button", name="Calculate interest").click()

    expect(page.locator("#interest-amount")).to_have_text(f"€{NBSP}117.04")
    expect(page.locator("#costs-amount")).to_have_text(f"€{NBSP}224.07")
