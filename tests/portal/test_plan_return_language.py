"""The return page after paying a payment plan's instalment keeps the language the debtor picked."""

import pytest
from django.conf import settings

from payments.models import MolliePayment
from payt.tenancy import tenant_context
from tests.payments.plan_support import instalments_of, invoices_due, propose

pytestmark = pytest.mark.django_db

# A phrase of the "processing" return page in each portal language.
PROCESSING = {
    "en": "Processing your payment",
    "nl": "Uw betaling wordt verwerkt",
    "fr": "Traitement de votre paiement",
    "de": "Ihre Zahlung wird verarbeitet",
}


def pay_instalment(client, visitor, instalment, language: str):
    response = client.post(f"{visitor.home_url}plan/instalments/{instalment.pk}/pay?lang={language}")
    assert response.status_code == 302
    with tenant_context(visitor.organization):
        return MolliePayment.objects.get(checkout_url=response["Location"])


@pytest.mark.parametrize("language", ["en", "nl", "fr", "de"])
def test_instalment_return_page_in_chosen_language(client, mollie_server, alfa_debtor, language):
    invoices = invoices_due(alfa_debtor, ("INV-1", "100.00", -20))
    plan = propose(alfa_debtor, invoices, 2).plan
    first = instalments_of(alfa_debtor, plan)[0]

    mollie_payment = pay_instalment(client, alfa_debtor, first, language)
    redirect_url = mollie_server.store.get_payment(mollie_payment.mollie_id).redirect_url
    page = client.get(redirect_url.removeprefix(settings.BASE_URL))

    assert redirect_url.endswith(f"/payments/{mollie_payment.pk}/return?lang={language}")
    assert page.status_code == 200
    assert page["Content-Language"] == language
    assert f'<html lang="{language}">' in page.content.decode()
    assert PROCESSING[language] in page.content.decode()


def test_instalment_checkout_reused_in_same_language(client, mollie_server, alfa_debtor):
    invoices = invoices_due(alfa_debtor, ("INV-1", "100.00", -20))
    plan = propose(alfa_debtor, invoices, 2).plan
    first = instalments_of(alfa_debtor, plan)[0]

    german = pay_instalment(client, alfa_debtor, first, "de")
    german_again = pay_instalment(client, alfa_debtor, first, "de")
    french = pay_instalment(client, alfa_debtor, first, "fr")

    assert german_again.pk == german.pk
    assert french.pk != german.pk
    assert french.amount == german.amount
