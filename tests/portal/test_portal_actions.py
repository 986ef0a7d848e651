"""Portal actions: questions, invoice PDFs, the pay form's checks, CSRF."""

import io

import pytest
from django.test import Client
from pypdf import PdfReader

from debtors.models import TimelineEvent, TimelineKind
from payments.models import MolliePayment
from payt.tenancy import tenant_context
from portal.models import Question, QuestionStatus
from tests.payments.conftest import portal_debtor_for

pytestmark = pytest.mark.django_db


def test_question_recorded_on_timeline(client, alfa_debtor):
    invoice = alfa_debtor.invoice("INV-Q-1", "80.00")

    response = client.post(
        f"{alfa_debtor.home_url}questions",
        {"invoice": str(invoice.pk), "text": "  Is the VAT rate on line 2 right?  "},
    )

    assert response.status_code == 302
    assert response["Location"] == f"{alfa_debtor.home_url}#questions"
    with tenant_context(alfa_debtor.organization):
        question = Question.objects.get()
        event = TimelineEvent.objects.get(kind=TimelineKind.QUESTION)
    assert question.debtor_id == alfa_debtor.debtor.pk
    assert question.invoice_id == invoice.pk
    assert question.status == QuestionStatus.OPEN
    assert question.text == "Is the VAT rate on line 2 right?"
    assert event.invoice_id == invoice.pk
    assert event.data == {"question_id": str(question.pk), "text": "Is the VAT rate on line 2 right?"}


def test_question_confirmation_and_listing(client, alfa_debtor):
    client.post(
        f"{alfa_debtor.home_url}questions?lang=en",
        {"invoice": "", "text": "When is my next invoice?"},
    )

    response = client.get(f"{alfa_debtor.home_url}?lang=en")

    html = response.content.decode()
    assert "We received your question" in html
    assert "When is my next invoice?" in html
    assert "Waiting for an answer" in html


def test_question_without_invoice_allowed(client, alfa_debtor):
    response = client.post(
        f"{alfa_debtor.home_url}questions", {"invoice": "", "text": "General question"}
    )

    assert response.status_code == 302
    with tenant_context(alfa_debtor.organization):
        assert Question.objects.get().invoice_id is None


def test_question_empty_text_rejected(client, alfa_debtor):
    response = client.post(
        f"{alfa_debtor.home_url}questions?lang=en", {"invoice": "", "text": "   "}
    )

    assert response.status_code == 400
    assert "Write your question before you send it." in response.content.decode()
    with tenant_context(alfa_debtor.organization):
        assert Question.objects.count() == 0


def test_question_foreign_invoice_rejected(client, alfa_debtor, bravo_debtor):
    foreign = bravo_debtor.invoice("INV-B-Q", "10.00")

    response = client.post(
        f"{alfa_debtor.home_url}questions", {"invoice": str(foreign.pk), "text": "Hi"}
    )

    assert response.status_code == 400
    assert "INV-B-Q" not in response.content.decode()
    with tenant_context(alfa_debtor.organization):
        assert Question.objects.count() == 0
    with tenant_context(bravo_debtor.organization):
        assert Question.objects.count() == 0


def test_question_with_unknown_token_is_404(client, alfa_debtor):
    response = client.post("/p/not-a-token/questions", {"invoice": "", "text": "Hi"})

    assert response.status_code == 404
    with tenant_context(alfa_debtor.organization):
        assert Question.objects.count() == 0


def test_pdf_of_own_invoice(client, alfa_debtor):
    invoice = alfa_debtor.invoice("INV-PDF-1", "80.00")

    response = client.get(f"{alfa_debtor.home_url}invoices/{invoice.pk}/pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="INV-PDF-1.pdf"'
    assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    "language, title", [("fr", "Copie de la facture"), ("de", "Rechnungskopie"), ("en", "Invoice copy")]
)
def test_pdf_follows_chosen_language(client, alfa_debtor, language, title):
    invoice = alfa_debtor.invoice("INV-PDF-2", "80.00")

    response = client.get(f"{alfa_debtor.home_url}invoices/{invoice.pk}/pdf?lang={language}")

    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert title in text


def test_pdf_of_same_tenant_other_debtor_is_404(client, alfa_debtor, org_alfa):
    neighbour = portal_debtor_for(org_alfa, "Other Debtor")
    invoice = neighbour.invoice("INV-NEIGHBOUR", "80.00")

    response = client.get(f"{alfa_debtor.home_url}invoices/{invoice.pk}/pdf")

    assert response.status_code == 404
    assert b"INV-NEIGHBOUR" not in response.content


def test_pay_foreign_tenant_invoice_rejected(client, mollie_server, alfa_debtor, bravo_debtor):
    own = alfa_debtor.invoice("INV-A-1", "10.00")
    foreign = bravo_debtor.invoice("INV-B-1", "30.00")

    response = client.post(
        f"{alfa_debtor.home_url}pay", {"invoices": [str(own.pk), str(foreign.pk)]}
    )

    assert response.status_code == 400
    assert "INV-B-1" not in response.content.decode()
    with tenant_context(alfa_debtor.organization):
        assert MolliePayment.objects.count() == 0
    with tenant_context(bravo_debtor.organization):
        assert MolliePayment.objects.count() == 0
    assert mollie_server.store.list_payments() == []


def test_pay_other_debtor_invoice_rejected(client, mollie_server, alfa_debtor, org_alfa):
    neighbour = portal_debtor_for(org_alfa, "Other Debtor")
    foreign = neighbour.invoice("INV-NEIGHBOUR", "30.00")

    response = client.post(f"{alfa_debtor.home_url}pay", {"invoices": [str(foreign.pk)]})

    assert response.status_code == 400
    with tenant_context(org_alfa):
        assert MolliePayment.objects.count() == 0
    assert mollie_server.store.list_payments() == []


@pytest.mark.parametrize("value", ["not-a-uuid", "", "00000000-0000-4000-8000-000000000000"])
def test_pay_invalid_invoice_value_rejected(client, mollie_server, alfa_debtor, value):
    alfa_debtor.invoice("INV-A-1", "10.00")

    response = client.post(f"{alfa_debtor.home_url}pay?lang=en", {"invoices": [value]})

    assert response.status_code == 400
    html = response.content.decode()
    assert "One of the chosen invoices cannot be paid here." in html
    assert f"“{value}”" not in html
    assert mollie_server.store.list_payments() == []


def test_pay_without_choice_rejected(client, mollie_server, alfa_debtor):
    alfa_debtor.invoice("INV-A-1", "10.00")

    response = client.post(f"{alfa_debtor.home_url}pay?lang=en", {})

    assert response.status_code == 400
    assert "Choose at least one invoice to pay." in response.content.decode()


def test_pay_get_not_allowed(client, alfa_debtor):
    response = client.get(f"{alfa_debtor.home_url}pay")

    assert response.status_code == 405


def test_forms_require_csrf_token(alfa_debtor):
    invoice = alfa_debtor.invoice("INV-CSRF", "10.00")
    csrf_client = Client(enforce_csrf_checks=True)

    pay = csrf_client.post(f"{alfa_debtor.home_url}pay", {"invoices": [str(invoice.pk)]})
    question = csrf_client.post(f"{alfa_debtor.home_url}questions", {"text": "Hi"})

    assert pay.status_code == 403
    assert question.status_code == 403
    with tenant_context(alfa_debtor.organization):
        assert Question.objects.count() == 0
        assert MolliePayment.objects.count() == 0
