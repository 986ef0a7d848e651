"""Short words with more than one meaning: "Open" as a verb or a status, "Paid" as a status or an amount."""

import pytest
from django.utils import translation

from dunning.models import PhoneTaskStatus
from invoices.models import InvoiceStatus, SettlementStatus
from payments.models import InstalmentStatus, MolliePaymentStatus
from payt.tenancy import tenant_context
from tests.payments.plan_support import instalments_of, invoices_due, propose

pytestmark = pytest.mark.django_db

OPEN_BUTTON = {"en": "Open", "nl": "Openen", "fr": "Ouvrir", "de": "Öffnen"}


@pytest.mark.parametrize("language", ["en", "nl", "fr", "de"])
def test_code_page_button_is_verb(client, language):
    html = client.get(f"/p/code/?lang={language}").content.decode()

    assert f'<button type="submit" class="button button-primary">{OPEN_BUTTON[language]}</button>' in html


@pytest.mark.parametrize(
    ("language", "open_label", "paid_label"),
    [("nl", "Open", "Betaald"), ("fr", "Ouverte", "Payée"), ("de", "Offen", "Bezahlt")],
)
def test_plan_page_instalment_statuses(client, mollie_server, alfa_debtor, language, open_label, paid_label):
    invoices = invoices_due(alfa_debtor, ("INV-1", "100.00", 20))
    plan = propose(alfa_debtor, invoices, 2).plan
    first = instalments_of(alfa_debtor, plan)[0]
    with tenant_context(alfa_debtor.organization):
        type(first).objects.filter(pk=first.pk).update(status=InstalmentStatus.PAID, paid_amount=first.amount)

    html = client.get(f"{alfa_debtor.home_url}plan?lang={language}").content.decode()

    assert f'<span class="status status-paid">{paid_label}</span>' in html
    assert f'<span class="status">{open_label}</span>' in html


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", {"invoice": ("Ouverte", "Payée"), "payment": ("Ouvert", "Payé"), "instalment": ("Ouverte", "Payée")}),
        ("de", {"invoice": ("Offen", "Bezahlt"), "payment": ("Offen", "Bezahlt"), "instalment": ("Offen", "Bezahlt")}),
        ("nl", {"invoice": ("Open", "Betaald"), "payment": ("Open", "Betaald"), "instalment": ("Open", "Betaald")}),
    ],
)
def test_status_labels_agree_with_noun(language, expected):
    with translation.override(language):
        labels = {
            "invoice": (str(InvoiceStatus.OPEN.label), str(InvoiceStatus.PAID.label)),
            "payment": (str(MolliePaymentStatus.OPEN.label), str(MolliePaymentStatus.PAID.label)),
            "instalment": (str(InstalmentStatus.OPEN.label), str(InstalmentStatus.PAID.label)),
        }
        settlement = (str(SettlementStatus.OPEN.label), str(SettlementStatus.PAID.label))
        task_open = str(PhoneTaskStatus.OPEN.label)

    assert labels == expected
    assert settlement == expected["invoice"]
    assert task_open == expected["invoice"][0]


def test_open_verb_and_status_differ_in_dutch():
    with translation.override("nl"):
        verb = translation.pgettext("verb", "Open")
        status = str(InvoiceStatus.OPEN.label)

    assert verb == "Openen"
    assert status == "Open"
