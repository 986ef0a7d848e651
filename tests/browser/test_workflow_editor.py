"""In headless Chromium: a credit controller edits a workflow step and sees the preview change.

The browser is Debian's /usr/bin/chromium, as in ``test_end_to_end``; the
test fails, and does not skip, when that binary is missing.
"""

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from debtors.services import debtor_create
from dunning.models import Message, Workflow, WorkflowStep
from invoices.services import invoice_register
from payt.dates import local_today
from payt.models import AuditEntry
from payt.tenancy import tenant_context
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def browser(monkeypatch) -> Browser:
    # Playwright's sync API keeps an asyncio loop in this thread; Django needs this to run the test's queries.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium package to run the browser tests.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser) -> Page:
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def debtors(org_alfa):
    """A Dutch and a German debtor, each with one overdue invoice."""
    today = local_today(org_alfa)
    created = {}
    with tenant_context(org_alfa):
        for number, name, language in (("BR-NL-1", "Jansen Bakkerij", "nl"), ("BR-DE-1", "Müller GmbH", "de")):
            debtor = debtor_create(
                organization=org_alfa, name=name, email=f"{language}@debtor.example", language=language
            )
            invoice_register(
                organization=org_alfa,
                debtor=debtor,
                number=number,
                issue_date=today - dt.timedelta(days=40),
                due_date=today - dt.timedelta(days=10),
                total_amount=Decimal("321.00"),
            )
            created[language] = debtor
    return created


def log_in(page: Page, live_server, user) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    expect(page.locator("#aging-table")).to_be_visible()


def preview_body(page: Page):
    return page.frame_locator("#preview-frame").locator("body")


def test_controller_edits_step_and_sees_preview(page, live_server, org_alfa, bob, debtors):
    log_in(page, live_server, bob)

    page.click("nav.mainnav >> text=Workflows")
    expect(page.locator('section[data-workflow="Standard"]')).to_be_visible()
    page.click('section[data-workflow="Standard"] h2 a')
    page.click("#step-edit-1")

    # The preview loads for the first debtor in the list, in that debtor's language.
    page.select_option("#preview-debtor", label="Jansen Bakkerij (nl)")
    subject = page.locator("#preview-subject")
    expect(subject).to_have_text("Vriendelijke herinnering: factuur BR-NL-1 van Alfa Installaties BV")
    expect(preview_body(page)).to_contain_text("Beste Jansen Bakkerij,")

    # Changing the unsaved form re-renders the preview with the new template.
    page.select_option("#id_template", "second_reminder")
    expect(subject).to_have_text("Tweede herinnering: factuur BR-NL-1 van Alfa Installaties BV")

    page.select_option("#preview-debtor", label="Müller GmbH (de)")
    expect(subject).to_have_text("Zweite Zahlungserinnerung: Rechnung BR-DE-1 von Alfa Installaties BV")
    expect(preview_body(page)).to_contain_text("Guten Tag Müller GmbH,")

    page.fill("#id_days_after_due", "10")
    page.click("#step-save")
    expect(page.locator(".message.success")).to_have_text("Step 1 saved.")

    with tenant_context(org_alfa):
        step = WorkflowStep.objects.get(workflow=Workflow.objects.get(is_default=True), position=1)
        entry = AuditEntry.objects.get(action="workflow_step.updated")
        assert Message.objects.count() == 0
    assert (step.template, step.days_after_due) == ("second_reminder", 10)
    assert entry.actor == bob
    assert entry.data["before"]["template"] == "friendly_reminder"
    assert entry.data["after"]["template"] == "second_reminder"


def test_bad_offset_shows_error_in_browser(page, live_server, org_alfa, bob, debtors):
    log_in(page, live_server, bob)
    with tenant_context(org_alfa):
        step = WorkflowStep.objects.get(workflow=Workflow.objects.get(is_default=True), position=2)

    page.goto(f"{live_server.url}/workflows/steps/{step.pk}/")
    page.fill("#id_days_after_due", "400")
    page.click("#step-save")

    expect(page.locator(".errorlist")).to_contain_text("Offset 400 is out of range")
    with tenant_context(org_alfa):
        step.refresh_from_db()
    assert step.days_after_due == 21
