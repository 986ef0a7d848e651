"""Writes of the workflow editor: workflows, their steps, and an organisation's own template texts.

Each service is one transaction and records who changed what, with the
values before and after, through ``payt.services.audit_record``. The rules
a workflow's steps must follow live in ``dunning.workflow_checks``.
"""

from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from debtors.models import Debtor
from dunning.models import (
    DunningAction,
    SegmentKind,
    StepCosts,
    StepTemplate,
    TemplateText,
    Workflow,
    WorkflowStep,
)
from dunning.wording import check_placeholders
from dunning.workflow_checks import check_steps, has_rule
from payt.models import DEBTOR_LANGUAGE_CHOICES, Organization
from payt.services import audit_record

# Positions are renumbered through this offset, so that no two steps share a position in the middle of a reorder
# and the unique (workflow, position) constraint holds throughout.
POSITION_SHIFT = 1000

WORKFLOW_FIELDS = (
    "name",
    "priority",
    "match_kind",
    "match_country",
    "match_language",
    "match_tag",
    "min_open_amount",
    "max_open_amount",
)
STEP_FIELDS = (
    "days_after_due",
    "offset_from",
    "channel",
    "template",
    "costs",
    "fixed_fee",
    "show_interest",
    "next_business_day",
)
TEXT_FIELDS = ("subject", "intro", "request")


# Workflows


@transaction.atomic
def workflow_create(*, organization: Organization, actor, **fields) -> Workflow:
    """Create a workflow without steps; the editor adds them next."""
    values = _clean_workflow_fields(organization, fields, workflow=None)
    workflow = Workflow.objects.create(organization=organization, **values)
    audit_record(
        organization=organization,
        actor=actor,
        action="workflow.created",
        target=workflow.name,
        data={"workflow_id": str(workflow.pk), "after": _workflow_snapshot(workflow)},
    )
    return workflow


@transaction.atomic
def workflow_update(*, workflow: Workflow, actor, **fields) -> Workflow:
    """Change a workflow's name, priority or rule fields."""
    workflow = _lock_workflow(workflow)
    before = _workflow_snapshot(workflow)
    values = _clean_workflow_fields(workflow.organization, fields, workflow=workflow)
    for name, value in values.items():
        setattr(workflow, name, value)
    check_steps(workflow, list(workflow.steps.all()))
    workflow.save(update_fields=list(values))

    after = _workflow_snapshot(workflow)
    if after != before:
        audit_record(
            organization=workflow.organization,
            actor=actor,
            action="workflow.updated",
            target=workflow.name,
            data={"workflow_id": str(workflow.pk), "before": before, "after": after},
        )
    return workflow


@transaction.atomic
def workflow_set_default(*, workflow: Workflow, actor) -> Workflow:
    """Make ``workflow`` the one that applies when no other workflow's rule matches a debtor."""
    workflow = _lock_workflow(workflow)
    if workflow.is_default:
        return workflow
    workflows = Workflow.objects.for_organization(workflow.organization)
    previous = workflows.filter(is_default=True).first()
    workflows.filter(is_default=True).update(is_default=False)
    workflow.is_default = True
    workflow.save(update_fields=["is_default"])

    audit_record(
        organization=workflow.organization,
        actor=actor,
        action="workflow.default_set",
        target=workflow.name,
        data={
            "workflow_id": str(workflow.pk),
            "before": {"default": previous.name if previous else ""},
            "after": {"default": workflow.name},
        },
    )
    return workflow


@transaction.atomic
def workflow_delete(*, workflow: Workflow, actor) -> None:
    """Delete a workflow and its steps; debtors set to it by hand fall back to the rules."""
    workflow = _lock_workflow(workflow)
    if workflow.is_default:
        raise ValidationError(
            _("The default workflow cannot be deleted; make another workflow the default first."),
            code="default_workflow",
        )
    used = DunningAction.objects.for_organization(workflow.organization).filter(step__workflow=workflow).count()
    if used:
        # TODO: an archived flag on workflows and steps would let a used one leave the editor while the dunning
        # history still points at it. Until then a used workflow cannot be deleted.
        raise ValidationError(
            _(
                "Workflow %(name)s has been applied to invoices %(count)s times and the dunning history refers to "
                "it, so it cannot be deleted. Change its rule so that it no longer matches debtors instead."
            ),
            code="workflow_in_use",
            params={"name": workflow.name, "count": used},
        )

    snapshot = _workflow_snapshot(workflow)
    workflow_id = str(workflow.pk)
    unassigned = _debtors_set_to(workflow).count()
    workflow.delete()
    audit_record(
        organization=workflow.organization,
        actor=actor,
        action="workflow.deleted",
        target=snapshot["name"],
        data={"workflow_id": workflow_id, "before": snapshot, "after": None, "debtors_unassigned": unassigned},
    )


def _debtors_set_to(workflow: Workflow):
    return Debtor.objects.for_organization(workflow.organization).filter(workflow=workflow)


def _lock_workflow(workflow: Workflow) -> Workflow:
    """Lock the workflow row, so that concurrent edits of its steps take turns."""
    return Workflow.objects.for_organization(workflow.organization).select_for_update().get(pk=workflow.pk)


def _clean_workflow_fields(organization: Organization, fields: dict, *, workflow: Workflow | None) -> dict:
    unknown = set(fields) - set(WORKFLOW_FIELDS)
    if unknown:
        raise TypeError(f"Unknown workflow fields: {', '.join(sorted(unknown))}")
    values = {name: fields[name] for name in WORKFLOW_FIELDS if name in fields}
    errors = {}

    name = (values.get("name", workflow.name if workflow else "") or "").strip()
    values["name"] = name
    if not name:
        errors["name"] = _("Enter a name for the workflow.")
    else:
        same_name = Workflow.objects.for_organization(organization).filter(name__iexact=name)
        if workflow is not None:
            same_name = same_name.exclude(pk=workflow.pk)
        if same_name.exists():
            errors["name"] = _("A workflow named %(name)s already exists; choose another name.") % {"name": name}

    if "match_kind" in values and values["match_kind"] not in SegmentKind.values:
        errors["match_kind"] = _("Unknown debtor kind %(value)s; choose consumer, business or any.") % {
            "value": values["match_kind"]
        }
    if "match_country" in values:
        country = (values["match_country"] or "").strip().upper()
        values["match_country"] = country
        if country and not (len(country) == 2 and country.isascii() and country.isalpha()):
            errors["match_country"] = _(
                "%(value)s is not a country code; enter two letters such as NL, or leave it empty for every country."
            ) % {"value": country}
    if "match_language" in values and values["match_language"] not in ("", *dict(DEBTOR_LANGUAGE_CHOICES)):
        errors["match_language"] = _("Unknown language %(value)s; choose nl, en, fr or de, or leave it empty.") % {
            "value": values["match_language"]
        }
    if "match_tag" in values:
        values["match_tag"] = (values["match_tag"] or "").strip()

    errors.update(_amount_band_errors(values, workflow))
    if errors:
        raise ValidationError(errors)
    return values


def _amount_band_errors(values: dict, workflow: Workflow | None) -> dict:
    errors = {}
    low = values.get("min_open_amount", workflow.min_open_amount if workflow else None)
    high = values.get("max_open_amount", workflow.max_open_amount if workflow else None)
    for field, amount in (("min_open_amount", low), ("max_open_amount", high)):
        if amount is not None and amount < 0:
            errors[field] = _("The amount %(value)s is negative; enter 0 or more, or leave it empty.") % {
                "value": amount
            }
    if low is not None and high is not None and low >= high and not errors:
        errors["max_open_amount"] = _(
            "'Open amount below' (%(high)s) must be higher than 'open amount from' (%(low)s); "
            "swap them or clear one."
        ) % {"high": high, "low": low}
    return errors


def _workflow_snapshot(workflow: Workflow) -> dict:
    return {
        "name": workflow.name,
        "is_default": workflow.is_default,
        "priority": workflow.priority,
        "match_kind": workflow.match_kind,
        "match_country": workflow.match_country,
        "match_language": workflow.match_language,
        "match_tag": workflow.match_tag,
        "min_open_amount": _money_text(workflow.min_open_amount),
        "max_open_amount": _money_text(workflow.max_open_amount),
    }


def _money_text(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount:.2f}"


# Steps


@transaction.atomic
def step_add(*, workflow: Workflow, actor, **fields) -> WorkflowStep:
    """Add a step at the end of the workflow."""
    workflow = _lock_workflow(workflow)
    steps = list(workflow.steps.all())
    last = max((step.position for step in steps), default=0)
    step = WorkflowStep(organization=workflow.organization, workflow=workflow, position=last + 1)
    _apply_step_fields(step, fields)
    check_steps(workflow, [*steps, step], focus=step)
    step.save()

    _record_step(actor, "workflow_step.added", step, before=None)
    return step


@transaction.atomic
def step_update(*, step: WorkflowStep, actor, **fields) -> WorkflowStep:
    """Change a step's offset, channel, template, costs, interest or business-day setting."""
    workflow = _lock_workflow(step.workflow)
    step = workflow.steps.get(pk=step.pk)
    before = _step_snapshot(step)
    _apply_step_fields(step, fields)
    others = [other for other in workflow.steps.all() if other.pk != step.pk]
    check_steps(workflow, [*others, step], focus=step)
    step.save()

    if _step_snapshot(step) != before:
        _record_step(actor, "workflow_step.updated", step, before=before)
    return step


@transaction.atomic
def step_move(*, step: WorkflowStep, actor, direction: str) -> WorkflowStep:
    """Swap the step with its neighbour above ("up") or below ("down")."""
    if direction not in ("up", "down"):
        raise ValidationError({"direction": _("Move a step up or down.")}, code="invalid_direction")
    workflow = _lock_workflow(step.workflow)
    steps = list(workflow.steps.order_by("position"))
    index = next(index for index, other in enumerate(steps) if other.pk == step.pk)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(steps):
        return steps[index]

    before = [other.position for other in steps]
    steps[index], steps[target] = steps[target], steps[index]
    for position, other in enumerate(steps, start=1):
        other.position = position
    check_steps(workflow, steps)
    _renumber(workflow, steps)

    moved = steps[target]
    audit_record(
        organization=workflow.organization,
        actor=actor,
        action="workflow_step.moved",
        target=_step_target(moved),
        data={
            "workflow_id": str(workflow.pk),
            "step_id": str(moved.pk),
            "before": {"position": before[index]},
            "after": {"position": moved.position},
        },
    )
    return moved


@transaction.atomic
def step_remove(*, step: WorkflowStep, actor) -> None:
    """Remove a step that has never been applied to an invoice, and close the gap in the positions."""
    workflow = _lock_workflow(step.workflow)
    step = workflow.steps.get(pk=step.pk)
    used = DunningAction.objects.for_organization(workflow.organization).filter(step=step).count()
    if used:
        raise ValidationError(
            _(
                "This step has been applied to invoices %(count)s times and the dunning history refers to it, "
                "so it cannot be removed. Change its settings instead."
            ),
            code="step_in_use",
            params={"count": used},
        )
    remaining = [other for other in workflow.steps.order_by("position") if other.pk != step.pk]
    for position, other in enumerate(remaining, start=1):
        other.position = position
    check_steps(workflow, remaining)

    before = _step_snapshot(step)
    target = _step_target(step)
    step_id = str(step.pk)
    step.delete()
    _renumber(workflow, remaining)
    audit_record(
        organization=workflow.organization,
        actor=actor,
        action="workflow_step.removed",
        target=target,
        data={"workflow_id": str(workflow.pk), "step_id": step_id, "before": before, "after": None},
    )


def _renumber(workflow: Workflow, steps: list[WorkflowStep]) -> None:
    """Store the positions set on ``steps``, going through free numbers first."""
    ids = [step.pk for step in steps]
    WorkflowStep.objects.for_organization(workflow.organization).filter(pk__in=ids).update(
        position=F("position") + POSITION_SHIFT
    )
    for step in steps:
        WorkflowStep.objects.for_organization(workflow.organization).filter(pk=step.pk).update(position=step.position)


def _apply_step_fields(step: WorkflowStep, fields: dict) -> None:
    unknown = set(fields) - set(STEP_FIELDS)
    if unknown:
        raise TypeError(f"Unknown step fields: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(step, name, value)
    if step.costs != StepCosts.FIXED:
        # The fee only applies to fixed costs; a fee left in the form after switching away is dropped.
        step.fixed_fee = None


def _step_snapshot(step: WorkflowStep) -> dict:
    return {
        "position": step.position,
        "days_after_due": step.days_after_due,
        "offset_from": step.offset_from,
        "channel": step.channel,
        "template": step.template,
        "costs": step.costs,
        "fixed_fee": _money_text(step.fixed_fee),
        "show_interest": step.show_interest,
        "next_business_day": step.next_business_day,
    }


def _step_target(step: WorkflowStep) -> str:
    return f"{step.workflow.name} #{step.position}"


def _record_step(actor, action: str, step: WorkflowStep, *, before: dict | None) -> None:
    audit_record(
        organization=step.organization,
        actor=actor,
        action=action,
        target=_step_target(step),
        data={
            "workflow_id": str(step.workflow_id),
            "step_id": str(step.pk),
            "before": before,
            "after": _step_snapshot(step),
        },
    )


# Template texts


@transaction.atomic
def template_text_save(
    *, organization: Organization, actor, template: str, language: str, subject: str, intro: str, request: str
) -> TemplateText:
    """Store the organisation's own subject, opening paragraph and payment request for a template and language.

    An empty part keeps the built-in text for that part.
    """
    _check_template_and_language(template, language)
    values = {"subject": subject.strip(), "intro": intro.strip(), "request": request.strip()}
    errors = {}
    for field, text in values.items():
        try:
            check_placeholders(field, text)
        except ValidationError as error:
            errors.update(error.message_dict)
    if len(values["subject"]) > TemplateText._meta.get_field("subject").max_length:
        errors.setdefault("subject", []).append(_("The subject is longer than 200 characters; shorten it."))
    if not any(values.values()):
        errors["subject"] = _("Enter at least one text, or reset the template to the built-in wording.")
    if errors:
        raise ValidationError(errors)

    texts = TemplateText.objects.for_organization(organization).select_for_update()
    text = texts.filter(template=template, language=language).first()
    before = {field: getattr(text, field) for field in TEXT_FIELDS} if text else None
    if text is None:
        text = TemplateText(organization=organization, template=template, language=language)
    for field, value in values.items():
        setattr(text, field, value)
    text.save()

    if before != values:
        audit_record(
            organization=organization,
            actor=actor,
            action="template_text.saved",
            target=f"{template}/{language}",
            data={"template": template, "language": language, "before": before, "after": values},
        )
    return text


@transaction.atomic
def template_text_reset(*, organization: Organization, actor, template: str, language: str) -> bool:
    """Delete the organisation's own text, so the built-in wording applies again; False if it had none."""
    _check_template_and_language(template, language)
    text = TemplateText.objects.for_organization(organization).filter(template=template, language=language).first()
    if text is None:
        return False

    before = {field: getattr(text, field) for field in TEXT_FIELDS}
    text.delete()
    audit_record(
        organization=organization,
        actor=actor,
        action="template_text.reset",
        target=f"{template}/{language}",
        data={"template": template, "language": language, "before": before, "after": None},
    )
    return True


def _check_template_and_language(template: str, language: str) -> None:
    if template not in StepTemplate.values:
        raise ValidationError({"template": _("Unknown template %(value)s.") % {"value": template}})
    if language not in dict(DEBTOR_LANGUAGE_CHOICES):
        raise ValidationError({"language": _("Unknown language %(value)s; choose nl, en, fr or de.") % {
            "value": language
        }})


def workflow_warnings(workflow: Workflow, steps: Sequence[WorkflowStep]) -> list[str]:
    """Return advice on a valid workflow that may still surprise its editor, for display beside it."""
    warnings = []
    if not steps:
        warnings.append(_("This workflow has no steps: debtors it applies to get no reminders."))
    if not workflow.is_default and not has_rule({}, workflow):
        warnings.append(_("This workflow has no rule, so it only applies to debtors set to it by hand."))
    has_statutory = any(step.costs == StepCosts.STATUTORY for step in steps)
    if has_statutory and workflow.match_kind == SegmentKind.ANY:
        warnings.append(
            _(
                "This workflow charges statutory collection costs and may apply to consumers too. A consumer "
                "owes them only after a 14-day letter whose term has passed; give consumers a workflow of "
                "their own with a 14-day letter."
            )
        )
    return warnings
