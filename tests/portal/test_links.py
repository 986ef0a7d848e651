"""Portal links and codes: the code on letters, rotating and ending links from the dashboard."""

import datetime as dt

import pytest
from django.test import Client

from dunning.pdf import render_reminder_pdf
from payt.models import AuditEntry
from payt.tenancy import tenant_context
from portal.services import portal_letter_code
from portal.tokens import derive_code, format_code, normalize_code
from tests.conftest import PASSWORD
from tests.dunning.helpers import messages_of, pdf_pages

pytestmark = pytest.mark.django_db


def test_code_format_and_reading():
    code = derive_code("0f1e2d3c-0000-4000-8000-000000000001", "ab" * 16)

    assert len(code) == 10
    assert format_code(code) == f"{code[:4]}-{code[4:8]}-{code[8:]}"
    assert normalize_code(f" {format_code(code).lower()} ") == code
    assert normalize_code("ABCD-EFGH-JO") == "ABCDEFGHJ0"
    assert normalize_code("ILOO-1234-56") == "1100123456"
    assert normalize_code("ABCD-EFGH-JU") is None
    assert normalize_code("ABCD-EFGH") is None


def dashboard(user) -> Client:
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    return client


def test_debtor_page_shows_link_and_code(alfa_debtor, bob):
    with tenant_context(alfa_debtor.organization):
        code = portal_letter_code(alfa_debtor.debtor)

    page = dashboard(bob).get(f"/debtors/{alfa_debtor.debtor.pk}/").content.decode()

    assert alfa_debtor.token in page
    assert f'<code id="portal-code">{code}</code>' in page


def test_rotate_link_audited(client, alfa_debtor, bob):
    response = dashboard(bob).post(f"/debtors/{alfa_debtor.debtor.pk}/portal-link/rotate/")

    assert response.status_code == 302
    assert client.get(alfa_debtor.home_url).status_code == 404
    with tenant_context(alfa_debtor.organization):
        actions = sorted(AuditEntry.objects.values_list("action", flat=True))
        new_code = portal_letter_code(alfa_debtor.debtor)
    assert actions == ["portal_link.expired", "portal_link.rotated"]
    assert client.post("/p/code/", {"code": new_code}).status_code == 302


def test_expire_link_then_new_one_on_demand(client, alfa_debtor, bob):
    response = dashboard(bob).post(f"/debtors/{alfa_debtor.debtor.pk}/portal-link/expire/")

    assert response.status_code == 302
    assert client.get(alfa_debtor.home_url).status_code == 404
    with tenant_context(alfa_debtor.organization):
        assert AuditEntry.objects.get().action == "portal_link.expired"
        assert portal_letter_code(alfa_debtor.debtor)


def test_rotate_by_outsider_not_found(client, alfa_debtor, charlie):
    response = dashboard(charlie).post(f"/debtors/{alfa_debtor.debtor.pk}/portal-link/rotate/")

    assert response.status_code == 404
    assert client.get(alfa_debtor.home_url).status_code == 200


def test_reminder_letter_prints_code(org_alfa, make_invoice, run_day):
    invoice = make_invoice(org_alfa, number="INV-200", total="60.00", due_date=dt.date(2025, 10, 1), language="en")
    run_day(org_alfa, dt.date(2025, 10, 8))
    [message] = messages_of(org_alfa)
    with tenant_context(org_alfa):
        code = portal_letter_code(invoice.debtor)

    text = " ".join(pdf_pages(render_reminder_pdf(message)))

    assert f"/p/code/ and type the code {code}." in text
