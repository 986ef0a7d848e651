"""The editor's rules: each rejected setting names the field and the fix, and nothing is saved."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dunning.models import StepTemplate, Workflow, WorkflowStep
from dunning.services import dunning_run
from dunning.workflows import (
    step_add,
    step_remove,
    step_update,
    workflow_create,
    workflow_delete,
    workflow_update,
    workflow_warnings,
)
from payt.models import AuditEntry
from payt.tenancy import tenant_context

STEP = {
    "days_after_due": 14,
    "offset_from": "due_date",
    "channel": "email",
    "template": StepTemplate.SECOND_REMINDER,
    "costs": "none",
    "fixed_fee": None,
    "show_interest": False,
    "next_business_day": True,
}


@pytest.fixture
def empty_workflow(org_alfa):
    """A workflow without steps."""

    def make(**rule):
        with tenant_context(org_alfa):
            return workflow_create(organization=org_alfa, actor=None, name=rule.pop("name", "Rules test"), **rule)

    return make


def add(workflow, **fields):
    with tenant_context(workflow.organization):
        return step_add(workflow=workflow, actor=None, **{**STEP, **fields})


def rejected(call, *args, **fields) -> dict:
    """Run a service call that must fail; return its errors by field ("__all__" for whole-form errors)."""
    with pytest.raises(ValidationError) as error:
        call(*args, **fields)
    if hasattr(error.value, "error_dict"):
        return {field: " ".join(messages) for field, messages in error.value.message_dict.items()}
    return {"__all__": " ".join(error.value.messages)}


def step_count(workflow) -> int:
    with tenant_context(workflow.organization):
        return WorkflowStep.objects.filter(workflow=workflow).count()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"days_after_due": 999}, "days_after_due", "Offset 999 is out of range; enter -60 to 365 days"),
        ({"days_after_due": -61, "template": "pre_due_notice"}, "days_after_due", "Offset -61 is out of range"),
        ({"offset_from": "previous_step"}, "offset_from", "The first step has no previous step"),
        ({"costs": "fixed"}, "fixed_fee", "Enter the fixed fee, or choose another costs option."),
        ({"costs": "fixed", "fixed_fee": Decimal("0.00")}, "fixed_fee", "The fee 0.00 is out of range"),
        ({"costs": "fixed", "fixed_fee": Decimal("5000.00")}, "fixed_fee", "The fee 5000.00 is out of range"),
        (
            {"days_after_due": -3, "template": "pre_due_notice", "costs": "statutory"},
            "costs",
            "Statutory collection costs can only be charged after the due date, but this step runs on day -3",
        ),
        ({"template": "pre_due_notice", "days_after_due": 3}, "days_after_due", "on or before the due date"),
        ({"template": "fourteen_day_letter", "channel": "sms"}, "channel", "A 14-day letter goes by e-mail or letter"),
        ({"template": "fourteen_day_letter", "days_after_due": 0}, "days_after_due", "runs on day 0"),
        ({"template": "phone_call", "channel": "email"}, "channel", "'Phone call' and the channel 'Phone task'"),
        ({"template": "second_reminder", "channel": "phone"}, "channel", "'Phone call' and the channel 'Phone task'"),
        (
            {"template": "phone_call", "channel": "phone", "costs": "statutory"},
            "costs",
            "A phone call charges no costs",
        ),
        (
            {"template": "pre_due_notice", "days_after_due": -3, "show_interest": True},
            "show_interest",
            "No interest runs before the due date has passed",
        ),
    ],
)
def test_step_setting_rejected(empty_workflow, fields, field, message):
    workflow = empty_workflow()

    errors = rejected(add, workflow, **fields)

    assert field in errors
    assert message in errors[field]
    assert step_count(workflow) == 0


def test_statutory_costs_before_due_date_through_previous_step(empty_workflow):
    workflow = empty_workflow()
    add(workflow, template="pre_due_notice", days_after_due=-10)

    errors = rejected(
        add, workflow, template="friendly_reminder", offset_from="previous_step", days_after_due=5, costs="statutory"
    )

    assert "this step runs on day -5" in errors["costs"]


def test_steps_must_run_in_listed_order(empty_workflow):
    workflow = empty_workflow()
    add(workflow, template="friendly_reminder", days_after_due=7)
    add(workflow, template="final_notice", days_after_due=35)

    errors = rejected(add, workflow, template="second_reminder", days_after_due=21)

    assert errors["days_after_due"] == (
        "Step 3 would run on day 21, before step 2 on day 35. "
        "Steps run in the order listed; raise the offset or move the step up."
    )


def test_same_day_steps_allowed(empty_workflow):
    workflow = empty_workflow()
    add(workflow, template="friendly_reminder", days_after_due=7)

    step = add(workflow, template="friendly_reminder", channel="sms", days_after_due=7)

    assert step.position == 2


def test_fixed_fee_dropped_with_other_costs(empty_workflow):
    workflow = empty_workflow()
    step = add(workflow, costs="fixed", fixed_fee=Decimal("7.50"))

    with tenant_context(workflow.organization):
        step_update(step=step, actor=None, costs="none", fixed_fee=Decimal("7.50"))
        step.refresh_from_db()

    assert step.costs == "none"
    assert step.fixed_fee is None


def test_consumer_workflow_fixed_fee_rejected(empty_workflow):
    workflow = empty_workflow(match_kind="consumer")

    errors = rejected(add, workflow, costs="fixed", fixed_fee=Decimal("15.00"))

    assert "Dutch law allows only the statutory collection costs for consumers (art. 6:96(5) BW)" in errors["costs"]


def test_consumer_statutory_costs_need_fourteen_day_letter(empty_workflow):
    workflow = empty_workflow(match_kind="consumer")
    add(workflow, template="friendly_reminder", days_after_due=7)

    errors = rejected(add, workflow, template="final_notice", days_after_due=35, costs="statutory")

    assert "only after a 14-day letter whose term has passed (art. 6:96(6) BW)" in errors["costs"]


def test_consumer_statutory_costs_wait_for_term(empty_workflow):
    workflow = empty_workflow(match_kind="consumer")
    add(workflow, template="fourteen_day_letter", days_after_due=21)

    errors = rejected(add, workflow, template="final_notice", days_after_due=30, costs="statutory")
    step = add(workflow, template="final_notice", days_after_due=36, costs="statutory")

    assert "This step runs 9 days after the 14-day letter" in errors["days_after_due"]
    assert "at least 15 days after the letter" in errors["days_after_due"]
    assert step.costs == "statutory"


def test_business_workflow_statutory_costs_after_due_date(empty_workflow):
    workflow = empty_workflow(match_kind="company")

    step = add(workflow, template="friendly_reminder", days_after_due=1, costs="statutory")

    assert step.costs == "statutory"


def test_rule_change_checks_existing_steps(empty_workflow):
    workflow = empty_workflow()
    add(workflow, template="friendly_reminder", days_after_due=7, costs="fixed", fixed_fee=Decimal("5.00"))

    with tenant_context(workflow.organization):
        errors = rejected(workflow_update, workflow=workflow, actor=None, match_kind="consumer")
        workflow.refresh_from_db()

    assert errors["__all__"].startswith("Step 1: Dutch law allows only the statutory collection costs")
    assert workflow.match_kind == ""


@pytest.mark.parametrize(
    ("rule", "field", "message"),
    [
        ({"name": "  "}, "name", "Enter a name for the workflow."),
        ({"name": "standard"}, "name", "A workflow named standard already exists; choose another name."),
        ({"match_country": "NLD"}, "match_country", "NLD is not a country code; enter two letters such as NL"),
        ({"match_language": "es"}, "match_language", "Unknown language es"),
        ({"match_kind": "robot"}, "match_kind", "Unknown debtor kind robot"),
        ({"min_open_amount": Decimal("-1")}, "min_open_amount", "The amount -1 is negative"),
        (
            {"min_open_amount": Decimal("500"), "max_open_amount": Decimal("100")},
            "max_open_amount",
            "'Open amount below' (100) must be higher than 'open amount from' (500); swap them or clear one.",
        ),
    ],
)
def test_rule_rejected(org_alfa, rule, field, message):
    with tenant_context(org_alfa):
        errors = rejected(workflow_create, organization=org_alfa, actor=None, **{"name": "New", **rule})
        names = list(Workflow.objects.values_list("name", flat=True))

    assert message in errors[field]
    assert names == ["Standard"]


def test_workflow_without_rule_only_by_hand(org_alfa):
    with tenant_context(org_alfa):
        workflow = workflow_create(organization=org_alfa, actor=None, name="By hand")
        warnings = workflow_warnings(workflow, [])

    assert warnings == [
        "This workflow has no steps: debtors it applies to get no reminders.",
        "This workflow has no rule, so it only applies to debtors set to it by hand.",
    ]


def test_default_workflow_needs_no_rule(org_alfa):
    with tenant_context(org_alfa):
        workflow = Workflow.objects.get(is_default=True)
        workflow_update(workflow=workflow, actor=None, name="Standard", priority=50)
        workflow.refresh_from_db()

    assert workflow.priority == 50


def test_used_step_and_workflow_stay(org_alfa, make_invoice, empty_workflow):
    workflow = empty_workflow()
    with tenant_context(org_alfa):
        Workflow.objects.filter(is_default=True).update(is_default=False)
        Workflow.objects.filter(pk=workflow.pk).update(is_default=True)
    step = add(workflow, template="friendly_reminder", days_after_due=7)
    make_invoice(org_alfa, number="U-1", total="50.00", due_date=dt.date(2025, 10, 1))
    dunning_run(organization=org_alfa, run_date=dt.date(2025, 10, 8))
    with tenant_context(org_alfa):
        Workflow.objects.filter(pk=workflow.pk).update(is_default=False)
        Workflow.objects.filter(name="Standard").update(is_default=True)
        workflow.refresh_from_db()

        step_errors = rejected(step_remove, step=step, actor=None)
        workflow_errors = rejected(workflow_delete, workflow=workflow, actor=None)

    assert "This step has been applied to invoices 1 times" in step_errors["__all__"]
    assert "Workflow Rules test has been applied to invoices 1 times" in workflow_errors["__all__"]
    assert step_count(workflow) == 1


def test_unchanged_step_writes_no_audit_entry(empty_workflow):
    workflow = empty_workflow()
    step = add(workflow)
    with tenant_context(workflow.organization):
        before = AuditEntry.objects.count()
        step_update(step=step, actor=None, **STEP)
        after = AuditEntry.objects.count()

    assert after == before


# The same rules through the pages


def test_step_page_shows_error_beside_field(bob_client, org_alfa):
    with tenant_context(org_alfa):
        step = WorkflowStep.objects.order_by("position").first()
        audit_before = AuditEntry.objects.count()

    response = bob_client.post(
        reverse("dashboard:workflow_step", args=[step.pk]),
        {
            "days_after_due": "999",
            "offset_from": "due_date",
            "channel": "email",
            "template": "friendly_reminder",
            "costs": "none",
        },
    )

    assert response.status_code == 400
    content = response.content.decode()
    field_html = content[content.index('id="id_days_after_due"') :]
    assert field_html.index("Offset 999 is out of range") < field_html.index('id="id_offset_from"')
    with tenant_context(org_alfa):
        step.refresh_from_db()
        assert step.days_after_due == 7
        assert AuditEntry.objects.count() == audit_before


def test_add_step_page_error_in_dutch(bob_client, org_alfa):
    bob_client.post(reverse("dashboard:language"), {"language": "nl"})
    with tenant_context(org_alfa):
        workflow = Workflow.objects.get(is_default=True)

    response = bob_client.post(
        reverse("dashboard:workflow_step_add", args=[workflow.pk]),
        {"days_after_due": "40", "offset_from": "due_date", "channel": "email", "template": "final_notice",
         "costs": "fixed"},
    )

    assert response.status_code == 400
    assert "Vul het vaste bedrag in, of kies een andere kostenoptie." in response.content.decode()
    assert step_count(workflow) == 3


def test_new_workflow_page_error(bob_client, org_alfa):
    response = bob_client.post(
        reverse("dashboard:workflow_new"),
        {"name": "Band", "priority": "5", "min_open_amount": "abc"},
    )

    assert response.status_code == 400
    assert "Enter a number." in response.content.decode()
