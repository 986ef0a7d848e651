"""Reads of the workflow editor: workflows with their steps, preview debtors, own texts, change history."""

from django.db.models import Exists, OuterRef, Prefetch, Q

from debtors.models import Debtor
from dunning.models import TemplateText, Workflow, WorkflowStep
from invoices.models import Invoice
from invoices.selectors import receivable_invoices
from payt.models import AuditEntry, Organization

# The preview's debtor list; a tenant with more debtors picks one from this first page.
PREVIEW_DEBTOR_LIMIT = 200
CHANGE_HISTORY_LIMIT = 30
AUDIT_PREFIXES = ("workflow.", "workflow_step.", "template_text.")


def workflows_with_steps(organization: Organization):
    """Return the organisation's workflows in the order their rules are tried, each with its steps."""
    steps = WorkflowStep.objects.for_organization(organization).order_by("position")
    return (
        Workflow.objects.for_organization(organization)
        .order_by("-is_default", "priority", "name")
        .prefetch_related(Prefetch("steps", queryset=steps))
    )


def preview_debtors(organization: Organization, selected=None) -> list[Debtor]:
    """Return debtors to preview a message for: those with open invoices first, then the rest, by name.

    The chosen debtor is always in the list, even beyond the limit.
    """
    open_invoices = receivable_invoices(Invoice.objects.for_organization(organization)).filter(
        debtor=OuterRef("pk"), open_amount__gt=0
    )
    debtors = list(
        Debtor.objects.for_organization(organization)
        .annotate(has_open=Exists(open_invoices))
        .order_by("-has_open", "name")[:PREVIEW_DEBTOR_LIMIT]
    )
    if selected is not None and selected not in debtors:
        debtors.insert(0, selected)
    return debtors


def template_texts(organization: Organization) -> dict[tuple[str, str], TemplateText]:
    """Return the organisation's own texts by (template, language)."""
    texts = TemplateText.objects.for_organization(organization)
    return {(text.template, text.language): text for text in texts}


def workflow_changes(organization: Organization, limit: int = CHANGE_HISTORY_LIMIT):
    """Return the latest audited changes of workflows, steps and template texts, newest first."""
    condition = Q()
    for prefix in AUDIT_PREFIXES:
        condition |= Q(action__startswith=prefix)
    entries = AuditEntry.objects.for_organization(organization).filter(condition)
    return entries.select_related("actor").order_by("-created_at")[:limit]


def changed_fields(entry: AuditEntry) -> list[tuple[str, object, object]]:
    """Return (field, before, after) for each value an audited change altered."""
    before = entry.data.get("before") or {}
    after = entry.data.get("after") or {}
    names = list(dict.fromkeys([*before, *after]))
    return [(name, before.get(name), after.get(name)) for name in names if before.get(name) != after.get(name)]
