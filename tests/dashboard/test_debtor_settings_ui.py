"""The debtor's dunning settings: tags, the workflow set by hand, and which workflow applies now and why."""

import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from debtors.models import Debtor, TimelineEvent
from debtors.services import debtor_create, debtor_dunning_settings_update
from dunning.models import Workflow
from invoices.services import invoice_register
from payt.dates import local_today
from payt.models import AuditEntry
from payt.tenancy import tenant_context


def debtor_url(debtor) -> str:
    return reverse("dashboard:debtor", args=[debtor.pk])


def settings_url(debtor) -> str:
    return reverse("dashboard:debtor_settings", args=[debtor.pk])


@pytest.fixture
def workflows(org_alfa):
    """Alfa's default workflow, one picked by the tag "key account", one by an open amount of 1,000 or more,
    and one without a rule (only used when set by hand)."""
    with tenant_context(org_alfa):
        return {
            "default": Workflow.objects.get(is_default=True),
            "key": Workflow.objects.create(
                organization=org_alfa, name="Key accounts", priority=10, match_tag="key account"
            ),
            "large": Workflow.objects.create(
                organization=org_alfa, name="Large claims", priority=20, min_open_amount=Decimal("1000.00")
            ),
            "manual": Workflow.objects.create(organization=org_alfa, name="Handled by hand"),
        }


@pytest.fixture
def bravo_workflow(org_bravo):
    with tenant_context(org_bravo):
        return Workflow.objects.get(is_default=True)


@pytest.fixture
def jansen(org_alfa, make_invoice):
    invoice = make_invoice(
        org_alfa, number="J-1", total="250.00", due_date=local_today(org_alfa), name="Jansen BV"
    )
    return invoice.debtor


def reload(organization, debtor) -> Debtor:
    with tenant_context(organization):
        return Debtor.objects.select_related("workflow").get(pk=debtor.pk)


def settings_events(organization) -> list[TimelineEvent]:
    with tenant_context(organization):
        return list(TimelineEvent.objects.filter(data__event="dunning_settings_changed"))


def applied(response) -> list[tuple[str, str]]:
    """Return (workflow name, reason) per currency, as the debtor page shows them."""
    return [
        (choice.workflow.name if choice.workflow else "", choice.reason)
        for choice in response.context["workflow_choices"]
    ]


def test_default_workflow_explained(bob_client, workflows, jansen):
    response = bob_client.get(debtor_url(jansen))

    assert applied(response) == [(workflows["default"].name, "default")]
    assert "(default, because no workflow rule matches)" in response.content.decode()


def test_tags_trimmed_and_deduplicated(bob_client, bob, org_alfa, workflows, jansen):
    response = bob_client.post(
        settings_url(jansen), {"tags": " key account , construction,key account,, ", "workflow": ""}
    )

    assert response.status_code == 302
    assert response["Location"] == debtor_url(jansen) + "#dunning-settings"
    assert reload(org_alfa, jansen).tags == ["key account", "construction"]
    [event] = settings_events(org_alfa)
    assert event.data["changes"] == {"tags": [[], ["key account", "construction"]]}
    assert event.data["by"] == "bob@alfa.example"
    with tenant_context(org_alfa):
        audit = AuditEntry.objects.get(action="debtor.dunning_settings_changed")
    assert (audit.actor, audit.target) == (bob, "Jansen BV")
    assert audit.data["changes"] == event.data["changes"]
    page = bob_client.get(debtor_url(jansen))
    assert applied(page) == [("Key accounts", "rule")]
    content = page.content.decode()
    assert "(rule of workflow Key accounts)" in content
    assert "Dunning settings changed: tags – → key account, construction" in content


def test_amount_band_rule_uses_net_balance(bob_client, org_alfa, workflows, jansen, make_invoice):
    make_invoice(org_alfa, number="J-2", total="750.00", due_date=local_today(org_alfa), debtor=jansen)

    response = bob_client.get(debtor_url(jansen))

    assert applied(response) == [("Large claims", "rule")]


def test_set_and_clear_workflow_by_hand(bob_client, org_alfa, workflows, jansen):
    manual = workflows["manual"]

    set_response = bob_client.post(settings_url(jansen), {"tags": "", "workflow": str(manual.pk)})
    set_page = bob_client.get(debtor_url(jansen))
    clear_response = bob_client.post(settings_url(jansen), {"tags": "", "workflow": ""})

    assert (set_response.status_code, clear_response.status_code) == (302, 302)
    assert applied(set_page) == [("Handled by hand", "by_hand")]
    assert "(set by hand)" in set_page.content.decode()
    assert reload(org_alfa, jansen).workflow is None
    first, second = sorted(settings_events(org_alfa), key=lambda event: event.occurred_at)
    assert first.data["changes"] == {"workflow": ["", "Handled by hand"]}
    assert second.data["changes"] == {"workflow": ["Handled by hand", ""]}


def test_unchanged_settings_leave_no_entry(bob_client, org_alfa, workflows, jansen):
    bob_client.post(settings_url(jansen), {"tags": "vip", "workflow": ""})

    response = bob_client.post(settings_url(jansen), {"tags": " vip ", "workflow": ""})

    assert response.status_code == 302
    assert len(settings_events(org_alfa)) == 1


def test_too_long_tag_is_form_error(bob_client, org_alfa, workflows, jansen):
    long_tag = "x" * 51

    response = bob_client.post(settings_url(jansen), {"tags": f"vip, {long_tag}", "workflow": ""})

    assert response.status_code == 400
    errors = response.context["settings_form"].errors
    assert errors["tags"] == [
        f"The tag “{long_tag}” is 51 characters long; shorten it to 50 characters or fewer."
    ]
    assert list(errors) == ["tags"]
    assert reload(org_alfa, jansen).tags == []
    assert settings_events(org_alfa) == []


def test_tag_of_fifty_characters_accepted(bob_client, org_alfa, workflows, jansen):
    response = bob_client.post(settings_url(jansen), {"tags": "y" * 50, "workflow": ""})

    assert response.status_code == 302
    assert reload(org_alfa, jansen).tags == ["y" * 50]


@pytest.mark.parametrize("workflow_id", ["unknown", "bravo", "not-a-uuid"])
def test_unknown_workflow_is_form_error(bob_client, org_alfa, workflows, bravo_workflow, jansen, workflow_id):
    value = {"unknown": str(uuid.uuid4()), "bravo": str(bravo_workflow.pk), "not-a-uuid": "standard"}[workflow_id]

    response = bob_client.post(settings_url(jansen), {"tags": "vip", "workflow": value})

    assert response.status_code == 400
    assert response.context["settings_form"].errors["workflow"] == [
        f"Workflow {value} is not one of this organisation's workflows; choose one from the list."
    ]
    unchanged = reload(org_alfa, jansen)
    assert (unchanged.tags, unchanged.workflow) == ([], None)


def test_service_rejects_workflow_of_other_organization(org_alfa, jansen, bravo_workflow):
    with tenant_context(org_alfa), pytest.raises(ValidationError) as raised:
        debtor_dunning_settings_update(debtor=jansen, tags=[], workflow=bravo_workflow)

    assert list(raised.value.message_dict) == ["workflow"]
    assert reload(org_alfa, jansen).workflow is None


def test_service_rejects_tag_with_comma(org_alfa, jansen):
    with tenant_context(org_alfa), pytest.raises(ValidationError) as raised:
        debtor_dunning_settings_update(debtor=jansen, tags=["a,b"])

    assert raised.value.message_dict["tags"] == [
        "The tag “a,b” contains a comma; commas separate tags, so split it into two tags."
    ]


def test_reader_sees_settings_but_cannot_post(reader_client, org_alfa, workflows, jansen):
    page = reader_client.get(debtor_url(jansen)).content.decode()
    response = reader_client.post(settings_url(jansen), {"tags": "vip", "workflow": ""})

    assert 'id="workflow-applied"' in page
    assert 'id="settings-submit"' not in page
    assert response.status_code == 403
    assert reload(org_alfa, jansen).tags == []


def test_other_organization_debtor_is_404(charlie_client, org_alfa, bravo_workflow, jansen):
    response = charlie_client.post(settings_url(jansen), {"tags": "vip", "workflow": str(bravo_workflow.pk)})

    assert response.status_code == 404
    unchanged = reload(org_alfa, jansen)
    assert (unchanged.tags, unchanged.workflow) == ([], None)


def test_settings_in_dutch(bob_client, workflows, jansen):
    bob_client.post(reverse("dashboard:language"), {"language": "nl"})

    content = bob_client.get(debtor_url(jansen)).content.decode()

    assert "Aanmaaninstellingen" in content
    assert "standaard, omdat geen regel van een aanmaanproces past" in content


def test_debtor_owing_nothing_explained_in_euro(bob_client, workflows, org_alfa):
    with tenant_context(org_alfa):
        debtor = debtor_create(organization=org_alfa, name="Nothing owed")
        debtor_dunning_settings_update(debtor=debtor, tags=["key account"])

    response = bob_client.get(debtor_url(debtor))

    assert [choice.currency for choice in response.context["workflow_choices"]] == ["EUR"]
    assert applied(response) == [("Key accounts", "rule")]


def test_euro_and_pound_explained_apart(bob_client, org_alfa, workflows, jansen):
    with tenant_context(org_alfa):
        invoice_register(
            organization=org_alfa,
            debtor=jansen,
            number="J-GBP",
            issue_date=local_today(org_alfa),
            total_amount=Decimal("1500.00"),
            currency="GBP",
        )

    response = bob_client.get(debtor_url(jansen))

    assert [choice.currency for choice in response.context["workflow_choices"]] == ["EUR", "GBP"]
    assert applied(response) == [(workflows["default"].name, "default"), ("Large claims", "rule")]
