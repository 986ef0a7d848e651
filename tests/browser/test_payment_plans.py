"""Payment plans end to end in headless Chromium, against the live server and the local Mollie server.

One debtor proposes a plan that the rules accept at once and pays its
first instalment through Mollie's checkout. A second debtor proposes a
plan that goes to review, and the credit controller approves it in the
dashboard.
"""

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from debtors.services import debtor_create
from invoices.services import invoice_register
from payments.models import PaymentPlan, PlanStatus
from payments.mollie_local import LocalMollieServer
from payt.dates import local_today
from payt.tenancy import tenant_context
from portal.services import portal_url_for_debtor
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PAYMENT_TIMEOUT_MS
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def chromium(monkeypatch) -> Browser:
    # Playwright's sync API keeps an asyncio loop in this thread, so Django
    # would refuse the test's own synchronous queries without this.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium package to run the browser tests.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_page(browser: Browser) -> Page:
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


@pytest.fixture
def local_mollie(settings, live_server):
    """A local Mollie server whose webhooks and redirects reach the live Django server."""
    server = LocalMollieServer().start()
    settings.MOLLIE_API_ENDPOINT = server.url
    settings.BASE_URL = live_server.url
    yield server
    server.stop()


def debtor_with_invoices(organization, name: str, *rows: tuple[str, str, int]):
    """Create an English-speaking debtor with invoices ``(number, total, due in days from today)``."""
    today = local_today(organization)
    with tenant_context(organization):
        debtor = debtor_create(
            organization=organization, name=name, email=f"{name.split()[0].lower()}@plans.example", language="en"
        )
        for number, total, due_in_days in rows:
            due_date = today + dt.timedelta(days=due_in_days)
            invoice_register(
                organization=organization,
                debtor=debtor,
                number=number,
                issue_date=due_date - dt.timedelta(days=30),
                due_date=due_date,
                total_amount=Decimal(total),
            )
        portal_url = portal_url_for_debtor(debtor)
    return debtor, portal_url


def propose_in_portal(page: Page, portal_url: str, instalments: int) -> None:
    page.goto(portal_url)
    page.get_by_role("link", name="Pay in instalments: propose a payment plan or see yours").click()
    page.select_option("#plan-instalment-count", str(instalments))
    page.click("#plan-preview-button")
    expect(page.locator("#preview-instalments tbody tr")).to_have_count(instalments)


def plan_of(organization, debtor) -> tuple[PaymentPlan, list]:
    with tenant_context(organization):
        plan = PaymentPlan.objects.select_related("decided_by").get(debtor=debtor)
        return plan, list(plan.instalments.order_by("sequence"))


def test_plans_accepted_and_reviewed(chromium, live_server, local_mollie, org_alfa, bob):
    quick, quick_url = debtor_with_invoices(
        org_alfa, "Quickpay Trading", ("PLAN-Q1", "100.00", -20), ("PLAN-Q2", "200.00", -5)
    )
    careful, careful_url = debtor_with_invoices(org_alfa, "Careful Holding", ("PLAN-C1", "3000.00", -40))
    debtor_page = new_page(chromium)

    # A plan within the rules is accepted at once.
    propose_in_portal(debtor_page, quick_url, 3)
    expect(debtor_page.locator("#preview-outcome")).to_have_attribute("data-outcome", "accept")
    expect(debtor_page.locator("#preview-instalments")).to_contain_text("EUR 100.00")
    debtor_page.click("#plan-propose-button")
    expect(debtor_page.locator("#plan-status")).to_have_attribute("data-status", "accepted")
    expect(debtor_page.locator("main")).to_contain_text("Your payment plan is accepted.")
    expect(debtor_page.get_by_role("button", name="Pay instalment")).to_have_count(3)

    # Its first instalment is paid through the local Mollie checkout and the webhook.
    debtor_page.get_by_role("button", name="Pay instalment 1").click()
    debtor_page.wait_for_url(f"{local_mollie.url}/checkout/**")
    debtor_page.click("#status-paid")
    debtor_page.wait_for_url(f"{live_server.url}/p/**/return**")
    expect(debtor_page.locator("h1")).to_have_text("Payment received", timeout=PAYMENT_TIMEOUT_MS)
    debtor_page.goto(quick_url + "plan")
    expect(debtor_page.locator('#instalments tr[data-sequence="1"]')).to_have_attribute("data-status", "paid")
    expect(debtor_page.get_by_role("button", name="Pay instalment")).to_have_count(2)

    # A plan above the organisation's limit goes to review, with the reason shown.
    propose_in_portal(debtor_page, careful_url, 3)
    expect(debtor_page.locator("#preview-outcome")).to_have_attribute("data-outcome", "review")
    expect(debtor_page.locator("#preview-outcome")).to_contain_text("is above the €\N{NO-BREAK SPACE}2,500.00")
    debtor_page.click("#plan-propose-button")
    expect(debtor_page.locator("#plan-status")).to_have_attribute("data-status", "proposed")
    expect(debtor_page.locator(".plan-reasons")).to_contain_text("The total of €\N{NO-BREAK SPACE}3,000.00")

    # The credit controller approves it in the dashboard.
    controller_page = new_page(chromium)
    controller_page.goto(f"{live_server.url}/login/")
    controller_page.fill("#id_username", bob.username)
    controller_page.fill("#id_password", PASSWORD)
    controller_page.click("#login-submit")
    controller_page.get_by_role("link", name="Payment plans").click()
    review = controller_page.get_by_role("region", name="Careful Holding")
    expect(review).to_contain_text("The total of €\N{NO-BREAK SPACE}3,000.00 is above")
    review.get_by_role("button", name="Approve").click()
    expect(controller_page.locator(".messages")).to_contain_text("The payment plan of Careful Holding is accepted.")
    active = controller_page.locator("#active-plans")
    expect(active).to_contain_text("Careful Holding")
    expect(active).to_contain_text("Quickpay Trading")
    expect(active.locator('tr[data-debtor="Quickpay Trading"]')).to_contain_text("1 of 3")

    # The debtor now sees the approved plan with a pay button per instalment.
    debtor_page.goto(careful_url + "plan")
    expect(debtor_page.locator("#plan-status")).to_have_attribute("data-status", "accepted")
    expect(debtor_page.get_by_role("button", name="Pay instalment")).to_have_count(3)

    quick_plan, quick_instalments = plan_of(org_alfa, quick)
    careful_plan, careful_instalments = plan_of(org_alfa, careful)
    assert (quick_plan.status, quick_plan.decided_by) == (PlanStatus.ACCEPTED, None)
    assert [i.status for i in quick_instalments] == ["paid", "open", "open"]
    assert (careful_plan.status, careful_plan.decided_by) == (PlanStatus.ACCEPTED, bob)
    assert [i.amount for i in careful_instalments] == [Decimal("1000.00")] * 3
