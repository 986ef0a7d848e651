"""Debtor journeys in headless Chromium, each portal page checked with axe-core.

A debtor opens the portal in each of the four languages, pays two invoices
at once through the local Mollie server, and disputes a third with an
attachment; the credit controller resolves the dispute in the dashboard and
the debtor sees the answer. A dispute whose attachment is over the limit
comes back with the debtor's answers kept. axe-core (``tests/browser/vendor``) runs on
every portal page and must report no serious or critical violation.
"""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from debtors.services import debtor_create
from invoices.models import Invoice, SettlementStatus
from invoices.services import invoice_register
from payt.dates import local_today
from payt.tenancy import tenant_context
from portal.models import Dispute, DisputeStatus
from portal.services import portal_link_ensure
from tests.browser.conftest import PAYMENT_TIMEOUT_MS
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")
HEADINGS = {
    "nl": "Facturen voor {name}",
    "en": "Invoices for {name}",
    "fr": "Factures de {name}",
    "de": "Rechnungen für {name}",
}
# A minimal PDF, small enough to type out; the portal checks its %PDF- signature.
SCAN_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def axe_violations(page: Page) -> list[dict]:
    """Run axe-core on the page and return its serious and critical violations."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async (impacts) => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            if (result.passes.length === 0) {
                throw new Error("axe-core checked no rule; the page may be empty");
            }
            return result.violations
                .filter((violation) => impacts.includes(violation.impact))
                .map((violation) => ({
                    id: violation.id,
                    impact: violation.impact,
                    nodes: violation.nodes.map((node) => node.target.join(" ")),
                }));
        }""",
        list(BLOCKING_IMPACTS),
    )


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert violations == [], f"axe-core found on {page.url}: {violations}"


def debtor_with_invoices(organization, name: str, language: str, invoices: list[tuple[str, str]]):
    """Create a debtor with overdue invoices and return (debtor, portal URL, {number: invoice})."""
    today = local_today(organization)
    with tenant_context(organization):
        debtor = debtor_create(
            organization=organization, name=name, email=f"{language}@debtor.example", language=language, country="NL"
        )
        created = {}
        for offset, (number, total) in enumerate(invoices):
            created[number], _ = invoice_register(
                organization=organization,
                debtor=debtor,
                number=number,
                issue_date=today - dt.timedelta(days=40 + offset),
                due_date=today - dt.timedelta(days=10 + offset),
                total_amount=Decimal(total),
            )
        _, token = portal_link_ensure(debtor=debtor)
    return debtor, f"/p/{token}/", created


def test_portal_opens_in_four_languages(page, live_server, org_alfa):
    for language in ("nl", "en", "fr", "de"):
        name = f"Taal {language.upper()} BV"
        _, url, _ = debtor_with_invoices(org_alfa, name, language, [(f"LANG-{language.upper()}", "42.00")])

        page.goto(live_server.url + url)

        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.locator("h1")).to_have_text(HEADINGS[language].format(name=name))
        assert_accessible(page)


def test_pay_two_dispute_third_controller_answers(page, live_server, mollie_server, org_alfa, bob):
    org_alfa.email = "credit@alfa.example"
    org_alfa.save(update_fields=["email"])
    debtor, url, invoices = debtor_with_invoices(
        org_alfa, "Journey BV", "en", [("JRN-1", "120.00"), ("JRN-2", "80.50"), ("JRN-3", "200.00")]
    )
    first, second, third = invoices["JRN-1"], invoices["JRN-2"], invoices["JRN-3"]

    # Pay two invoices at once, with iDEAL picked in the portal.
    page.goto(live_server.url + url)
    assert_accessible(page)
    for checkbox in page.locator('input[name="invoices"]').all():
        checkbox.uncheck()
    page.check(f"#pay-{first.pk}")
    page.check(f"#pay-{second.pk}")
    page.check("#pay-method-ideal")
    page.locator("form.pay-form button[type=submit]").click()
    page.wait_for_url(f"{mollie_server.url}/checkout/**")
    expect(page.locator("body")).to_contain_text("200.50")
    page.click("#status-paid")
    page.wait_for_url(f"{live_server.url}/p/**/return**")
    expect(page.locator("h1")).to_have_text("Payment received", timeout=PAYMENT_TIMEOUT_MS)
    assert_accessible(page)
    with tenant_context(org_alfa):
        settled = {invoice.number: invoice.settlement_status for invoice in Invoice.objects.filter(debtor=debtor)}
    assert settled == {"JRN-1": SettlementStatus.PAID, "JRN-2": SettlementStatus.PAID, "JRN-3": SettlementStatus.OPEN}

    # Dispute the third invoice with a PDF attached.
    page.goto(f"{live_server.url}{url}invoices/{third.pk}/")
    assert_accessible(page)
    page.get_by_role("link", name="I disagree with this invoice").click()
    assert_accessible(page)
    page.check("#category-amount_incorrect")
    page.fill("#id_amount", "50.00")
    page.fill("#id_text", "Line 2 was charged twice.")
    page.set_input_files(
        "#id_attachment", files=[{"name": "scan.pdf", "mimeType": "application/pdf", "buffer": SCAN_PDF}]
    )
    page.get_by_role("button", name="Send dispute").click()
    expect(page.locator("main")).to_contain_text("We received your dispute")
    assert_accessible(page)

    # The other response pages and the neutral pages pass axe as well.
    for path in ("promise", "contact"):
        page.goto(f"{live_server.url}{url}{path}")
        assert_accessible(page)
    page.goto(f"{live_server.url}/p/code/")
    assert_accessible(page)
    page.goto(f"{live_server.url}/p/{'z' * 43}/")
    expect(page.locator("h1")).to_have_text("Page not found")
    assert_accessible(page)

    # The credit controller sees the dispute with its attachment and resolves it.
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", bob.username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.goto(f"{live_server.url}/questions/")
    with tenant_context(org_alfa):
        dispute = Dispute.objects.get(invoice=third)
    card = page.locator(f"#dispute-{dispute.pk}")
    expect(card).to_contain_text("JRN-3")
    expect(card.get_by_role("link", name="scan.pdf")).to_be_visible()
    card.get_by_label("Reject: the invoice stands").check()
    card.get_by_label("Answer").fill("Line 2 appears once on the delivery note.")
    card.get_by_role("button", name="Resolve dispute").click()
    expect(page.locator(".messages")).to_contain_text("Dispute of JRN-3 resolved")

    with tenant_context(org_alfa):
        dispute.refresh_from_db()
        reopened = Invoice.objects.get(pk=third.pk)
    assert dispute.status == DisputeStatus.RESOLVED
    assert reopened.disputed_at is None
    page.goto(live_server.url + url)
    expect(page.locator("#messages")).to_contain_text("Line 2 appears once on the delivery note.")
    assert_accessible(page)


def test_dispute_with_oversized_file_keeps_answers(page, live_server, org_alfa):
    _, url, invoices = debtor_with_invoices(org_alfa, "Upload GmbH", "de", [("UPL-1", "90.00")])
    too_large = SCAN_PDF + b"0" * (6 * 1024 * 1024)

    page.goto(f"{live_server.url}{url}invoices/{invoices['UPL-1'].pk}/dispute")
    page.check("#category-amount_incorrect")
    page.fill("#id_amount", "12.50")
    page.fill("#id_text", "Position 2 wurde doppelt berechnet.")
    page.set_input_files(
        "#id_attachment", files=[{"name": "scan.pdf", "mimeType": "application/pdf", "buffer": too_large}]
    )
    page.locator("form.dispute-form button[type=submit]").click()

    expect(page.locator("#form-errors")).to_contain_text("Die Datei scan.pdf ist größer als das Maximum von 5 MB")
    expect(page.locator("#category-amount_incorrect")).to_be_checked()
    expect(page.locator("#id_amount")).to_have_value("12.50")
    expect(page.locator("#id_text")).to_have_value("Position 2 wurde doppelt berechnet.")
    expect(page.locator("#id_attachment")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
