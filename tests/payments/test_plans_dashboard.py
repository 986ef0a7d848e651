"""The dashboard's payment plan pages: review, approve, reject, rules; only within one's organisation."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from invoices.services import payment_register
from payments.models import PaymentPlanPolicy, PlanNotice, PlanStatus
from payments.plan_progress import plan_break
from payt.middleware import SESSION_LANGUAGE_KEY
from payt.models import Role
from payt.tenancy import tenant_context
from tests.conftest import _user
from tests.dashboard.conftest import logged_in_client
from tests.payments.conftest import UNREACHABLE_BASE_URL, portal_debtor_for
from tests.payments.plan_support import instalments_of, invoices_due, propose, reload_plan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_mollie(settings):
    settings.MOLLIE_API_ENDPOINT = UNREACHABLE_BASE_URL
    settings.BASE_URL = UNREACHABLE_BASE_URL


@pytest.fixture
def alice_client(alice):
    return logged_in_client(alice)


@pytest.fixture
def bob_client(bob):
    return logged_in_client(bob)


@pytest.fixture
def charlie_client(charlie):
    return logged_in_client(charlie)


@pytest.fixture
def reader_client(org_alfa):
    return logged_in_client(_user("reader@alfa.example", org_alfa, Role.READ_ONLY))


@pytest.fixture
def proposed(alfa_debtor):
    """A plan waiting for review: 3000.00 is above the default limit of 2500.00."""
    invoices = invoices_due(alfa_debtor, ("INV-1", "3000.00", -20))
    plan = propose(alfa_debtor, invoices, 3).plan
    assert plan.status == PlanStatus.PROPOSED
    return plan


def test_list_shows_proposal_with_reasons(bob_client, proposed):
    response = bob_client.get(reverse("dashboard:plans"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Noordkade Logistics" in content
    assert "The total of €\N{NO-BREAK SPACE}3,000.00 is above the €\N{NO-BREAK SPACE}2,500.00" in content
    assert reverse("dashboard:plan_approve", args=[proposed.pk]) in content
    assert reverse("dashboard:plan_reject", args=[proposed.pk]) in content


def test_list_in_dutch(bob_client, proposed):
    session = bob_client.session
    session[SESSION_LANGUAGE_KEY] = "nl"
    session.save()

    content = bob_client.get(reverse("dashboard:plans")).content.decode()

    assert "Voorstellen te beoordelen" in content
    assert "Het totaal van €\N{NO-BREAK SPACE}3.000,00 is hoger dan" in content
    assert ">Betalingsregelingen</a>" in content


def test_list_sections_by_status(bob_client, alfa_debtor, org_alfa):
    running = propose(alfa_debtor, invoices_due(alfa_debtor, ("INV-1", "90.00", -20)), 3).plan
    with tenant_context(org_alfa):
        plan_break(plan=running, instalment=instalments_of(alfa_debtor, running)[0], grace_days=7)

    content = bob_client.get(reverse("dashboard:plans")).content.decode()

    broken_table = content.split('id="broken-plans"')[1].split("</table>")[0]
    assert "Noordkade Logistics" in broken_table
    assert "No plans are running." in content


def test_detail_shows_schedule(bob_client, proposed):
    response = bob_client.get(reverse("dashboard:plan", args=[proposed.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert content.count('data-sequence="') == 3
    assert "€\N{NO-BREAK SPACE}1,000.00" in content


def test_approve(bob_client, bob, alfa_debtor, proposed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = bob_client.post(reverse("dashboard:plan_approve", args=[proposed.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:plans")
    plan = reload_plan(alfa_debtor, proposed)
    assert (plan.status, plan.decided_by) == (PlanStatus.ACCEPTED, bob)
    with tenant_context(alfa_debtor.organization):
        accepted_notice = PlanNotice.objects.get(kind="plan_accepted")
    assert [callback.args for callback in callbacks] == [
        (str(alfa_debtor.organization.pk), str(accepted_notice.pk))
    ]


def pay_in_full(visitor, plan) -> None:
    with tenant_context(visitor.organization):
        for line in plan.plan_invoices.select_related("invoice"):
            payment_register(
                organization=visitor.organization,
                amount=line.invoice.open_amount,
                payment_date=line.invoice.due_date,
                invoice=line.invoice,
            )


def test_approve_after_payment_shows_message(bob_client, alfa_debtor, proposed):
    pay_in_full(alfa_debtor, proposed)

    response = bob_client.post(reverse("dashboard:plan_approve", args=[proposed.pk]), follow=True)

    assert response.redirect_chain == [(reverse("dashboard:plan", args=[proposed.pk]), 302)]
    content = response.content.decode()
    assert "Nothing is open any more on the invoices of this payment plan" in content
    assert f'id="approve-{proposed.pk}"' not in content
    assert f'id="reject-{proposed.pk}"' in content
    assert reload_plan(alfa_debtor, proposed).status == PlanStatus.PROPOSED


def test_list_marks_paid_proposal(bob_client, alfa_debtor, proposed):
    other = portal_debtor_for(alfa_debtor.organization, "Still Open BV")
    waiting = propose(other, invoices_due(other, ("Q-1", "3000.00", -3)), 3).plan
    pay_in_full(alfa_debtor, proposed)

    content = bob_client.get(reverse("dashboard:plans")).content.decode()

    paid_card = content.split(f'id="plan-{proposed.pk}"')[1].split("</section>")[0]
    assert f'id="approval-block-{proposed.pk}"' in paid_card
    assert "Nothing is open any more" in paid_card
    assert f'id="approve-{proposed.pk}"' not in paid_card
    assert f'id="reject-{proposed.pk}"' in paid_card
    open_card = content.split(f'id="plan-{waiting.pk}"')[1].split("</section>")[0]
    assert f'id="approve-{waiting.pk}"' in open_card
    assert "approval-block" not in open_card


def test_detail_marks_changed_amount_in_dutch(bob_client, alfa_debtor, proposed):
    with tenant_context(alfa_debtor.organization):
        line = proposed.plan_invoices.select_related("invoice").get()
        payment_register(
            organization=alfa_debtor.organization,
            amount=Decimal("1000.00"),
            payment_date=line.invoice.due_date,
            invoice=line.invoice,
        )
    session = bob_client.session
    session[SESSION_LANGUAGE_KEY] = "nl"
    session.save()

    content = bob_client.get(reverse("dashboard:plan", args=[proposed.pk])).content.decode()

    assert f'id="approval-block-{proposed.pk}"' in content
    assert "€\N{NO-BREAK SPACE}3.000,00" in content
    assert "€\N{NO-BREAK SPACE}2.000,00" in content
    assert "Wijs het voorstel af" in content
    assert f'id="approve-{proposed.pk}"' not in content


def test_approve_twice_shows_message(bob_client, alfa_debtor, proposed):
    bob_client.post(reverse("dashboard:plan_approve", args=[proposed.pk]))

    response = bob_client.post(reverse("dashboard:plan_approve", args=[proposed.pk]), follow=True)

    assert "This payment plan has already been decided." in response.content.decode()


def test_reject_needs_reason(bob_client, alfa_debtor, proposed):
    response = bob_client.post(reverse("dashboard:plan_reject", args=[proposed.pk]), {"reason": ""})

    assert response.status_code == 400
    assert "Write the reason for the rejection" in response.content.decode()
    assert reload_plan(alfa_debtor, proposed).status == PlanStatus.PROPOSED


def test_language_switch_after_failed_reject(bob_client, proposed):
    failed = bob_client.post(reverse("dashboard:plan_reject", args=[proposed.pk]), {"reason": ""})
    assert failed.status_code == 400
    match = re.search(r'<input type="hidden" name="next" value="([^"]*)">', failed.content.decode())
    assert match, "no language switch on the page"

    response = bob_client.post("/language/", {"language": "nl", "next": match.group(1)}, follow=True)

    detail_url = reverse("dashboard:plan", args=[proposed.pk])
    assert response.redirect_chain == [(detail_url, 302)]
    assert response.status_code == 200
    assert "Betalingsregelingen" in response.content.decode()


def test_reject_with_reason(bob_client, bob, alfa_debtor, proposed):
    response = bob_client.post(
        reverse("dashboard:plan_reject", args=[proposed.pk]), {"reason": "Pay half now, then we talk."}
    )

    assert response.status_code == 302
    plan = reload_plan(alfa_debtor, proposed)
    assert (plan.status, plan.reason, plan.decided_by) == (PlanStatus.REJECTED, "Pay half now, then we talk.", bob)


def test_other_tenant_cannot_see_plan(charlie_client, proposed):
    assert charlie_client.get(reverse("dashboard:plan", args=[proposed.pk])).status_code == 404
    assert "Noordkade" not in charlie_client.get(reverse("dashboard:plans")).content.decode()


def test_other_tenant_cannot_approve_plan(charlie_client, alfa_debtor, proposed):
    response = charlie_client.post(reverse("dashboard:plan_approve", args=[proposed.pk]))

    assert response.status_code == 404
    plan = reload_plan(alfa_debtor, proposed)
    assert (plan.status, plan.decided_by) == (PlanStatus.PROPOSED, None)


def test_other_tenant_cannot_reject_plan(charlie_client, alfa_debtor, proposed):
    response = charlie_client.post(reverse("dashboard:plan_reject", args=[proposed.pk]), {"reason": "no"})

    assert response.status_code == 404
    assert reload_plan(alfa_debtor, proposed).status == PlanStatus.PROPOSED


def test_read_only_member_cannot_approve(reader_client, alfa_debtor, proposed):
    listing = reader_client.get(reverse("dashboard:plans")).content.decode()
    response = reader_client.post(reverse("dashboard:plan_approve", args=[proposed.pk]))

    assert reverse("dashboard:plan_approve", args=[proposed.pk]) not in listing
    assert response.status_code == 403
    assert reload_plan(alfa_debtor, proposed).status == PlanStatus.PROPOSED


def test_rules_page_admin_only(alice_client, bob_client):
    assert alice_client.get(reverse("dashboard:plan_rules")).status_code == 200
    assert bob_client.get(reverse("dashboard:plan_rules")).status_code == 403


def rules_data(**overrides) -> dict:
    data = {
        "max_instalments": "4",
        "min_instalment_amount": "50.00",
        "max_auto_accept_total": "",
        "max_days_to_first_instalment": "14",
        "broken_plan_lookback_days": "365",
        "grace_days": "5",
        "interval": "fortnightly",
    }
    return {**data, **overrides}


def test_rules_saved(alice_client, org_alfa):
    response = alice_client.post(reverse("dashboard:plan_rules"), rules_data())

    assert response.status_code == 302
    with tenant_context(org_alfa):
        policy = PaymentPlanPolicy.objects.get()
    assert (policy.max_instalments, policy.min_instalment_amount, policy.max_auto_accept_total) == (
        4,
        Decimal("50.00"),
        None,
    )
    assert (policy.grace_days, policy.interval) == (5, "fortnightly")


def test_rules_out_of_range_400(alice_client, org_alfa):
    response = alice_client.post(reverse("dashboard:plan_rules"), rules_data(max_instalments="40"))

    assert response.status_code == 400
    assert "Ensure this value is less than or equal to 24." in response.content.decode()
    with tenant_context(org_alfa):
        assert PaymentPlanPolicy.objects.count() == 0


def test_rules_of_other_tenant_unchanged(charlie_client, org_alfa, org_bravo):
    charlie_client.post(reverse("dashboard:plan_rules"), rules_data(max_instalments="3"))

    with tenant_context(org_bravo):
        assert PaymentPlanPolicy.objects.get().max_instalments == 3
    with tenant_context(org_alfa):
        assert PaymentPlanPolicy.objects.count() == 0


def test_list_queries_do_not_grow_with_plans(bob_client, org_alfa, django_assert_max_num_queries):
    def add_plans(count: int, start: int) -> None:
        for index in range(start, start + count):
            visitor = portal_debtor_for(org_alfa, f"Debtor{index} BV")
            propose(visitor, invoices_due(visitor, (f"Q-{index}", "3000.00", -3)), 3)

    add_plans(2, 0)
    with CaptureQueriesContext(connection) as few:
        bob_client.get(reverse("dashboard:plans"))
    add_plans(4, 2)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = bob_client.get(reverse("dashboard:plans"))

    assert response.content.decode().count('id="approve-') == 6
