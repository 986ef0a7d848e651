"""Writes of the dunning engine."""

from django.db import transaction

from dunning.models import StepTemplate, Workflow, WorkflowStep
from payt.models import Organization

DEFAULT_STEPS = [
    (7, StepTemplate.FRIENDLY_REMINDER),
    (21, StepTemplate.SECOND_REMINDER),
    (35, StepTemplate.FINAL_NOTICE),
]


@transaction.atomic
def workflow_create_default(*, organization: Organization) -> Workflow:
    """Create the default workflow: reminders 7 and 21 days past due, final notice at 35."""
    workflow, created = Workflow.objects.get_or_create(
        organization=organization, is_default=True, defaults={"name": "Standard"}
    )
    if created:
        for position, (days, template) in enumerate(DEFAULT_STEPS, start=1):
            WorkflowStep.objects.create(
                organization=organization, workflow=workflow, position=position, days_after_due=days, template=template
            )
    return workflow
