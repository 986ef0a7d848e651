"""The portal's payment plan pages: propose with a preview, see the decision, pay an instalment."""

import datetime as dt
from decimal import Decimal

import pytest

from payments.models import MolliePayment, PaymentPlan, PlanStatus
from payments.plans import plan_reject
from payt.tenancy import tenant_context
from tests.payments.conftest import UNREACHABLE_BASE_URL, portal_debtor_for
from tests.payments.plan_support import instalments_of, invoices_due, propose, today_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_mollie(settings):
    settings.MOLLIE_API_ENDPOINT = UNREACHABLE_BASE_URL
    settings.BASE_URL = UNREACHABLE_BASE_URL


def plan_url(visitor, query: str = "") -> str:
    return f"/p/{visitor.token}/plan{query}"


def form_data(visitor, invoices, count: int, first_in_days: int = 7) -> dict:
    first = today_of(visitor) + dt.timedelta(days=first_in_days)
    return {
        "invoices": [str(invoice.pk) for invoice in invoices],
        "instalment_count": str(count),
        "first_due_date": first.isoformat(),
    }


def plans_of(visitor) -> list[PaymentPlan]:
    with tenant_context(visitor.organization):
        return list(PaymentPlan.objects.all())


def test_home_links_to_plan_page(client, alfa_debtor):
    invoices_due(alfa_debtor, ("INV-1", "100.00", -3))

    content = client.get(alfa_debtor.home_url).content.decode()

    assert f'href="/p/{alfa_debtor.token}/plan"' in content


def test_form_lists_open_invoices_and_rules(client, alfa_debtor):
    invoices_due(alfa_debtor, ("INV-1", "100.00", -20), ("INV-2", "200.00", -5))

    response = client.get(plan_url(alfa_debtor))

    content = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Language"] == "nl"
    assert "INV-1: EUR 100,00" in content
    assert "INV-2: EUR 200,00" in content
    assert content.count('name="invoices"') == 2
    assert content.count(" checked") == 2
    assert "ten hoogste 6 termijnen van elk ten minste EUR 25,00" in content
    assert "EUR 2500,00" in content


def test_form_in_language_chosen(client, alfa_debtor):
    invoices_due(alfa_debtor, ("INV-1", "100.00", -3))

    content = client.get(plan_url(alfa_debtor, "?lang=de")).content.decode()

    assert "Ratenplan" in content
    assert 'name="lang" value="de"' in content


def test_preview_shows_schedule_and_outcome(client, alfa_debtor):
    invoices = invoices_due(alfa_debtor, ("INV-1", "100.00", -20))
    query = "?lang=en&instalment_count=3&first_due_date=" + form_data(alfa_debtor, invoices, 3)["first_due_date"]
    query += f"&invoices={invoices[0].pk}"

    response = client.get(plan_url(alfa_debtor, query))

    content = response.content.decode()
    assert response.status_code == 200
    assert content.count('data-amount="33.33"') == 2
    assert 'data-amount="33.34"' in content
    assert 'data-outcome="accept"' in content
    assert "it is accepted as soon as you propose it" in content
    assert plans_of(alfa_debtor) == []


def test_preview_lists_review_reasons(client, alfa_debtor):
    invoices = invoices_due(alfa_debtor, ("INV-1", "3000.00", -20))
    data = form_data(alfa_debtor, invoices, 8)
    query = f"?lang=en&instalment_count=8&first_due_date={data['first_due_date']}&invoices={invoices[0].pk}"

    content = client.get(plan_url(alfa_debtor, query)).content.decode()

    assert 'data-outcome="review"' in content
    assert "8 instalments is more than the 6 that are accepted at once." in content
    assert "The total of €\N{NO-BREAK SPACE}3,000.00 is above the €\N{NO-BREAK SPACE}2,500.00" in content


def test_preview_with_bad_date_shows_error(client, alfa_debtor):
    invoices = invoices_due(alfa_debtor, ("INV-1", "100.00", -20))
    query = f"?lang=en&instalment_count=3&first_due_date=2001-01-01&invoices={invoices[0].pk}"

    content = client.get(plan_url(alfa_debtor, query)).content.decode()

    assert "The first payment date 1 January 2001 is not possible" in content
    assert 'id="preview"' not in content


def test_propose_accepted_shows_schedule(client, mollie_server, alfa_debtor):
    invoices = invoices_due(alfa_debtor, ("INV-1", "100.00", -20), ("INV-2", "200.00", -5))

    response = client.post(plan_url(alfa_debtor, "/propose?lang=en"), form_data(alfa_debtor, invoices, 3))

    assert response.status_code == 302
    assert response["Location"] == plan_url(alfa_debtor, "?lang=en")
    [plan] = plans_of(alfa_debtor)
    assert plan.status == PlanStatus.ACCEPTED
    page = client.get(response["Location"]).content.decode()
    assert "Your payment plan is accepted." in page
    assert 'data-status="accepted"' in page
    assert page.count("Pay instalment") == 3


def test_propose_to_review_shows_reasons(client, no_mollie, alfa_debtor):
    invoices = invoices_due(alfa_debtor, ("INV-1", "60.00", -20))

    response = client.post(plan_url(alfa_debtor, "/propose?lang=en"), form_data(alfa_debtor, invoices, 3))

    [plan] = plans_of(alfa_debtor)
    assert plan.status == PlanStatus.PROPOSED
    page = client.get(response["Location"]).content.decode()
    assert "Your proposal is waiting for review." in page
    assert "An instalment of €\N{NO-BREAK SPACE}20.00 is below the minimum of €\N{NO-BREAK SPACE}25.00." in page
    assert "Pay instalment" not in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"instalment_count": "30"}, "Choose a number of instalments from the list."),
        ({"first_due_date": "tomorrow"}, "Enter the first payment date as a date, for example 2026-07-01."),
        ({"invoices": []}, "Choose at least one invoice for the payment plan."),
        ({"invoices": ["not-a-uuid"]}, "One of the chosen invoices cannot be in a payment plan."),
    ],
)
def test_propose_bad_input_400(client, no_mollie, alfa_debtor, changes, message):
    invoices = invoices_due(alfa_debtor, ("INV-1", "100.00", -20))
    data = {**form_data(alfa_debtor, invoices, 3), **changes}

    response = client.post(plan_url(alfa_debtor, "/propose?lang=en"), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert plans_of(alfa_debtor) == []


def test_propose_second_plan_409(client, no_mollie, alfa_debtor):
    first, second = invoices_due(alfa_debtor, ("INV-1", "100.00", -20), ("INV-2", "100.00", -2))
    propose(alfa_debtor, [first], 3)

    response = client.post(plan_url(alfa_debtor, "/propose?lang=en"), form_data(alfa_debtor, [second], 3))

    assert response.status_code == 409
    assert "You already have a payment plan" in response.content.decode()


def test_rejected_plan_reason_shown(client, no_mollie, alfa_debtor, bob):
    invoices = invoices_due(alfa_debtor, ("INV-1", "3000.00", -20))
    plan = propose(alfa_debtor, invoices, 3).plan
    with tenant_context(alfa_debtor.organization):
        plan_reject(plan=plan, user=bob, reason="Betaal eerst de helft.")

    content = client.get(plan_url(alfa_debtor)).content.decode()

    assert "Betaal eerst de helft." in content
    assert 'id="plan-preview-button"' in content


def test_pay_instalment_redirects_to_checkout(client, mollie_server, alfa_debtor):
    invoices = invoices_due(alfa_debtor, ("INV-1", "100.00", -20))
    plan = propose(alfa_debtor, invoices, 2).plan
    second = instalments_of(alfa_debtor, plan)[1]

    response = client.post(plan_url(alfa_debtor, f"/instalments/{second.pk}/pay"))

    assert response.status_code == 302
    assert response["Location"] == second.mollie_payment.checkout_url
    assert mollie_server.store.get_payment(second.mollie_payment.mollie_id).amount == Decimal("50.00")


def test_pay_instalment_get_not_allowed(client, no_mollie, alfa_debtor):
    invoices = invoices_due(alfa_debtor, ("INV-1", "100.00", -20))
    plan = propose(alfa_debtor, invoices, 2).plan
    first = instalments_of(alfa_debtor, plan)[0]

    assert client.get(plan_url(alfa_debtor, f"/instalments/{first.pk}/pay")).status_code == 405


def test_pay_when_mollie_down_shows_error(client, no_mollie, alfa_debtor):
    invoices = invoices_due(alfa_debtor, ("INV-1", "100.00", -20))
    plan = propose(alfa_debtor, invoices, 2).plan
    first = instalments_of(alfa_debtor, plan)[0]

    response = client.post(plan_url(alfa_debtor, f"/instalments/{first.pk}/pay?lang=en"), follow=True)

    assert "The payment could not be started." in response.content.decode()


def test_other_tenants_token_does_not_see_plan(client, no_mollie, alfa_debtor, bravo_debtor):
    invoices = invoices_due(alfa_debtor, ("INV-1", "3000.00", -20))
    propose(alfa_debtor, invoices, 3)

    content = client.get(plan_url(bravo_debtor, "?lang=en")).content.decode()

    assert "INV-1" not in content
    assert "waiting for review" not in content
    assert "You have no open invoices to pay in instalments." in content


def test_other_tenants_token_cannot_pay_instalment(client, mollie_server, alfa_debtor, bravo_debtor):
    invoices = invoices_due(alfa_debtor, ("INV-1", "100.00", -20))
    plan = propose(alfa_debtor, invoices, 2).plan
    first = instalments_of(alfa_debtor, plan)[0]
    with tenant_context(alfa_debtor.organization):
        before = MolliePayment.objects.count()

    response = client.post(plan_url(bravo_debtor, f"/instalments/{first.pk}/pay"))

    assert response.status_code == 404
    assert "No such" not in response.content.decode()
    with tenant_context(alfa_debtor.organization):
        assert MolliePayment.objects.count() == before


def test_other_tenants_token_cannot_use_invoices(client, no_mollie, alfa_debtor, bravo_debtor):
    invoices = invoices_due(alfa_debtor, ("INV-1", "100.00", -20))

    response = client.post(plan_url(bravo_debtor, "/propose?lang=en"), form_data(bravo_debtor, invoices, 3))

    assert response.status_code == 400
    assert plans_of(alfa_debtor) == []
    assert plans_of(bravo_debtor) == []


def test_unknown_token_gets_neutral_page(client, no_mollie):
    response = client.get("/p/not-a-real-token/plan")

    assert response.status_code == 404


def test_other_debtors_instalment_not_found(client, no_mollie, alfa_debtor, org_alfa):
    invoices = invoices_due(alfa_debtor, ("INV-1", "100.00", -20))
    plan = propose(alfa_debtor, invoices, 2).plan
    first = instalments_of(alfa_debtor, plan)[0]
    neighbour = portal_debtor_for(org_alfa, "Westhaven Freight")

    response = client.post(plan_url(neighbour, f"/instalments/{first.pk}/pay"))

    assert response.status_code == 404
