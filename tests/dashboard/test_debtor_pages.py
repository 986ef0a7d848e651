"""Debtor list and debtor page: balances, open invoices, timeline."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from dashboard import views
from debtors.models import TimelineKind
from debtors.services import timeline_record
from invoices.services import payment_register
from payt.tenancy import tenant_context
from tests.dashboard.conftest import TODAY


@pytest.fixture
def frozen_today(monkeypatch):
    monkeypatch.setattr(views, "local_today", lambda organization: TODAY)
    return TODAY


def debtor_url(debtor) -> str:
    return reverse("dashboard:debtor", args=[debtor.pk])


def timeline_kinds(content: str) -> list[str]:
    timeline = content[content.index('id="timeline"') :]
    return re.findall(r'data-kind="([a-z_]+)"', timeline)


def test_debtor_page_lists_open_invoices(alice_client, debtor_alfa, seeded_alfa, frozen_today):
    content = alice_client.get(debtor_url(debtor_alfa)).content.decode()

    open_section = content[content.index('id="open-invoices"') : content.index('id="timeline"')]
    numbers = re.findall(r'data-invoice="([^"]+)"', open_section)
    # Oldest due date first; the paid invoice is not open.
    assert numbers == ["A-91", "A-90", "A-31", "A-30", "G-1", "A-1", "A-NOT", "A-NOT2"]


def test_debtor_page_shows_balance_per_currency(
    alice_client, debtor_alfa, seeded_alfa, frozen_today
):
    response = alice_client.get(debtor_url(debtor_alfa))

    assert response.context["amounts"] == [
        {"currency": "EUR", "open": Decimal("2102.15"), "overdue": Decimal("1952.00")},
        {"currency": "GBP", "open": Decimal("80.08"), "overdue": Decimal("80.08")},
    ]


def test_timeline_shows_every_kind(
    alice_client, org_alfa, debtor_alfa, seeded_alfa, make_question, frozen_today
):
    make_question(debtor_alfa, text="Is this right?", invoice=seeded_alfa["A-30"])
    with tenant_context(org_alfa):
        timeline_record(
            debtor=debtor_alfa,
            kind=TimelineKind.MESSAGE,
            summary="Friendly reminder sent",
            occurred_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
        )

    content = alice_client.get(debtor_url(debtor_alfa)).content.decode()

    kinds = timeline_kinds(content)
    assert kinds[0] == "message"
    assert kinds.count("invoice") == 9
    assert kinds.count("payment") == 2
    assert kinds.count("question") == 1
    assert "Friendly reminder sent" in content
    assert "Is this right?" in content
    assert "Payment received: €\N{NO-BREAK SPACE}700.70" in content


def test_timeline_shows_answer(
    bob_client, debtor_alfa, make_question, django_capture_on_commit_callbacks
):
    question = make_question(debtor_alfa, text="Wanneer?")
    with django_capture_on_commit_callbacks(execute=True):
        bob_client.post(
            reverse("dashboard:question_answer", args=[question.pk]), {"answer": "Morgen."}
        )

    content = bob_client.get(debtor_url(debtor_alfa)).content.decode()

    assert timeline_kinds(content)[:2] == ["answer", "question"]
    assert "Answer: Morgen." in content


def test_debtor_list_shows_counts_and_amounts(alice_client, debtor_alfa, seeded_alfa, frozen_today):
    response = alice_client.get(reverse("dashboard:debtors"))

    ((debtor, amounts),) = response.context["rows"]
    assert debtor.open_count == 8
    assert debtor.overdue_count == 6
    assert [row["currency"] for row in amounts] == ["EUR", "GBP"]
    assert "€\N{NO-BREAK SPACE}2,102.15" in response.content.decode()


def test_debtor_search(alice_client, debtor_alfa, make_invoice, org_alfa, frozen_today):
    make_invoice(org_alfa, number="V-1", name="Visser Bouw BV")

    response = alice_client.get(
        reverse("dashboard:debtors"), {"search": "visser"}, headers={"HX-Request": "true"}
    )

    names = [debtor.name for debtor, _ in response.context["rows"]]
    assert names == ["Visser Bouw BV"]
    assert "<html" not in response.content.decode()


def test_payment_moves_invoice_out_of_open_list(
    alice_client, org_alfa, debtor_alfa, seeded_alfa, frozen_today
):
    with tenant_context(org_alfa):
        payment_register(
            organization=org_alfa,
            amount=Decimal("400.40"),
            payment_date=TODAY,
            invoice=seeded_alfa["A-31"],
        )

    content = alice_client.get(debtor_url(debtor_alfa)).content.decode()

    open_section = content[content.index('id="open-invoices"') : content.index('id="timeline"')]
    assert 'data-invoice="A-31"' not in open_section


def test_invoice_page(alice_client, seeded_alfa, frozen_today):
    content = alice_client.get(
        reverse("dashboard:invoice", args=[seeded_alfa["A-1"].pk])
    ).content.decode()

    assert 'data-status="partially_paid"' in content
    assert 'data-amount="150.20"' in content
    assert "Bank statement" not in content
    assert "€\N{NO-BREAK SPACE}50.00" in content
