"""Checks of a workflow's steps: each rejected setting names the field and the fix.

The checks keep a workflow lawful and unambiguous: steps run in the order
they are listed, statutory costs never fall before the due date, and a
consumer workflow charges no costs before a 14-day letter's term.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dunning.models import Channel, OffsetFrom, SegmentKind, StepCosts, StepTemplate, Workflow, WorkflowStep

# A "payment due soon" notice goes out at most this many days before the due date.
MIN_OFFSET_DAYS = -60
MAX_OFFSET_DAYS = 365
# A reminder fee above this is a typing error rather than a fee.
MAX_FIXED_FEE = Decimal("1000.00")
# The 14-day term (art. 6:96(6) BW) starts the day after receipt, so costs fall due 15 days after sending at the
# earliest. This is a check of the settings only, because the real term runs from the letter's receipt date.
FOURTEEN_DAY_GAP = 15


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


def has_rule(values: dict, workflow: Workflow | None) -> bool:
    """Tell whether any rule field in ``values``, else in ``workflow``, is filled in.

    The planner picks a workflow without a rule only for debtors set to it by hand.
    """
    rule_fields = ("match_kind", "match_country", "match_language", "match_tag", "min_open_amount", "max_open_amount")
    for field in rule_fields:
        value = values.get(field, getattr(workflow, field) if workflow else None)
        if value not in (None, ""):
            return True
    return False


def check_steps(workflow: Workflow, steps: list[WorkflowStep], focus: WorkflowStep | None = None) -> None:
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
