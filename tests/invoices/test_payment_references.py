"""The organisation's own payment references: generated per new invoice, checked when sent.

The expected values are the worked examples of the Betaalvereniging
(betalingskenmerk), the ABBL/Febelfin structured communication (OGM/VCS) and
ISO 11649 Annex B (RF).
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from debtors.services import debtor_create
from invoices.services import invoice_register
from payt.api_errors import DomainError
from payt.models import PaymentReferenceScheme
from payt.references import (
    ReferenceScheme,
    betalingskenmerk_is_valid,
    ogm_is_valid,
    payment_reference_check,
    reference_key,
    reference_scheme,
    references_in_text,
    rf_is_valid,
)
from payt.services import organization_create
from payt.tenancy import tenant_context
from tests.conftest import PASSWORD


def register(organization, number: str, total: str = "100.00", **fields):
    with tenant_context(organization):
        debtor = debtor_create(organization=organization, name=f"Debtor {number}")
        invoice, _ = invoice_register(
            organization=organization,
            debtor=debtor,
            number=number,
            issue_date=dt.date(2026, 1, 5),
            total_amount=Decimal(total),
            **fields,
        )
    return invoice


@pytest.fixture
def org_be(db):
    return organization_create(slug="charlie-be", name="Charlie BVBA", country="BE")


@pytest.fixture
def org_fr(db):
    return organization_create(slug="delta-fr", name="Delta SARL", country="FR")


@pytest.mark.django_db
def test_nl_invoice_gets_betalingskenmerk(org_alfa):
    # Worked example: invoice 2026000123, payload 000002026000123, weighted sum 72, C = 5.
    assert register(org_alfa, "2026000123").payment_reference == "5000002026000123"


def test_betalingskenmerk_worked_examples():
    assert betalingskenmerk_is_valid("5000056789012345")
    assert betalingskenmerk_is_valid("12 2345 3462 2567")
    assert reference_scheme("(5)000 0567 8901 2345") == ReferenceScheme.BETALINGSKENMERK


@pytest.mark.django_db
def test_be_invoice_gets_ogm(org_be):
    assert register(org_be, "3124013980").payment_reference == "+++312/4013/98067+++"
    assert register(org_be, "1234567890").payment_reference == "+++123/4567/89002+++"
    # Base modulo 97 is 0, so the check number is 97.
    assert register(org_be, "0000000097").payment_reference == "+++000/0000/09797+++"


@pytest.mark.django_db
def test_other_country_invoice_gets_rf(org_fr):
    assert register(org_fr, "INV2026000123").payment_reference == "RF98INV2026000123"
    assert register(org_fr, "2026000123").payment_reference == "RF462026000123"
    assert register(org_fr, "2348231").payment_reference == "RF712348231"
    assert register(org_fr, "539007547034").payment_reference == "RF18539007547034"


@pytest.mark.django_db
def test_setting_overrides_country(org_alfa):
    org_alfa.payment_reference_scheme = PaymentReferenceScheme.RF
    org_alfa.save()
    assert register(org_alfa, "INV2026000123").payment_reference == "RF98INV2026000123"

    org_alfa.payment_reference_scheme = PaymentReferenceScheme.NONE
    org_alfa.save()
    assert register(org_alfa, "2026000124").payment_reference == ""


@pytest.mark.django_db
@pytest.mark.parametrize("number", ["INV-2026-0042", "A-1", "1234567890123456789"])
def test_number_that_does_not_fit_gets_random_reference(org_alfa, org_be, org_fr, number):
    nl = register(org_alfa, number).payment_reference
    be = register(org_be, number).payment_reference
    fr = register(org_fr, number).payment_reference

    assert len(nl) == 16
    assert betalingskenmerk_is_valid(nl)
    assert ogm_is_valid(be)
    assert rf_is_valid(fr)


@pytest.mark.django_db
def test_reference_in_use_not_generated_twice(org_alfa):
    taken = register(org_alfa, "OTHER-1", payment_reference="5000002026000123")

    invoice = register(org_alfa, "2026000123")

    assert taken.payment_reference == "5000002026000123"
    assert invoice.payment_reference != "5000002026000123"
    assert betalingskenmerk_is_valid(invoice.payment_reference)


@pytest.mark.django_db
def test_credit_note_gets_no_reference(org_alfa):
    assert register(org_alfa, "CN-1", kind="credit_note").payment_reference == ""


@pytest.mark.django_db
def test_sent_reference_kept(org_alfa):
    assert register(org_alfa, "INV-9", payment_reference="RF18 5390 0754 7034").payment_reference == (
        "RF18 5390 0754 7034"
    )
    assert register(org_alfa, "INV-10", payment_reference="Snippet1").payment_reference == "Snippet1"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "reference, words",
    [
        ("RF68 5390 0754 7034", "not a valid RF creditor reference"),
        ("+++312/4013/98066+++", "not a valid structured communication"),
        ("6000056789012345", "not a valid betalingskenmerk"),
    ],
)
def test_sent_reference_with_wrong_check_digits_rejected(org_alfa, reference, words):
    with pytest.raises(DomainError) as error:
        register(org_alfa, "INV-11", payment_reference=reference)

    assert error.value.code == "invalid_payment_reference"
    assert error.value.field == "payment_reference"
    assert words in error.value.message
    assert reference in error.value.message


@pytest.mark.django_db
def test_api_rejects_wrong_check_digits(org_alfa, alfa_api):
    with tenant_context(org_alfa):
        debtor = debtor_create(organization=org_alfa, name="Api Debtor")
    body = {
        "number": "API-1",
        "debtor": str(debtor.pk),
        "issue_date": "2026-01-05",
        "total_amount": "10.00",
        "payment_reference": "RF19539007547034",
    }

    response = alfa_api.post("/api/v1/invoices/", body, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_payment_reference"
    assert "payment_reference" in error["fields"]


def test_check_accepts_free_text():
    assert payment_reference_check("  Factuur 2026-17 ") == "Factuur 2026-17"
    assert payment_reference_check("1234567") == "1234567"


@pytest.mark.parametrize(
    "reference, scheme",
    [
        ("RF18539007547034", ReferenceScheme.RF),
        ("+++312/4013/98067+++", ReferenceScheme.OGM),
        ("312401398067", ReferenceScheme.OGM),
        ("5000002026000123", ReferenceScheme.BETALINGSKENMERK),
        ("1234567", None),  # seven digits carry no check digit
        ("RF68539007547034", None),
        ("INV-2026-0042", None),
    ],
)
def test_reference_scheme(reference, scheme):
    assert reference_scheme(reference) == scheme


def test_references_found_in_text():
    text = "Betaling fact. (5)000 0567 8901 2345, +++312/4013/98067+++ en RF18 5390 0754 7034 op 20260105"

    assert references_in_text(text) == [
        ("RF18539007547034", ReferenceScheme.RF),
        ("312401398067", ReferenceScheme.OGM),
        ("5000056789012345", ReferenceScheme.BETALINGSKENMERK),
    ]


def test_references_in_text_skip_wrong_check_digits():
    assert references_in_text("kenmerk 6000056789012345 en RF68 5390 0754 7034") == []


def test_reference_key_shared_by_printed_forms():
    keys = {reference_key(form) for form in ("+++312/4013/98067+++", "***312/4013/98067***", "312401398067")}
    assert keys == {"312401398067"}


@pytest.mark.django_db
def test_scheme_chosen_in_settings_page(org_alfa, alice):
    client = Client()
    assert client.login(username=alice.username, password=PASSWORD)
    data = {
        "name": org_alfa.name,
        "time_zone": "Europe/Amsterdam",
        "default_language": "nl",
        "payment_term_days": 30,
        "email": "",
        "iban": "",
        "payment_reference_scheme": "ogm",
    }

    response = client.post("/settings/", data)

    assert response.status_code == 302
    org_alfa.refresh_from_db()
    assert org_alfa.payment_reference_scheme == PaymentReferenceScheme.OGM
    assert register(org_alfa, "3124013980").payment_reference == "+++312/4013/98067+++"
