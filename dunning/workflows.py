"""Writes of the workflow editor: workflows, their steps, and an organisation's own template texts.

Each service is one transaction and records who changed what, with the
values before and after, through ``payt.services.audit_record``. The checks
here keep a workflow lawful and unambiguous: steps run in the order they are
listed, statutory costs never fall before the due date, and a consumer
workflow charges no costs before a 14-day letter's term.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from debtors.models import Debtor
from dunning.models import (
    Channel,
    DunningAction,
    OffsetFrom,
    SegmentKind,
    StepCosts,
    StepTemplate,
    TemplateText,
    Workflow,
    WorkflowStep,
)
from dunning.wording import check_placeholders
from payt.models import DEBTOR_LANGUAGE_CHOICES, Organization
from payt.services import audit_record

# A "payment due soon" notice goes out at most this many days before the due date.
MIN_OFFSET_DAYS = -60
MAX_OFFSET_DAYS = 365
# A reminder fee above this is a typing error rather than a fee.
MAX_FIXED_FEE = Decimal("1000.00")
# The 14-day term (art. 6:96(6) BW) starts the day after receipt, so costs fall due 15 days after sending at the
# earliest. This is a check of the settings only, because the real term runs from the letter's receipt date.
FOURTEEN_DAY_GAP = 15
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


@dataclass(frozen=True)
class StepDay:
    """A step with the day it runs on, counted from the due date."""

    step: WorkflowStep
    day: int


def step_days(steps: Sequence[WorkflowStep]) -> list[StepDay]:
    """Return each step (in position order) with its day relative to the due date.

    A step counted from the previous step runs that many days after it; the
    first step always counts from the due date.
    """
    days = []
    previous_day = 0
    for step in sorted(steps, key=lambda step: step.position):
        day = step.days_after_due
        if step.offset_from == OffsetFrom.PREVIOUS_STEP and days:
            day = previous_day + step.days_after_due
        days.append(StepDay(step=step, day=day))
        previous_day = day
    return days


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
    _check_steps(workflow, list(workflow.steps.all()))
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
    if not errors and not (workflow and workflow.is_default) and not _has_rule(values, workflow):
        errors["match_kind"] = _(
            "Give the workflow a rule: a debtor kind, country, language, tag or amount band. Without one it "
            "applies to every debtor, and the default workflow is never used."
        )
    if errors:
        raise ValidationError(errors)
    return values


def _has_rule(values: dict, workflow: Workflow | None) -> bool:
    rule_fields = ("match_kind", "match_country", "match_language", "match_tag", "min_open_amount", "max_open_amount")
    for field in rule_fields:
        value = values.get(field, getattr(workflow, field) if workflow else None)
        if value not in (None, ""):
            return True
    return False


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
    _check_steps(workflow, [*steps, step], focus=step)
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
    _check_steps(workflow, [*others, step], focus=step)
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
    _check_steps(workflow, steps)
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
    _check_steps(workflow, remaining)

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


def _check_steps(workflow: Workflow, steps: list[WorkflowStep], focus: WorkflowStep | None = None) -> None:
    """Raise ValidationError naming the field and the fix when a step, or their order, is not allowed.

    The errors of ``focus`` (the step being added or changed) go on its
    fields. Errors of other steps, which a change of the workflow or of
    ``focus`` can cause too, are whole-form errors that name the step.
    """
    days = step_days(steps)
    for index, step_day in enumerate(days):
        errors = _step_errors(workflow, step_day, days[:index])
        if not errors:
            continue
        if step_day.step is focus:
            raise ValidationError(errors)
        raise ValidationError(
            [
                _("Step %(position)s: %(error)s") % {"position": step_day.step.position, "error": message}
                for message in errors.values()
            ]
        )


def _step_errors(workflow: Workflow, current: StepDay, earlier: list[StepDay]) -> dict:
    step, day = current.step, current.day
    errors = {}
    _check_offset(step, earlier, errors)
    _check_template(step, day, errors)
    _check_costs(workflow, step, day, earlier, errors)
    if earlier and day < earlier[-1].day and "days_after_due" not in errors:
        previous = earlier[-1]
        errors["days_after_due"] = _(
            "Step %(position)s would run on day %(day)s, before step %(previous)s on day %(previous_day)s. "
            "Steps run in the order listed; raise the offset or move the step up."
        ) % {"position": step.position, "day": day, "previous": previous.step.position, "previous_day": previous.day}
    return errors


def _check_offset(step: WorkflowStep, earlier: list[StepDay], errors: dict) -> None:
    offset = step.days_after_due
    if step.offset_from not in OffsetFrom.values:
        errors["offset_from"] = _("Count the offset from the due date or from the previous step.")
    elif step.offset_from == OffsetFrom.PREVIOUS_STEP and not earlier:
        errors["offset_from"] = _("The first step has no previous step; count its offset from the due date.")
    elif step.offset_from == OffsetFrom.PREVIOUS_STEP and not 0 <= offset <= MAX_OFFSET_DAYS:
        errors["days_after_due"] = _(
            "Offset %(value)s is out of range; after the previous step, enter 0 to %(max)s days."
        ) % {"value": offset, "max": MAX_OFFSET_DAYS}
    elif not MIN_OFFSET_DAYS <= offset <= MAX_OFFSET_DAYS:
        errors["days_after_due"] = _(
            "Offset %(value)s is out of range; enter %(min)s to %(max)s days from the due date "
            "(negative numbers are days before it)."
        ) % {"value": offset, "min": MIN_OFFSET_DAYS, "max": MAX_OFFSET_DAYS}


def _check_template(step: WorkflowStep, day: int, errors: dict) -> None:
    template, channel = step.template, step.channel
    if template not in StepTemplate.values:
        errors["template"] = _("Unknown template %(value)s; choose one from the list.") % {"value": template}
    elif channel not in Channel.values:
        errors["channel"] = _("Unknown channel %(value)s; choose one from the list.") % {"value": channel}
    elif (template == StepTemplate.PHONE_CALL) != (channel == Channel.PHONE):
        errors["channel"] = _(
            "The template 'Phone call' and the channel 'Phone task' go together; choose both or neither."
        )
    elif template == StepTemplate.FOURTEEN_DAY_LETTER and channel not in (Channel.EMAIL, Channel.LETTER):
        errors["channel"] = _(
            "A 14-day letter goes by e-mail or letter, so that the day the debtor received it can be shown; "
            "choose one of those channels."
        )
    elif template == StepTemplate.PRE_DUE_NOTICE and day > 0:
        errors["days_after_due"] = _(
            "A 'Payment due soon' notice must go out on or before the due date, but this step runs on day %(day)s; "
            "enter an offset of 0 or less from the due date."
        ) % {"day": day}
    elif template == StepTemplate.FOURTEEN_DAY_LETTER and day < 1:
        errors["days_after_due"] = _(
            "A 14-day letter may only go out once the debtor is in default, after the due date, but this step "
            "runs on day %(day)s; enter an offset of 1 or more."
        ) % {"day": day}
    if step.show_interest and day < 1:
        errors["show_interest"] = _(
            "No interest runs before the due date has passed, and this step runs on day %(day)s; "
            "untick 'show statutory interest' or move the step after the due date."
        ) % {"day": day}


def _check_costs(workflow: Workflow, step: WorkflowStep, day: int, earlier: list[StepDay], errors: dict) -> None:
    costs = step.costs
    if costs not in StepCosts.values:
        errors["costs"] = _("Unknown costs option %(value)s; choose one from the list.") % {"value": costs}
        return
    if costs == StepCosts.NONE:
        return
    if step.channel == Channel.PHONE:
        errors["costs"] = _("A phone call charges no costs; choose 'No costs' for a phone step.")
        return
    if costs == StepCosts.FIXED:
        _check_fixed_fee(workflow, step, errors)
        return

    if day < 1:
        errors["costs"] = _(
            "Statutory collection costs can only be charged after the due date, but this step runs on day %(day)s; "
            "choose 'No costs' or move the step after the due date."
        ) % {"day": day}
    elif workflow.match_kind == SegmentKind.CONSUMER:
        _check_consumer_statutory_costs(day, earlier, errors)


def _check_fixed_fee(workflow: Workflow, step: WorkflowStep, errors: dict) -> None:
    fee = step.fixed_fee
    if fee is None:
        errors["fixed_fee"] = _("Enter the fixed fee, or choose another costs option.")
    elif not Decimal("0.01") <= fee <= MAX_FIXED_FEE:
        errors["fixed_fee"] = _("The fee %(value)s is out of range; enter an amount from 0.01 to %(max)s.") % {
            "value": fee,
            "max": MAX_FIXED_FEE,
        }
    elif workflow.match_kind == SegmentKind.CONSUMER and workflow.organization.country == "NL":
        errors["costs"] = _(
            "Dutch law allows only the statutory collection costs for consumers (art. 6:96(5) BW), "
            "not a fixed fee; choose 'No costs' or 'Statutory collection costs'."
        )


def _check_consumer_statutory_costs(day: int, earlier: list[StepDay], errors: dict) -> None:
    letters = [item for item in earlier if item.step.template == StepTemplate.FOURTEEN_DAY_LETTER]
    if not letters:
        errors["costs"] = _(
            "A consumer owes statutory collection costs only after a 14-day letter whose term has passed "
            "(art. 6:96(6) BW); add a 14-day letter before this step, or choose 'No costs'."
        )
    elif day - letters[-1].day < FOURTEEN_DAY_GAP:
        errors["days_after_due"] = _(
            "This step runs %(gap)s days after the 14-day letter, before its term can have passed; "
            "let it run at least %(minimum)s days after the letter, or choose 'No costs'."
        ) % {"gap": day - letters[-1].day, "minimum": FOURTEEN_DAY_GAP}


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
    if not workflow.is_default and not _has_rule({}, workflow):
        warnings.append(
            _("This workflow has no rule, so it applies to every debtor before the default workflow; give it a rule.")
        )
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
