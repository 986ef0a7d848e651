"""The debtor portal home page: access by token, language, invoice lists, dates."""

import datetime as dt
import re
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from debtors.services import debtor_create
from invoices.models import DocumentKind
from invoices.services import invoice_register, payment_register
from payt.services import organization_create
from payt.tenancy import tenant_context
from portal.models import PortalLink
from portal.services import portal_link_ensure, question_ask
from tests.payments.conftest import portal_debtor_for

pytestmark = pytest.mark.django_db

SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def page_text(response) -> str:
    return response.content.decode()


def checked_invoice_ids(html: str) -> set[str]:
    return set(re.findall(r'name="invoices" value="([0-9a-f-]+)"[^>]*checked', html))


def payable_invoice_ids(html: str) -> set[str]:
    return set(re.findall(r'name="invoices" value="([0-9a-f-]+)"', html))


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("nl", "Te betalen facturen"),
        ("en", "Invoices to pay"),
        ("fr", "Factures à payer"),
        ("de", "Zu zahlende Rechnungen"),
    ],
)
def test_home_opens_in_debtor_language(client, org_alfa, language, heading):
    visitor = portal_debtor_for(org_alfa, f"Debtor {language}", language=language)
    visitor.invoice(f"INV-{language.upper()}-1", "99.00")

    response = client.get(visitor.home_url)

    html = page_text(response)
    assert response.status_code == 200
    assert f'<html lang="{language}">' in html
    assert response["Content-Language"] == language
    assert f"INV-{language.upper()}-1" in html
    assert "Alfa Installaties BV" in html
    assert heading in html


def test_home_lang_parameter_switches(client, alfa_debtor):
    response = client.get(alfa_debtor.home_url + "?lang=de")

    html = page_text(response)
    assert '<html lang="de">' in html
    assert f'action="/p/{alfa_debtor.token}/questions?lang=de"' in html


def test_home_unknown_lang_ignored(client, alfa_debtor):
    response = client.get(alfa_debtor.home_url + "?lang=xx")

    assert '<html lang="nl">' in page_text(response)


def test_home_sets_private_no_store_cache(client, alfa_debtor):
    response = client.get(alfa_debtor.home_url)

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_home_lists_only_own_invoices(client, alfa_debtor, bravo_debtor, org_alfa):
    alfa_debtor.invoice("INV-A-1", "10.00")
    neighbour = portal_debtor_for(org_alfa, "Other Neighbour")
    neighbour.invoice("INV-A-OTHER", "20.00")
    bravo_debtor.invoice("INV-B-1", "30.00")

    html = page_text(client.get(alfa_debtor.home_url))

    assert "INV-A-1" in html
    assert "INV-A-OTHER" not in html
    assert "INV-B-1" not in html
    assert "Bravo" not in html


def neutral_404_responses(client, alfa_debtor, bravo_debtor) -> dict[str, tuple[int, bytes]]:
    alfa_invoice = alfa_debtor.invoice("INV-404", "10.00")
    bravo_invoice = bravo_debtor.invoice("INV-B-404", "10.00")
    revoked = portal_debtor_for(alfa_debtor.organization, "Revoked Debtor")
    expired = portal_debtor_for(alfa_debtor.organization, "Expired Debtor")
    with tenant_context(alfa_debtor.organization):
        PortalLink.objects.filter(debtor=revoked.debtor).update(revoked_at=timezone.now())
        yesterday = timezone.now() - dt.timedelta(days=1)
        PortalLink.objects.filter(debtor=expired.debtor).update(expires_at=yesterday)

    home = alfa_debtor.home_url
    urls = {
        "unknown token": "/p/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/",
        "revoked token": revoked.home_url,
        "expired token": expired.home_url,
        "unknown token, real invoice": f"/p/aaaaaaaaaaaaaaaaaaaa/invoices/{alfa_invoice.pk}/pdf",
        "valid token, other tenant's invoice": f"{home}invoices/{bravo_invoice.pk}/pdf",
        "valid token, unknown payment": f"{home}payments/{bravo_invoice.pk}/return",
    }
    results = {}
    for name, url in urls.items():
        response = client.get(url)
        results[name] = (response.status_code, response.content)
    return results


def test_bad_tokens_get_identical_404(client, alfa_debtor, bravo_debtor):
    results = neutral_404_responses(client, alfa_debtor, bravo_debtor)

    statuses = {name: status for name, (status, _) in results.items()}
    assert set(statuses.values()) == {404}, statuses
    bodies = {body for _, body in results.values()}
    assert len(bodies) == 1
    body = bodies.pop().decode()
    assert "Alfa" not in body
    assert "Noordkade" not in body


def test_home_credited_invoice_not_payable(client, org_alfa):
    visitor = portal_debtor_for(org_alfa, "Noordkade Logistics")
    invoice = visitor.invoice("INV-2025-080", "120.00", due=dt.date(2025, 10, 1))
    with tenant_context(org_alfa):
        invoice_register(
            organization=org_alfa,
            debtor=visitor.debtor,
            number="CN-2025-081",
            kind=DocumentKind.CREDIT_NOTE,
            issue_date=dt.date(2025, 10, 3),
            total_amount=Decimal("120.00"),
            preceding_number="INV-2025-080",
        )

    html = page_text(client.get(visitor.home_url + "?lang=en"))

    assert payable_invoice_ids(html) == set()
    assert "You have no invoices to pay" in html
    assert "Pay the selected invoices" not in html
    settled = html.split('id="settled-heading"')[1].split("</section>")[0]
    assert "INV-2025-080" in settled
    assert "Credited" in settled
    assert f'name="invoices" value="{invoice.pk}"' not in html


def test_home_paid_invoice_listed_without_checkbox(client, alfa_debtor):
    paid = alfa_debtor.invoice("INV-PAID", "50.00")
    open_invoice = alfa_debtor.invoice("INV-OPEN", "70.00")
    with tenant_context(alfa_debtor.organization):
        payment_register(
            organization=alfa_debtor.organization,
            amount=Decimal("50.00"),
            payment_date=dt.date(2026, 6, 1),
            invoice=paid,
        )

    html = page_text(client.get(alfa_debtor.home_url + "?lang=en"))

    assert payable_invoice_ids(html) == {str(open_invoice.pk)}
    assert "1 invoice to pay." in html
    assert "EUR 70.00" in html


def test_home_partially_paid_shows_open_amount(client, alfa_debtor):
    invoice = alfa_debtor.invoice("INV-PART", "100.00")
    with tenant_context(alfa_debtor.organization):
        payment_register(
            organization=alfa_debtor.organization,
            amount=Decimal("40.00"),
            payment_date=dt.date(2026, 6, 1),
            invoice=invoice,
        )

    html = page_text(client.get(alfa_debtor.home_url + "?lang=en"))

    assert payable_invoice_ids(html) == {str(invoice.pk)}
    assert "EUR 60.00" in html
    assert "Partially paid" in html


def test_home_invoice_parameter_preselects_one(client, alfa_debtor):
    first = alfa_debtor.invoice("INV-1", "10.00")
    second = alfa_debtor.invoice("INV-2", "20.00")

    default_html = page_text(client.get(alfa_debtor.home_url))
    chosen_html = page_text(client.get(f"{alfa_debtor.home_url}?invoice={second.pk}"))

    assert checked_invoice_ids(default_html) == {str(first.pk), str(second.pk)}
    assert checked_invoice_ids(chosen_html) == {str(second.pk)}
    assert f'<option value="{second.pk}" selected>' in chosen_html


def test_home_foreign_invoice_parameter_ignored(client, alfa_debtor, bravo_debtor):
    own = alfa_debtor.invoice("INV-1", "10.00")
    foreign = bravo_debtor.invoice("INV-B", "20.00")

    html = page_text(client.get(f"{alfa_debtor.home_url}?invoice={foreign.pk}"))

    assert checked_invoice_ids(html) == {str(own.pk)}
    assert str(foreign.pk) not in html


def test_home_is_accessible_markup(client, alfa_debtor):
    invoice = alfa_debtor.invoice("INV-1", "10.00")

    html = page_text(client.get(alfa_debtor.home_url))

    assert '<meta name="viewport"' in html
    assert 'href="#main"' in html
    assert '<main id="main"' in html
    assert f'<label for="pay-{invoice.pk}">INV-1</label>' in html
    assert '<label for="question-text">' in html
    assert '<label for="question-invoice">' in html
    assert html.count("<h1>") == 1
    assert 'name="csrfmiddlewaretoken"' in html
    assert "portal/portal.css" in html


@pytest.mark.parametrize("invoice_count", [1, 15])
def test_home_query_count_pinned(client, alfa_debtor, django_assert_num_queries, invoice_count):
    for number in range(invoice_count):
        alfa_debtor.invoice(f"INV-{number:03}", "10.00")
    with tenant_context(alfa_debtor.organization):
        question_ask(debtor=alfa_debtor.debtor, text="Why?")

    # Token lookup (3 with its settings), tenant context (2), debtor,
    # invoices, their charges, chargebacks, questions, disputes and
    # promises: 12 in all, whatever the number of invoices.
    with django_assert_num_queries(12):
        response = client.get(alfa_debtor.home_url)

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("local_time", "expected_status"),
    [
        (dt.datetime(2025, 11, 20, 10, 0, tzinfo=SAO_PAULO), "Due today"),
        (dt.datetime(2025, 11, 20, 22, 0, tzinfo=SAO_PAULO), "Due today"),
        (dt.datetime(2025, 11, 21, 0, 30, tzinfo=SAO_PAULO), "1 day overdue"),
    ],
)
def test_home_due_date_not_shifted(client, local_time, expected_status):
    organization = organization_create(
        slug="saopaulo", name="Sao Paulo Ltda", country="NL", time_zone="America/Sao_Paulo"
    )
    with tenant_context(organization):
        debtor = debtor_create(organization=organization, name="Cliente", language="en")
        invoice_register(
            organization=organization,
            debtor=debtor,
            number="INV-2025-090",
            issue_date=dt.date(2025, 10, 21),
            due_date=dt.date(2025, 11, 20),
            total_amount=Decimal("100.00"),
        )
        _, token = portal_link_ensure(debtor=debtor)
    moment = local_time.astimezone(dt.UTC)

    with mock.patch("django.utils.timezone.now", return_value=moment):
        html = page_text(client.get(f"/p/{token}/"))

    assert "20 November 2025" in html
    assert 'datetime="2025-11-20"' in html
    assert "Nov. 19" not in html
    assert "19 Nov" not in html
    assert expected_status in html
