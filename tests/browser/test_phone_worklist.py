"""In headless Chromium: a credit controller opens the call list, reads the script and records a promise to pay."""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from dunning.models import Channel, Hold, PhoneTask, PhoneTaskStatus, StepTemplate
from payt.dates import local_today
from payt.tenancy import tenant_context
from tests.browser.test_end_to_end import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import PASSWORD
from tests.dunning.channel_support import make_debtor, queue_message, send

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


@pytest.fixture
def call_task(org_alfa):
    """A phone step sent for Van Dijk's two invoices: one open call with its script."""
    _, invoices = make_debtor(org_alfa, phone="0612345678", invoices=[("INV-1", "250.00"), ("INV-2", "1234.56")])
    message = queue_message(org_alfa, invoices, channel=Channel.PHONE, template=StepTemplate.PHONE_CALL)
    send(org_alfa, message)
    with tenant_context(org_alfa):
        return PhoneTask.objects.get()


def test_record_promise_to_pay_from_call_list(chromium_page, live_server, org_alfa, bob, call_task):
    page = chromium_page
    promised = local_today(org_alfa) + dt.timedelta(days=5)

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", bob.username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.get_by_role("link", name="Calls").click()

    call = page.locator(f"#call-{call_task.pk}")
    expect(call).to_be_visible()
    expect(call.locator(".script")).to_contain_text("Call Van Dijk Installatie BV about: Phone call.")
    expect(call.locator(".script")).to_contain_text("Total open: €1,484.56")
    group = page.locator(".call-group", has=call)
    expect(group.locator('tr[data-invoice="INV-2"]')).to_contain_text("1,234.56")
    expect(group.locator(".phone-number")).to_have_text("+31 6 12345678")

    call.get_by_label("Promise to pay").check()
    call.get_by_label("Promised payment date").fill(promised.isoformat())
    call.get_by_label("Note").fill("Pays after the weekend")
    call.get_by_role("button", name="Record outcome").click()

    expect(page.locator(".messages")).to_contain_text("Call to Van Dijk Installatie BV recorded: Promise to pay.")
    expect(page.locator(f"#call-{call_task.pk}")).to_have_count(0)
    expect(page.get_by_text("No calls are due.")).to_be_visible()
    with tenant_context(org_alfa):
        task = PhoneTask.objects.get(pk=call_task.pk)
        hold = Hold.objects.get(debtor_id=task.debtor_id)
    assert (task.status, task.outcome, task.promised_date) == (PhoneTaskStatus.DONE, "promise_to_pay", promised)
    assert task.outcome_note == "Pays after the weekend"
    assert hold.until == promised + dt.timedelta(days=3)
