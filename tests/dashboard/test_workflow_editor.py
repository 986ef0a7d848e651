"""The workflow editor's pages: who may change what, tenant isolation, audit entries and the preview."""

import datetime as dt
import io

import pypdf
import pytest
from django.core import mail
from django.urls import reverse

from debtors.models import TimelineEvent
from dunning.models import DunningAction, Message, StepTemplate, TemplateText, Workflow, WorkflowStep
from invoices.services import payment_register
from payt.models import AuditEntry
from payt.tenancy import tenant_context
from portal.models import PortalLink

STEP_FORM = {
    "days_after_due": "14",
    "offset_from": "due_date",
    "channel": "email",
    "template": "second_reminder",
    "costs": "none",
    "fixed_fee": "",
    "next_business_day": "on",
}
RULE_FORM = {
    "name": "Consumers NL",
    "priority": "10",
    "match_kind": "consumer",
    "match_country": "nl",
    "match_language": "",
    "match_tag": "",
    "min_open_amount": "",
    "max_open_amount": "",
}


def default_workflow(organization) -> Workflow:
    with tenant_context(organization):
        return Workflow.objects.get(is_default=True)


def steps_of(workflow) -> list[WorkflowStep]:
    with tenant_context(workflow.organization):
        return list(WorkflowStep.objects.filter(workflow=workflow).order_by("position"))


def audit_entries(organization) -> list[AuditEntry]:
    with tenant_context(organization):
        return list(AuditEntry.objects.select_related("actor").order_by("created_at"))


def counts(organization) -> dict:
    with tenant_context(organization):
        return {
            "messages": Message.objects.count(),
            "actions": DunningAction.objects.count(),
            "portal_links": PortalLink.objects.count(),
            "audit": AuditEntry.objects.count(),
            "timeline": TimelineEvent.objects.count(),
            "workflows": Workflow.objects.count(),
            "steps": WorkflowStep.objects.count(),
        }


@pytest.fixture
def overdue_debtor(org_alfa, make_invoice):
    """A Dutch consumer with one invoice that is overdue whatever today is."""
    invoice = make_invoice(
        org_alfa,
        number="ED-1",
        total="245.50",
        issue_date=dt.date(2024, 1, 1),
        due_date=dt.date(2024, 1, 31),
        language="nl",
        kind="consumer",
        name="Els Dekker",
    )
    return invoice.debtor


@pytest.fixture
def pay_invoice():
    def pay(invoice):
        with tenant_context(invoice.organization):
            payment_register(
                organization=invoice.organization,
                amount=invoice.total_amount,
                payment_date=dt.date(2024, 2, 1),
                invoice=invoice,
            )

    return pay


@pytest.fixture
def bravo_debtor(org_bravo, make_invoice):
    invoice = make_invoice(org_bravo, number="BR-1", total="10.00", due_date=dt.date(2024, 1, 31), language="de")
    return invoice.debtor


# Pages


def test_list_shows_workflows_and_steps(bob_client, org_alfa):
    response = bob_client.get(reverse("dashboard:workflows"))

    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-workflow="Standard"' in content
    assert content.count('data-step="') == 3
    assert 'data-template="friendly_reminder"' in content
    assert 'id="workflow-new"' in content


def test_list_in_dutch(bob_client, org_alfa):
    bob_client.post(reverse("dashboard:language"), {"language": "nl"})

    content = bob_client.get(reverse("dashboard:workflows")).content.decode()

    assert "Aanmaanprocessen" in content
    assert "Vriendelijke herinnering" in content
    assert "Nieuw aanmaanproces" in content


def test_list_query_count(bob_client, org_alfa, django_assert_max_num_queries):
    for number in range(5):
        bob_client.post(reverse("dashboard:workflow_new"), {**RULE_FORM, "name": f"Extra {number}"})

    with django_assert_max_num_queries(16):
        response = bob_client.get(reverse("dashboard:workflows"))

    assert response.content.decode().count("data-workflow=") == 6


def test_create_workflow(bob, bob_client, org_alfa):
    response = bob_client.post(reverse("dashboard:workflow_new"), RULE_FORM)

    with tenant_context(org_alfa):
        workflow = Workflow.objects.get(name="Consumers NL")
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:workflow", args=[workflow.pk])
    assert workflow.match_country == "NL"
    assert workflow.match_kind == "consumer"
    [entry] = audit_entries(org_alfa)
    assert entry.action == "workflow.created"
    assert entry.actor == bob
    assert entry.data["after"]["match_country"] == "NL"


def test_edit_rule_audited_with_before_and_after(bob, bob_client, org_alfa):
    workflow = default_workflow(org_alfa)

    response = bob_client.post(
        reverse("dashboard:workflow", args=[workflow.pk]),
        {**RULE_FORM, "name": "Standard", "match_kind": "", "match_country": "", "min_open_amount": "25.00"},
    )

    assert response.status_code == 302
    [entry] = audit_entries(org_alfa)
    assert entry.action == "workflow.updated"
    assert entry.actor == bob
    assert entry.target == "Standard"
    assert entry.data["before"]["priority"] == 100
    assert entry.data["after"]["priority"] == 10
    assert entry.data["before"]["min_open_amount"] is None
    assert entry.data["after"]["min_open_amount"] == "25.00"


def test_add_edit_move_remove_step(bob, bob_client, org_alfa):
    workflow = default_workflow(org_alfa)
    first, second, third = steps_of(workflow)

    added = bob_client.post(
        reverse("dashboard:workflow_step_add", args=[workflow.pk]),
        {**STEP_FORM, "days_after_due": "14", "offset_from": "previous_step", "template": "final_notice"},
    )
    assert added.status_code == 302
    fourth = steps_of(workflow)[3]
    assert (fourth.position, fourth.days_after_due, fourth.template) == (4, 14, "final_notice")

    edited = bob_client.post(
        reverse("dashboard:workflow_step", args=[second.pk]),
        {**STEP_FORM, "days_after_due": "28", "template": "second_reminder", "show_interest": "on"},
    )
    assert edited.status_code == 302

    moved = bob_client.post(reverse("dashboard:workflow_step_move", args=[first.pk]), {"direction": "down"})
    assert moved.status_code == 302
    # Friendly (day 7) cannot follow the second reminder (day 28): the move is rejected and nothing changes.
    assert [step.pk for step in steps_of(workflow)] == [first.pk, second.pk, third.pk, fourth.pk]

    removed = bob_client.post(reverse("dashboard:workflow_step_delete", args=[third.pk]))
    assert removed.status_code == 302
    remaining = steps_of(workflow)
    assert [(step.pk, step.position) for step in remaining] == [(first.pk, 1), (second.pk, 2), (fourth.pk, 3)]
    assert remaining[1].days_after_due == 28
    assert remaining[1].show_interest is True

    actions = [(entry.action, entry.actor) for entry in audit_entries(org_alfa)]
    assert actions == [
        ("workflow_step.added", bob),
        ("workflow_step.updated", bob),
        ("workflow_step.removed", bob),
    ]
    updated = audit_entries(org_alfa)[1]
    assert updated.data["before"]["days_after_due"] == 21
    assert updated.data["after"]["days_after_due"] == 28
    assert updated.data["before"]["show_interest"] is False


def test_move_rejected_shows_reason(bob_client, org_alfa):
    workflow = default_workflow(org_alfa)
    first = steps_of(workflow)[0]

    response = bob_client.post(
        reverse("dashboard:workflow_step_move", args=[first.pk]), {"direction": "down"}, follow=True
    )

    assert "Step 2: Step 2 would run on day 7, before step 1 on day 21." in response.content.decode()


def test_move_step_counted_from_previous(bob, bob_client, org_alfa):
    workflow = default_workflow(org_alfa)
    first, second, third = steps_of(workflow)
    for step, template in ((second, "second_reminder"), (third, "final_notice")):
        bob_client.post(
            reverse("dashboard:workflow_step", args=[step.pk]),
            {**STEP_FORM, "days_after_due": "14", "offset_from": "previous_step", "template": template},
        )

    bob_client.post(reverse("dashboard:workflow_step_move", args=[third.pk]), {"direction": "up"})

    assert [step.pk for step in steps_of(workflow)] == [first.pk, third.pk, second.pk]
    moved = audit_entries(org_alfa)[-1]
    assert moved.action == "workflow_step.moved"
    assert moved.data["before"] == {"position": 3}
    assert moved.data["after"] == {"position": 2}


def test_set_default_and_delete(bob, bob_client, org_alfa):
    bob_client.post(reverse("dashboard:workflow_new"), RULE_FORM)
    standard = default_workflow(org_alfa)
    with tenant_context(org_alfa):
        other = Workflow.objects.get(name="Consumers NL")

    rejected = bob_client.post(reverse("dashboard:workflow_delete", args=[standard.pk]), follow=True)
    assert "The default workflow cannot be deleted" in rejected.content.decode()

    bob_client.post(reverse("dashboard:workflow_make_default", args=[other.pk]))
    old_default = bob_client.get(reverse("dashboard:workflow", args=[standard.pk])).content.decode()
    assert "This workflow has no rule, so it only applies to debtors set to it by hand." in old_default
    deleted = bob_client.post(reverse("dashboard:workflow_delete", args=[standard.pk]))

    assert deleted.status_code == 302
    with tenant_context(org_alfa):
        assert list(Workflow.objects.values_list("name", "is_default")) == [("Consumers NL", True)]
        assert not WorkflowStep.objects.filter(workflow_id=standard.pk).exists()
    actions = [entry.action for entry in audit_entries(org_alfa)]
    assert actions == ["workflow.created", "workflow.default_set", "workflow.deleted"]
    assert audit_entries(org_alfa)[1].data == {
        "workflow_id": str(other.pk),
        "before": {"default": "Standard"},
        "after": {"default": "Consumers NL"},
    }


def test_list_shows_recent_changes(bob_client, org_alfa):
    bob_client.post(reverse("dashboard:workflow_new"), RULE_FORM)

    content = bob_client.get(reverse("dashboard:workflows")).content.decode()

    assert 'data-action="workflow.created"' in content
    assert "bob@alfa.example" in content
    assert "match_country: – → NL" in content


# Template texts


def test_save_and_reset_own_text(bob, bob_client, org_alfa):
    url = reverse("dashboard:template_text", args=["friendly_reminder", "fr"])

    saved = bob_client.post(url, {"subject": "Rappel de %(creditor)s", "intro": "", "request": ""})
    reset = bob_client.post(reverse("dashboard:template_text_reset", args=["friendly_reminder", "fr"]))

    assert saved.status_code == 302
    assert reset.status_code == 302
    with tenant_context(org_alfa):
        assert not TemplateText.objects.exists()
    saved_entry, reset_entry = audit_entries(org_alfa)
    assert saved_entry.action == "template_text.saved"
    assert saved_entry.target == "friendly_reminder/fr"
    assert saved_entry.data["before"] is None
    assert saved_entry.data["after"]["subject"] == "Rappel de %(creditor)s"
    assert reset_entry.action == "template_text.reset"
    assert reset_entry.data["before"]["subject"] == "Rappel de %(creditor)s"
    assert reset_entry.actor == bob


def test_bad_placeholder_is_form_error(bob_client, org_alfa):
    url = reverse("dashboard:template_text", args=["second_reminder", "nl"])

    response = bob_client.post(url, {"subject": "Betaal %(amount)s", "intro": "", "request": ""})

    assert response.status_code == 400
    content = response.content.decode()
    assert "Unknown placeholder %(amount)s; use one of %(creditor)s, %(debtor)s, %(total)s" in content
    with tenant_context(org_alfa):
        assert not TemplateText.objects.exists()
    assert audit_entries(org_alfa) == []


def test_texts_overview(bob_client, org_alfa):
    bob_client.post(
        reverse("dashboard:template_text", args=["final_notice", "de"]),
        {"subject": "Letzte Mahnung von %(creditor)s", "intro": "", "request": ""},
    )

    content = bob_client.get(reverse("dashboard:template_texts")).content.decode()

    assert content.count('data-template="') == len(StepTemplate.values)
    assert content.count("own text") == 1


@pytest.mark.parametrize(("template", "language"), [("nonsense", "nl"), ("final_notice", "xx")])
def test_unknown_template_or_language_404(bob_client, org_alfa, template, language):
    response = bob_client.get(reverse("dashboard:template_text", args=[template, language]))

    assert response.status_code == 404


# Access


def test_pages_require_login(client, org_alfa):
    workflow = default_workflow(org_alfa)
    step = steps_of(workflow)[0]
    urls = [
        reverse("dashboard:workflows"),
        reverse("dashboard:workflow_new"),
        reverse("dashboard:workflow", args=[workflow.pk]),
        reverse("dashboard:workflow_step", args=[step.pk]),
        reverse("dashboard:workflow_step_preview", args=[step.pk]),
        reverse("dashboard:template_texts"),
        reverse("dashboard:template_text", args=["friendly_reminder", "nl"]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{reverse('login')}?next={url}"
    assert client.post(reverse("dashboard:workflow_step_delete", args=[step.pk])).status_code == 302
    assert len(steps_of(workflow)) == 3


# Read-only members


def test_reader_sees_pages_without_forms(reader_client, org_alfa, overdue_debtor):
    workflow = default_workflow(org_alfa)
    step = steps_of(workflow)[0]

    pages = [
        reverse("dashboard:workflows"),
        reverse("dashboard:workflow", args=[workflow.pk]),
        reverse("dashboard:workflow_step", args=[step.pk]),
        reverse("dashboard:template_texts"),
        reverse("dashboard:template_text", args=["friendly_reminder", "nl"]),
    ]
    for url in pages:
        response = reader_client.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        assert 'id="workflow-new"' not in content
        assert 'id="step-add-form"' not in content
        assert 'id="step-save"' not in content
    preview = reader_client.get(
        reverse("dashboard:workflow_step_preview", args=[step.pk]), {"debtor": overdue_debtor.pk}
    )
    assert preview.status_code == 200
    assert "ED-1" in preview.content.decode()


def test_reader_cannot_change_anything(reader_client, org_alfa):
    workflow = default_workflow(org_alfa)
    step = steps_of(workflow)[0]
    before = counts(org_alfa)

    posts = [
        (reverse("dashboard:workflow_new"), RULE_FORM),
        (reverse("dashboard:workflow", args=[workflow.pk]), RULE_FORM),
        (reverse("dashboard:workflow_make_default", args=[workflow.pk]), {}),
        (reverse("dashboard:workflow_delete", args=[workflow.pk]), {}),
        (reverse("dashboard:workflow_step_add", args=[workflow.pk]), STEP_FORM),
        (reverse("dashboard:workflow_step", args=[step.pk]), STEP_FORM),
        (reverse("dashboard:workflow_step_move", args=[step.pk]), {"direction": "down"}),
        (reverse("dashboard:workflow_step_delete", args=[step.pk]), {}),
        (reverse("dashboard:template_text", args=["friendly_reminder", "nl"]), {"subject": "x"}),
        (reverse("dashboard:template_text_reset", args=["friendly_reminder", "nl"]), {}),
    ]
    for url, data in posts:
        assert reader_client.post(url, data).status_code == 403, url

    assert counts(org_alfa) == before
    assert steps_of(workflow)[0].days_after_due == 7


# Tenant isolation


def test_outsider_gets_404_and_nothing_changes(charlie_client, org_alfa, org_bravo, overdue_debtor):
    workflow = default_workflow(org_alfa)
    step = steps_of(workflow)[0]
    before = counts(org_alfa)

    gets = [
        reverse("dashboard:workflow", args=[workflow.pk]),
        reverse("dashboard:workflow_step", args=[step.pk]),
        reverse("dashboard:workflow_step_preview", args=[step.pk]) + f"?debtor={overdue_debtor.pk}",
        reverse("dashboard:workflow_step_preview_pdf", args=[step.pk]) + f"?debtor={overdue_debtor.pk}",
    ]
    for url in gets:
        assert charlie_client.get(url).status_code == 404, url
    posts = [
        (reverse("dashboard:workflow", args=[workflow.pk]), RULE_FORM),
        (reverse("dashboard:workflow_make_default", args=[workflow.pk]), {}),
        (reverse("dashboard:workflow_delete", args=[workflow.pk]), {}),
        (reverse("dashboard:workflow_step_add", args=[workflow.pk]), STEP_FORM),
        (reverse("dashboard:workflow_step", args=[step.pk]), STEP_FORM),
        (reverse("dashboard:workflow_step_move", args=[step.pk]), {"direction": "down"}),
        (reverse("dashboard:workflow_step_delete", args=[step.pk]), {}),
    ]
    for url, data in posts:
        assert charlie_client.post(url, data).status_code == 404, url

    assert counts(org_alfa) == before
    assert audit_entries(org_bravo) == []


def test_outsider_list_shows_own_workflows_only(charlie_client, org_alfa, org_bravo, bob_client):
    bob_client.post(reverse("dashboard:workflow_new"), RULE_FORM)

    content = charlie_client.get(reverse("dashboard:workflows")).content.decode()

    assert 'data-workflow="Consumers NL"' not in content
    assert content.count("data-workflow=") == 1
    assert 'data-action="workflow.created"' not in content


def test_preview_with_other_tenant_debtor_404(bob_client, org_alfa, bravo_debtor):
    step = steps_of(default_workflow(org_alfa))[0]

    for name in ("dashboard:workflow_step_preview", "dashboard:workflow_step_preview_pdf"):
        response = bob_client.get(reverse(name, args=[step.pk]), {"debtor": bravo_debtor.pk})
        assert response.status_code == 404, name
    text_preview = bob_client.get(
        reverse("dashboard:template_text_preview", args=["friendly_reminder", "nl"]), {"debtor": bravo_debtor.pk}
    )
    assert text_preview.status_code == 404


def test_preview_with_malformed_debtor_id_404(bob_client, org_alfa):
    step = steps_of(default_workflow(org_alfa))[0]

    response = bob_client.get(reverse("dashboard:workflow_step_preview", args=[step.pk]), {"debtor": "42"})

    assert response.status_code == 404


# Preview


def test_preview_renders_for_real_debtor_without_writing(bob_client, org_alfa, overdue_debtor):
    step = steps_of(default_workflow(org_alfa))[0]
    before = counts(org_alfa)

    response = bob_client.get(
        reverse("dashboard:workflow_step_preview", args=[step.pk]),
        {"debtor": overdue_debtor.pk},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content
    assert 'srcdoc="&lt;!DOCTYPE html&gt;' in content
    assert '<dd id="preview-subject">Vriendelijke herinnering: factuur ED-1 van Alfa Installaties BV</dd>' in content
    assert 'data-language="nl"' in content
    assert "Beste Els Dekker," in content
    assert "€\xa0245,50" in content
    assert counts(org_alfa) == before
    assert mail.outbox == []


def test_preview_escapes_debtor_text(bob_client, org_alfa, make_invoice):
    name = 'Bakker "Korf" <b>BV</b>'
    invoice = make_invoice(
        org_alfa, number="X-1", total="5.00", due_date=dt.date(2024, 1, 31), language="en", name=name
    )
    step = steps_of(default_workflow(org_alfa))[0]

    response = bob_client.get(
        reverse("dashboard:workflow_step_preview", args=[step.pk]), {"debtor": invoice.debtor_id}
    )

    content = response.content.decode()
    assert "<b>BV</b>" not in content
    # Escaped once for the e-mail body and once more for the srcdoc attribute.
    assert "Dear Bakker &amp;quot;Korf&amp;quot; &amp;lt;b&amp;gt;BV&amp;lt;/b&amp;gt;," in content
    # The plain-text version is escaped once.
    assert "Dear Bakker &quot;Korf&quot; &lt;b&gt;BV&lt;/b&gt;," in content
    phone = bob_client.get(
        reverse("dashboard:workflow_step_preview", args=[step.pk]),
        {"debtor": invoice.debtor_id, "template": "phone_call", "channel": "phone", "costs": "none"},
    )
    assert "<b>BV</b>" not in phone.content.decode()


def test_preview_of_unsaved_step_settings(bob_client, org_alfa, overdue_debtor):
    step = steps_of(default_workflow(org_alfa))[0]

    response = bob_client.get(
        reverse("dashboard:workflow_step_preview", args=[step.pk]),
        {
            "debtor": overdue_debtor.pk,
            "template": "second_reminder",
            "channel": "email",
            "costs": "fixed",
            "fixed_fee": "12.50",
            "csrfmiddlewaretoken": "ignored",
        },
        HTTP_HX_REQUEST="true",
    )

    content = response.content.decode()
    assert "Tweede herinnering: factuur ED-1 van Alfa Installaties BV" in content
    assert "Naast het openstaande bedrag bent u incassokosten verschuldigd van €\xa012,50." in content
    assert "csrfmiddlewaretoken" not in content
    assert steps_of(default_workflow(org_alfa))[0].template == "friendly_reminder"


def test_preview_of_fourteen_day_letter_states_costs(bob_client, org_alfa, overdue_debtor, statutory_rates):
    step = steps_of(default_workflow(org_alfa))[0]

    response = bob_client.get(
        reverse("dashboard:workflow_step_preview", args=[step.pk]),
        {"debtor": overdue_debtor.pk, "template": "fourteen_day_letter", "channel": "letter", "costs": "none"},
        HTTP_HX_REQUEST="true",
    )

    content = response.content.decode()
    assert "binnen veertien dagen na de dag waarop u deze brief hebt ontvangen" in content
    # 245.50 of principal: 15% is 36.83, below the BIK minimum of 40.00.
    assert "incassokosten verschuldigd van €\xa040,00" in content
    assert "[collection costs]" not in content


def test_preview_sms_and_phone(bob_client, org_alfa, overdue_debtor):
    step = steps_of(default_workflow(org_alfa))[0]
    url = reverse("dashboard:workflow_step_preview", args=[step.pk])

    draft = {"debtor": overdue_debtor.pk, "costs": "none"}
    sms = bob_client.get(url, {**draft, "template": "friendly_reminder", "channel": "sms"})
    phone = bob_client.get(url, {**draft, "template": "phone_call", "channel": "phone"})

    assert "Alfa Installaties BV: een vriendelijke herinnering dat €\xa0245,50 nog openstaat." in sms.content.decode()
    assert "Goedendag, ik bel namens Alfa Installaties BV" in phone.content.decode()
    assert 'id="preview-pdf"' not in phone.content.decode()


def test_preview_pdf(bob_client, org_alfa, overdue_debtor):
    step = steps_of(default_workflow(org_alfa))[0]
    before = counts(org_alfa)

    response = bob_client.get(
        reverse("dashboard:workflow_step_preview_pdf", args=[step.pk]), {"debtor": overdue_debtor.pk}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Vriendelijke herinnering" in text
    assert "ED-1" in text
    assert counts(org_alfa) == before


def test_text_preview_uses_draft_in_its_language(bob_client, org_alfa, overdue_debtor):
    response = bob_client.get(
        reverse("dashboard:template_text_preview", args=["friendly_reminder", "de"]),
        {"debtor": overdue_debtor.pk, "subject": "Erinnerung für %(debtor)s", "intro": "", "request": ""},
        HTTP_HX_REQUEST="true",
    )

    content = response.content.decode()
    assert '<dd id="preview-subject">Erinnerung für Els Dekker</dd>' in content
    assert 'data-language="de"' in content
    with tenant_context(org_alfa):
        assert not TemplateText.objects.exists()


def test_text_preview_reports_bad_placeholder(bob_client, org_alfa, overdue_debtor):
    response = bob_client.get(
        reverse("dashboard:template_text_preview", args=["friendly_reminder", "nl"]),
        {"debtor": overdue_debtor.pk, "subject": "Betaal %(amount)s", "intro": "", "request": ""},
        HTTP_HX_REQUEST="true",
    )

    content = response.content.decode()
    assert "Unknown placeholder %(amount)s" in content
    assert "Vriendelijke herinnering: factuur ED-1 van Alfa Installaties BV" in content


def test_preview_for_debtor_without_open_invoices(bob_client, org_alfa, make_invoice, pay_invoice):
    invoice = make_invoice(org_alfa, number="PD-1", total="10.00", due_date=dt.date(2024, 1, 31), language="en")
    pay_invoice(invoice)
    step = steps_of(default_workflow(org_alfa))[0]

    response = bob_client.get(
        reverse("dashboard:workflow_step_preview", args=[step.pk]), {"debtor": invoice.debtor_id}
    )

    assert response.status_code == 200
    assert "has no open invoices; the message would not be sent." in response.content.decode()
