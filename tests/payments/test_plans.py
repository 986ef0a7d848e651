"""Proposing and deciding payment plans: rules, holds, instalments, checkouts, bad input."""

import datetime as dt
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError

from debtors.models import TimelineEvent
from dunning.models import Hold, HoldReason
from dunning.selectors import held_debtors_and_invoices
from invoices.services import invoice_cancel, invoice_mark_disputed, payment_register
from payments.models import (
    InstalmentStatus,
    MolliePayment,
    PaymentPlan,
    PaymentPlanPolicy,
    PlanNotice,
    PlanNoticeKind,
    PlanProposer,
    PlanStatus,
)
from payments.plans import plan_approve, plan_policy_update, plan_reject
from payt.api_errors import DomainError
from payt.models import AuditEntry
from payt.tenancy import tenant_context
from tests.payments.conftest import UNREACHABLE_BASE_URL
from tests.payments.plan_support import instalments_of, invoices_due, propose, reload_plan, today_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_mollie(settings):
    """Point the Mollie client at a closed port: checkouts fail fast and plans go on without them."""
    settings.MOLLIE_API_ENDPOINT = UNREACHABLE_BASE_URL
    settings.BASE_URL = UNREACHABLE_BASE_URL


def holds_of(visitor) -> list[Hold]:
    with tenant_context(visitor.organization):
        return list(Hold.objects.select_related("invoice").order_by("invoice__number"))


def notices_of(visitor) -> list[tuple[str, list[str]]]:
    with tenant_context(visitor.organization):
        return [(notice.kind, notice.recipients) for notice in PlanNotice.objects.order_by("created_at")]


def timeline_events(visitor) -> list[str]:
    with tenant_context(visitor.organization):
        events = TimelineEvent.objects.filter(debtor=visitor.debtor).order_by("occurred_at", "summary")
        return [event.data.get("event", "") for event in events]


def test_plan_within_rules_accepted_at_once(mollie_server, alfa_debtor, bob):
    invoices = invoices_due(alfa_debtor, ("INV-1", "100.00", -20), ("INV-2", "200.00", -5))
    today = today_of(alfa_debtor)

    outcome = propose(alfa_debtor, invoices, 3, first_in_days=7)

    plan = reload_plan(alfa_debtor, outcome.plan)
    assert plan.status == PlanStatus.ACCEPTED
    assert plan.decided_automatically
    assert plan.total == Decimal("300.00")
    assert plan.review_reasons == []
    instalments = instalments_of(alfa_debtor, plan)
    assert [(i.sequence, i.amount, i.status) for i in instalments] == [
        (1, Decimal("100.00"), InstalmentStatus.OPEN),
        (2, Decimal("100.00"), InstalmentStatus.OPEN),
        (3, Decimal("100.00"), InstalmentStatus.OPEN),
    ]
    first = today + dt.timedelta(days=7)
    expected_dates = [first, first + relativedelta(months=1), first + relativedelta(months=2)]
    assert [i.due_date for i in instalments] == expected_dates
    assert notices_of(alfa_debtor) == [(PlanNoticeKind.PLAN_ACCEPTED, ["noordkade@debtor.example"])]


def test_accepted_plan_holds_each_invoice(mollie_server, alfa_debtor):
    invoices = invoices_due(alfa_debtor, ("INV-1", "100.00", -20), ("INV-2", "200.00", -5))

    outcome = propose(alfa_debtor, invoices, 3)

    holds = holds_of(alfa_debtor)
    assert [(hold.invoice.number, hold.reason, hold.until, hold.released_at) for hold in holds] == [
        ("INV-1", HoldReason.PAYMENT_PLAN, None, None),
        ("INV-2", HoldReason.PAYMENT_PLAN, None, None),
    ]
    with tenant_context(alfa_debtor.organization):
        _debtor_holds, invoice_holds = held_debtors_and_invoices(alfa_debtor.organization, today_of(alfa_debtor))
        lines = list(outcome.plan.plan_invoices.order_by("invoice__number"))
    assert set(invoice_holds) == {invoices[0].pk, invoices[1].pk}
    assert [line.hold_id for line in lines] == [holds[0].pk, holds[1].pk]


def test_accepted_plan_has_a_mollie_checkout_per_instalment(mollie_server, alfa_debtor):
    invoices = invoices_due(alfa_debtor, ("INV-1", "100.00", -20), ("INV-2", "200.01", -5))

    outcome = propose(alfa_debtor, invoices, 3)

    instalments = instalments_of(alfa_debtor, outcome.plan)
    assert [i.amount for i in instalments] == [Decimal("100.00"), Decimal("100.00"), Decimal("100.01")]
    for instalment in instalments:
        remote = mollie_server.store.get_payment(instalment.mollie_payment.mollie_id)
        assert remote.amount == instalment.amount
        assert remote.currency == "EUR"
        assert remote.status == "open"
        assert remote.metadata["instalment_id"] == str(instalment.pk)
        assert instalment.mollie_payment.checkout_url.startswith(mollie_server.url)
    assert mollie_server.store.get_payment(instalments[0].mollie_payment.mollie_id).description == (
        "Termijn 1 van 3, betalingsregeling"
    )


def test_checkout_lines_are_the_instalment_share(mollie_server, alfa_debtor):
    invoices = invoices_due(alfa_debtor, ("INV-1", "150.00", -20), ("INV-2", "150.00", -5))

    outcome = propose(alfa_debtor, invoices, 3)

    shares = {}
    with tenant_context(alfa_debtor.organization):
        for instalment in instalments_of(alfa_debtor, outcome.plan):
            lines = instalment.mollie_payment.lines.order_by("invoice__number")
            shares[instalment.sequence] = [(line.invoice.number, line.amount) for line in lines]
    assert shares == {
        1: [("INV-1", Decimal("100.00")), ("INV-2", Decimal("0.00"))],
        2: [("INV-1", Decimal("50.00")), ("INV-2", Decimal("50.00"))],
        3: [("INV-1", Decimal("0.00")), ("INV-2", Decimal("100.00"))],
    }


def test_plan_survives_mollie_down(no_mollie, alfa_debtor):
    invoices = invoices_due(alfa_debtor, ("INV-1", "90.00", -3))

    outcome = propose(alfa_debtor, invoices, 3)

    assert reload_plan(alfa_debtor, outcome.plan).status == PlanStatus.ACCEPTED
    with tenant_context(alfa_debtor.organization):
        assert list(MolliePayment.objects.values_list("status", flat=True)) == ["create_failed"] * 3


@pytest.mark.parametrize(
    ("rows", "count", "first_in_days", "expected"),
    [
        ((("INV-1", "700.00", -3),), 7, 7, ["too_many_instalments"]),
        ((("INV-1", "60.00", -3),), 3, 7, ["instalment_below_minimum"]),
        ((("INV-1", "3000.00", -3),), 3, 7, ["total_above_limit"]),
        ((("INV-1", "300.00", -3),), 3, 31, ["first_date_too_late"]),
    ],
)
def test_rule_sends_plan_to_review(no_mollie, alfa_debtor, bob, alice, rows, count, first_in_days, expected):
    invoices = invoices_due(alfa_debtor, *rows)

    outcome = propose(alfa_debtor, invoices, count, first_in_days=first_in_days)

    plan = reload_plan(alfa_debtor, outcome.plan)
    assert plan.status == PlanStatus.PROPOSED
    assert plan.decided_at is None
    assert [reason["code"] for reason in plan.review_reasons] == expected
    assert holds_of(alfa_debtor) == []
    assert notices_of(alfa_debtor) == [
        (PlanNoticeKind.PLAN_REVIEW, ["alice@alfa.example", "bob@alfa.example"])
    ]
    with tenant_context(alfa_debtor.organization):
        assert MolliePayment.objects.count() == 0


def test_broken_plan_within_a_year_sends_to_review(no_mollie, alfa_debtor):
    first, second = invoices_due(alfa_debtor, ("INV-1", "300.00", -40), ("INV-2", "300.00", -3))
    earlier = propose(alfa_debtor, [first], 3).plan
    with tenant_context(alfa_debtor.organization):
        PaymentPlan.objects.filter(pk=earlier.pk).update(status=PlanStatus.BROKEN, ended_at=earlier.created_at)

    outcome = propose(alfa_debtor, [second], 3)

    plan = reload_plan(alfa_debtor, outcome.plan)
    assert plan.status == PlanStatus.PROPOSED
    assert [reason["code"] for reason in plan.review_reasons] == ["broken_plan_recently"]


def test_broken_plan_longer_ago_does_not_count(no_mollie, alfa_debtor):
    first, second = invoices_due(alfa_debtor, ("INV-1", "300.00", -40), ("INV-2", "300.00", -3))
    earlier = propose(alfa_debtor, [first], 3).plan
    with tenant_context(alfa_debtor.organization):
        PaymentPlan.objects.filter(pk=earlier.pk).update(
            status=PlanStatus.BROKEN, ended_at=earlier.created_at - dt.timedelta(days=367)
        )

    outcome = propose(alfa_debtor, [second], 3)

    assert reload_plan(alfa_debtor, outcome.plan).status == PlanStatus.ACCEPTED


def test_rules_come_from_the_organisation(no_mollie, alfa_debtor, alice):
    with tenant_context(alfa_debtor.organization):
        plan_policy_update(organization=alfa_debtor.organization, actor=alice, max_instalments=2)
    invoices = invoices_due(alfa_debtor, ("INV-1", "300.00", -3))

    outcome = propose(alfa_debtor, invoices, 3)

    assert [reason["code"] for reason in outcome.plan.review_reasons] == ["too_many_instalments"]


def test_credit_controller_plan_accepted_beyond_rules(no_mollie, alfa_debtor, bob):
    invoices = invoices_due(alfa_debtor, ("INV-1", "9000.00", -3))

    outcome = propose(alfa_debtor, invoices, 12, first_in_days=60, proposed_by=PlanProposer.CREDIT_CONTROLLER, user=bob)

    plan = reload_plan(alfa_debtor, outcome.plan)
    assert plan.status == PlanStatus.ACCEPTED
    assert plan.proposed_by_user == bob
    assert plan.decided_by == bob
    assert len(instalments_of(alfa_debtor, plan)) == 12


@pytest.mark.parametrize(
    ("count", "first_in_days", "field", "code"),
    [
        (1, 7, "instalment_count", "invalid_instalment_count"),
        (25, 7, "instalment_count", "invalid_instalment_count"),
        (3, -1, "first_due_date", "invalid_first_due_date"),
        (3, 366, "first_due_date", "invalid_first_due_date"),
    ],
)
def test_bad_terms_rejected(no_mollie, alfa_debtor, count, first_in_days, field, code):
    invoices = invoices_due(alfa_debtor, ("INV-1", "300.00", -3))

    with pytest.raises(DomainError) as raised:
        propose(alfa_debtor, invoices, count, first_in_days=first_in_days)

    assert (raised.value.field, raised.value.code) == (field, code)
    with tenant_context(alfa_debtor.organization):
        assert PaymentPlan.objects.count() == 0


def test_bad_count_message_names_value_and_range(no_mollie, alfa_debtor):
    invoices = invoices_due(alfa_debtor, ("INV-1", "300.00", -3))

    with pytest.raises(DomainError) as raised:
        propose(alfa_debtor, invoices, 30)

    assert raised.value.message == "30 instalments is not possible; choose from 2 to 24."


def test_total_too_small_to_split(no_mollie, alfa_debtor):
    invoices = invoices_due(alfa_debtor, ("INV-1", "0.05", -3))

    with pytest.raises(DomainError) as raised:
        propose(alfa_debtor, invoices, 6)

    assert (raised.value.field, raised.value.code) == ("instalment_count", "total_too_small")


def test_no_invoices_rejected(no_mollie, alfa_debtor):
    with pytest.raises(DomainError) as raised:
        propose(alfa_debtor, [], 3)

    assert (raised.value.field, raised.value.code) == ("invoices", "required")


def test_paid_invoice_rejected(no_mollie, alfa_debtor):
    (invoice,) = invoices_due(alfa_debtor, ("INV-1", "100.00", -3))
    with tenant_context(alfa_debtor.organization):
        payment_register(
            organization=alfa_debtor.organization,
            amount=Decimal("100.00"),
            payment_date=today_of(alfa_debtor),
            invoice=invoice,
        )

    with pytest.raises(DomainError) as raised:
        propose(alfa_debtor, [invoice], 3)

    assert raised.value.code == "invalid_invoices"


def test_disputed_invoice_rejected(no_mollie, alfa_debtor):
    (invoice,) = invoices_due(alfa_debtor, ("INV-1", "100.00", -3))
    with tenant_context(alfa_debtor.organization):
        invoice_mark_disputed(invoice=invoice, reason="wrong quantity")

    with pytest.raises(DomainError) as raised:
        propose(alfa_debtor, [invoice], 3)

    assert raised.value.code == "invoice_disputed"
    assert "INV-1" in raised.value.message


def test_mixed_currencies_rejected(no_mollie, alfa_debtor):
    euro = alfa_debtor.invoice("INV-EUR", "100.00")
    pound = alfa_debtor.invoice("INV-GBP", "100.00", currency="GBP")

    with pytest.raises(DomainError) as raised:
        propose(alfa_debtor, [euro, pound], 3)

    assert raised.value.code == "mixed_currencies"
    assert "EUR, GBP" in raised.value.message


def test_second_open_plan_rejected(no_mollie, alfa_debtor):
    first, second = invoices_due(alfa_debtor, ("INV-1", "300.00", -3), ("INV-2", "300.00", -3))
    propose(alfa_debtor, [first], 3)

    with pytest.raises(DomainError) as raised:
        propose(alfa_debtor, [second], 3)

    assert (raised.value.code, raised.value.status_code) == ("plan_exists", 409)


def test_other_debtors_invoice_rejected(no_mollie, alfa_debtor, org_alfa, make_invoice):
    foreign = make_invoice(org_alfa, number="OTHER-1", total="300.00")

    with pytest.raises(DomainError) as raised:
        propose(alfa_debtor, [foreign], 3)

    assert raised.value.code == "invalid_invoices"


def test_other_tenants_invoice_rejected(no_mollie, alfa_debtor, bravo_debtor):
    (bravo_invoice,) = invoices_due(bravo_debtor, ("B-1", "300.00", -3))

    with pytest.raises(DomainError) as raised:
        propose(alfa_debtor, [bravo_invoice], 3)

    assert raised.value.code == "invalid_invoices"
    with tenant_context(bravo_debtor.organization):
        assert PaymentPlan.objects.count() == 0


def test_approve_places_holds_and_checkouts(mollie_server, alfa_debtor, bob):
    invoices = invoices_due(alfa_debtor, ("INV-1", "3000.00", -3))
    proposed = propose(alfa_debtor, invoices, 3).plan

    with tenant_context(alfa_debtor.organization):
        outcome = plan_approve(plan=proposed, user=bob)

    plan = reload_plan(alfa_debtor, proposed)
    assert plan.status == PlanStatus.ACCEPTED
    assert plan.decided_by == bob
    assert [hold.invoice.number for hold in holds_of(alfa_debtor)] == ["INV-1"]
    assert all(i.mollie_payment.mollie_id for i in instalments_of(alfa_debtor, plan))
    assert len(outcome.notice_ids) == 1
    assert notices_of(alfa_debtor)[-1] == (PlanNoticeKind.PLAN_ACCEPTED, ["noordkade@debtor.example"])


def test_approve_twice_rejected(no_mollie, alfa_debtor, bob, alice):
    invoices = invoices_due(alfa_debtor, ("INV-1", "3000.00", -3))
    proposed = propose(alfa_debtor, invoices, 3).plan
    with tenant_context(alfa_debtor.organization):
        plan_approve(plan=proposed, user=bob)

        with pytest.raises(DomainError) as raised:
            plan_approve(plan=proposed, user=alice)
        with pytest.raises(DomainError):
            plan_reject(plan=proposed, user=alice, reason="too late")

    assert raised.value.code == "already_decided"
    assert reload_plan(alfa_debtor, proposed).decided_by == bob
    assert len(holds_of(alfa_debtor)) == 1


def pay(visitor, invoice, amount: str) -> None:
    with tenant_context(visitor.organization):
        payment_register(
            organization=visitor.organization,
            amount=Decimal(amount),
            payment_date=today_of(visitor),
            invoice=invoice,
        )


def approve_error(visitor, plan, user) -> DomainError:
    with tenant_context(visitor.organization), pytest.raises(DomainError) as raised:
        plan_approve(plan=plan, user=user)
    return raised.value


def test_approve_after_invoices_paid_rejected(no_mollie, alfa_debtor, bob):
    first, second = invoices_due(alfa_debtor, ("INV-1", "2000.00", -3), ("INV-2", "1000.00", -3))
    proposed = propose(alfa_debtor, [first, second], 3).plan
    pay(alfa_debtor, first, "2000.00")
    pay(alfa_debtor, second, "1000.00")

    error = approve_error(alfa_debtor, proposed, bob)

    assert error.code == "nothing_open"
    assert error.status_code == 409
    assert "Nothing is open any more on the invoices of this payment plan" in error.message
    assert "Reject the proposal" in error.message
    plan = reload_plan(alfa_debtor, proposed)
    assert (plan.status, plan.decided_by) == (PlanStatus.PROPOSED, None)
    assert holds_of(alfa_debtor) == []
    assert PlanNoticeKind.PLAN_ACCEPTED not in [kind for kind, _recipients in notices_of(alfa_debtor)]


def test_approve_accepted_plan_after_payment(no_mollie, alfa_debtor, bob, alice):
    invoices = invoices_due(alfa_debtor, ("INV-1", "3000.00", -3))
    proposed = propose(alfa_debtor, invoices, 3).plan
    with tenant_context(alfa_debtor.organization):
        plan_approve(plan=proposed, user=bob)
    pay(alfa_debtor, invoices[0], "1000.00")

    error = approve_error(alfa_debtor, proposed, alice)

    assert error.code == "already_decided"
    assert reload_plan(alfa_debtor, proposed).decided_by == bob


def test_approve_after_invoice_cancelled_rejected(no_mollie, alfa_debtor, bob):
    invoices = invoices_due(alfa_debtor, ("INV-1", "3000.00", -3))
    proposed = propose(alfa_debtor, invoices, 3).plan
    with tenant_context(alfa_debtor.organization):
        invoice_cancel(invoice=invoices[0], reason="Sent twice")

    error = approve_error(alfa_debtor, proposed, bob)

    assert error.code == "nothing_open"
    assert reload_plan(alfa_debtor, proposed).status == PlanStatus.PROPOSED


def test_approve_after_part_payment_rejected(no_mollie, alfa_debtor, bob):
    invoices = invoices_due(alfa_debtor, ("INV-1", "3000.00", -3))
    proposed = propose(alfa_debtor, invoices, 3).plan
    pay(alfa_debtor, invoices[0], "500.01")

    error = approve_error(alfa_debtor, proposed, bob)

    assert error.code == "open_amount_changed"
    assert error.status_code == 409
    assert "€\N{NO-BREAK SPACE}3,000.00 open at the proposal" in error.message
    assert "€\N{NO-BREAK SPACE}2,499.99 open now" in error.message
    assert "let the debtor propose a new plan" in error.message
    assert reload_plan(alfa_debtor, proposed).status == PlanStatus.PROPOSED
    assert holds_of(alfa_debtor) == []


def test_approve_after_one_of_two_cancelled_rejected(no_mollie, alfa_debtor, bob):
    first, second = invoices_due(alfa_debtor, ("INV-1", "2000.00", -3), ("INV-2", "1000.00", -3))
    proposed = propose(alfa_debtor, [first, second], 3).plan
    with tenant_context(alfa_debtor.organization):
        invoice_cancel(invoice=second, reason="Wrong debtor")

    error = approve_error(alfa_debtor, proposed, bob)

    assert error.code == "open_amount_changed"
    assert "€\N{NO-BREAK SPACE}2,000.00 open now" in error.message


def test_approve_after_first_date_passed_reschedules(no_mollie, alfa_debtor, bob):
    invoices = invoices_due(alfa_debtor, ("INV-1", "3000.00", -3))
    proposed = propose(alfa_debtor, invoices, 3, first_in_days=2).plan
    today = today_of(alfa_debtor)
    with tenant_context(alfa_debtor.organization):
        PaymentPlan.objects.filter(pk=proposed.pk).update(first_due_date=today - dt.timedelta(days=5))
        proposed.instalments.filter(sequence=1).update(due_date=today - dt.timedelta(days=5))

        plan_approve(plan=proposed, user=bob)

    plan = reload_plan(alfa_debtor, proposed)
    assert plan.first_due_date == today
    assert [i.due_date for i in instalments_of(alfa_debtor, plan)][0] == today


def test_reject_needs_reason(no_mollie, alfa_debtor, bob):
    invoices = invoices_due(alfa_debtor, ("INV-1", "3000.00", -3))
    proposed = propose(alfa_debtor, invoices, 3).plan

    with tenant_context(alfa_debtor.organization), pytest.raises(DomainError) as raised:
        plan_reject(plan=proposed, user=bob, reason="   ")

    assert (raised.value.field, raised.value.code) == ("reason", "required")
    assert reload_plan(alfa_debtor, proposed).status == PlanStatus.PROPOSED


def test_reject_cancels_instalments_and_tells_debtor(no_mollie, alfa_debtor, bob):
    invoices = invoices_due(alfa_debtor, ("INV-1", "3000.00", -3))
    proposed = propose(alfa_debtor, invoices, 3).plan

    with tenant_context(alfa_debtor.organization):
        plan_reject(plan=proposed, user=bob, reason="Please pay at least half now.")

    plan = reload_plan(alfa_debtor, proposed)
    assert (plan.status, plan.reason, plan.decided_by) == (PlanStatus.REJECTED, "Please pay at least half now.", bob)
    assert {i.status for i in instalments_of(alfa_debtor, plan)} == {InstalmentStatus.CANCELED}
    assert holds_of(alfa_debtor) == []
    assert notices_of(alfa_debtor)[-1] == (PlanNoticeKind.PLAN_REJECTED, ["noordkade@debtor.example"])


def test_after_rejection_debtor_proposes_again(no_mollie, alfa_debtor, bob):
    invoices = invoices_due(alfa_debtor, ("INV-1", "300.00", -3))
    proposed = propose(alfa_debtor, invoices, 8).plan
    with tenant_context(alfa_debtor.organization):
        plan_reject(plan=proposed, user=bob, reason="At most 6 instalments.")

    second = propose(alfa_debtor, invoices, 6).plan

    assert reload_plan(alfa_debtor, second).status == PlanStatus.ACCEPTED


def test_plan_steps_on_timeline(no_mollie, alfa_debtor, bob):
    invoices = invoices_due(alfa_debtor, ("INV-1", "3000.00", -3))
    proposed = propose(alfa_debtor, invoices, 3).plan
    with tenant_context(alfa_debtor.organization):
        plan_approve(plan=proposed, user=bob)

    events = timeline_events(alfa_debtor)

    assert "plan_proposed" in events
    assert "plan_accepted" in events
    assert "hold_placed" in events


def test_policy_update_records_audit(db, org_alfa, alice):
    with tenant_context(org_alfa):
        plan_policy_update(
            organization=org_alfa, actor=alice, max_instalments=4, min_instalment_amount=Decimal("50.00")
        )
        policy = PaymentPlanPolicy.objects.get()
        entry = AuditEntry.objects.get(action="payment_plan_policy.changed")

    assert (policy.max_instalments, policy.min_instalment_amount) == (4, Decimal("50.00"))
    assert entry.actor == alice
    assert entry.data == {"max_instalments": "4", "min_instalment_amount": "50.00"}


def test_policy_update_rejects_out_of_range(db, org_alfa, alice):
    with tenant_context(org_alfa), pytest.raises(ValidationError) as raised:
        plan_policy_update(organization=org_alfa, actor=alice, max_instalments=30)

    assert "max_instalments" in raised.value.error_dict
    with tenant_context(org_alfa):
        assert PaymentPlanPolicy.objects.count() == 0
