"""End to end in headless Chromium: dashboard aging, then a portal payment through local Mollie.

The browser and the local Mollie server come from ``tests/browser/conftest.py``.
"""

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from debtors.services import debtor_create
from invoices.models import Invoice, SettlementStatus
from invoices.services import invoice_register
from payt.dates import local_today
from payt.tenancy import tenant_context
from portal.services import portal_url_for_debtor
from tests.browser.conftest import PAYMENT_TIMEOUT_MS
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def receivables(org_alfa):
    """One debtor with an invoice in four aging buckets, dated from the organisation's today."""
    today = local_today(org_alfa)
    rows = [
        ("E2E-NOT-DUE", "100.00", 10),
        ("E2E-1-30", "250.50", -5),
        ("E2E-31-60", "75.25", -45),
        ("E2E-OVER-90", "40.00", -100),
    ]
    with tenant_context(org_alfa):
        debtor = debtor_create(
            organization=org_alfa,
            name="Browser Test BV",
            email="pay@browser.example",
            language="en",
        )
        invoices = {}
        for number, total, due_in_days in rows:
            due_date = today + dt.timedelta(days=due_in_days)
            invoices[number], _ = invoice_register(
                organization=org_alfa,
                debtor=debtor,
                number=number,
                issue_date=due_date - dt.timedelta(days=30),
                due_date=due_date,
                total_amount=Decimal(total),
            )
    return debtor, invoices


def aging_cell(page: Page, bucket: str):
    return page.locator(f'#aging-table tr[data-currency="EUR"] td[data-bucket="{bucket}"]')


def test_aging_then_portal_payment(page, live_server, mollie_server, org_alfa, alice, receivables):
    debtor, invoices = receivables

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", alice.username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")

    expect(page.locator("#aging-table")).to_be_visible()
    expected = {
        "not_due": "100.00",
        "days_1_30": "250.50",
        "days_31_60": "75.25",
        "days_61_90": "0.00",
        "over_90": "40.00",
        "total": "465.75",
    }
    for bucket, amount in expected.items():
        expect(aging_cell(page, bucket)).to_have_attribute("data-amount", amount)
    expect(aging_cell(page, "days_1_30")).to_contain_text("€\N{NO-BREAK SPACE}250.50")

    with tenant_context(org_alfa):
        portal_url = portal_url_for_debtor(debtor)
    page.goto(portal_url)
    paid = invoices["E2E-1-30"]
    for checkbox in page.locator('input[name="invoices"]').all():
        checkbox.uncheck()
    page.check(f"#pay-{paid.pk}")
    with page.expect_response(lambda response: response.request.method == "POST") as pay:
        page.locator("form.pay-form button[type=submit]").click()
    pay_status = pay.value.status
    assert pay_status == 302, f"The portal's pay POST returned {pay_status}, not a redirect to Mollie"

    page.wait_for_url(f"{mollie_server.url}/checkout/**")
    page.click("#status-paid")

    page.wait_for_url(f"{live_server.url}/p/**/return**")
    expect(page.locator("h1")).to_have_text("Payment received", timeout=PAYMENT_TIMEOUT_MS)
    expect(page.locator("main")).to_contain_text("E2E-1-30")

    page.get_by_role("link", name="Back to your invoices").click()
    settled = page.locator("section[aria-labelledby=settled-heading]")
    expect(settled.locator("tr", has_text="E2E-1-30")).to_contain_text("Paid")
    to_pay = page.locator("section[aria-labelledby=to-pay-heading]")
    expect(to_pay).not_to_contain_text("E2E-1-30")
    expect(to_pay).to_contain_text("E2E-31-60")

    with tenant_context(org_alfa):
        paid = Invoice.objects.get(pk=paid.pk)
    assert paid.open_amount == Decimal("0.00")
    assert paid.settlement_status == SettlementStatus.PAID
