"""Pages of the workflow editor: workflows, their steps, own template texts, and the message preview.

Every object is looked up through the request's organisation, so another
tenant's workflow, step or debtor id is a 404. Read-only members see every
page; ``dashboard_view`` rejects their POSTs. The previews only read.
"""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dashboard import workflow_selectors as selectors
from dashboard.access import dashboard_view
from dashboard.views import _add_errors, _is_htmx
from dashboard.workflow_forms import StepDraftForm, StepForm, TemplateTextForm, WorkflowForm
from debtors.models import Debtor
from dunning.content import LOOKUP
from dunning.models import Channel, StepTemplate, Workflow, WorkflowStep
from dunning.step_preview import StepDraft, render_preview, render_preview_pdf
from dunning.wording import WORDING
from dunning.workflow_checks import step_days
from dunning.workflows import (
    STEP_FIELDS,
    WORKFLOW_FIELDS,
    step_add,
    step_move,
    step_remove,
    step_update,
    template_text_reset,
    template_text_save,
    workflow_create,
    workflow_delete,
    workflow_set_default,
    workflow_update,
    workflow_warnings,
)
from invoices.pdf import MissingGlyphsError
from payt.dates import local_today
from payt.models import DEBTOR_LANGUAGE_CHOICES

LANGUAGES = dict(DEBTOR_LANGUAGE_CHOICES)
NEW_STEP_INITIAL = {"days_after_due": 7, "template": StepTemplate.FRIENDLY_REMINDER, "next_business_day": True}


def _get_workflow(request, workflow_id) -> Workflow:
    return get_object_or_404(Workflow.objects.for_organization(request.organization), pk=workflow_id)


def _get_step(request, step_id) -> WorkflowStep:
    steps = WorkflowStep.objects.for_organization(request.organization).select_related("workflow")
    return get_object_or_404(steps, pk=step_id)


def _check_template_language(template: str, language: str) -> None:
    if template not in StepTemplate.values or language not in LANGUAGES:
        raise Http404("No such template or language.")


# Workflows


@dashboard_view
def workflow_list(request):
    organization = request.organization
    workflows = []
    for workflow in selectors.workflows_with_steps(organization):
        steps = list(workflow.steps.all())
        workflows.append((workflow, step_days(steps), workflow_warnings(workflow, steps)))
    changes = [(entry, selectors.changed_fields(entry)) for entry in selectors.workflow_changes(organization)]
    return render(request, "dashboard/workflows/list.html", {"workflows": workflows, "changes": changes})


@dashboard_view
def workflow_new(request):
    form = WorkflowForm(request.POST or None, initial={"priority": 100})
    if request.method == "POST" and form.is_valid():
        try:
            workflow = workflow_create(organization=request.organization, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Workflow %(name)s created; add its steps.") % {"name": workflow.name})
            return redirect("dashboard:workflow", workflow.pk)
    status = 400 if form.is_bound else 200
    return render(request, "dashboard/workflows/new.html", {"form": form}, status=status)


@dashboard_view
def workflow_detail(request, workflow_id):
    workflow = _get_workflow(request, workflow_id)
    if request.method == "POST":
        form = WorkflowForm(request.POST)
        if form.is_valid():
            try:
                workflow_update(workflow=workflow, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("Workflow %(name)s saved.") % {"name": form.cleaned_data["name"]})
                return redirect("dashboard:workflow", workflow.pk)
    else:
        form = WorkflowForm(initial={name: getattr(workflow, name) for name in WORKFLOW_FIELDS})
    return _render_detail(request, workflow, form=form, step_form=StepForm(initial=NEW_STEP_INITIAL))


def _render_detail(request, workflow: Workflow, *, form, step_form):
    steps = list(workflow.steps.order_by("position"))
    context = {
        "workflow": workflow,
        "form": form,
        "step_form": step_form,
        "steps": step_days(steps),
        "warnings": workflow_warnings(workflow, steps),
    }
    status = 400 if form.errors or step_form.errors else 200
    return render(request, "dashboard/workflows/detail.html", context, status=status)


@dashboard_view
@require_POST
def workflow_make_default(request, workflow_id):
    workflow = _get_workflow(request, workflow_id)
    workflow_set_default(workflow=workflow, actor=request.user)
    messages.success(request, _("%(name)s is now the default workflow.") % {"name": workflow.name})
    return redirect("dashboard:workflow", workflow.pk)


@dashboard_view
@require_POST
def workflow_remove(request, workflow_id):
    workflow = _get_workflow(request, workflow_id)
    try:
        workflow_delete(workflow=workflow, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("dashboard:workflow", workflow.pk)
    messages.success(request, _("Workflow %(name)s deleted.") % {"name": workflow.name})
    return redirect("dashboard:workflows")


# Steps


@dashboard_view
@require_POST
def workflow_step_add(request, workflow_id):
    workflow = _get_workflow(request, workflow_id)
    step_form = StepForm(request.POST)
    if step_form.is_valid():
        try:
            step = step_add(workflow=workflow, actor=request.user, **step_form.cleaned_data)
        except ValidationError as error:
            _add_errors(step_form, error)
        else:
            messages.success(request, _("Step %(position)s added.") % {"position": step.position})
            return redirect(reverse("dashboard:workflow", args=[workflow.pk]) + "#steps")
    form = WorkflowForm(initial={name: getattr(workflow, name) for name in WORKFLOW_FIELDS})
    return _render_detail(request, workflow, form=form, step_form=step_form)


@dashboard_view
def workflow_step(request, step_id):
    step = _get_step(request, step_id)
    if request.method == "POST":
        form = StepForm(request.POST)
        if form.is_valid():
            try:
                step_update(step=step, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("Step %(position)s saved.") % {"position": step.position})
                return redirect("dashboard:workflow_step", step.pk)
    else:
        form = StepForm(initial={name: getattr(step, name) for name in STEP_FIELDS})

    context = {
        "step": step,
        "workflow": step.workflow,
        "form": form,
        "debtors": selectors.preview_debtors(request.organization),
        "preview_url": reverse("dashboard:workflow_step_preview", args=[step.pk]),
    }
    return render(request, "dashboard/workflows/step.html", context, status=400 if form.errors else 200)


@dashboard_view
@require_POST
def workflow_step_move(request, step_id):
    step = _get_step(request, step_id)
    try:
        step_move(step=step, actor=request.user, direction=request.POST.get("direction", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(reverse("dashboard:workflow", args=[step.workflow_id]) + "#steps")


@dashboard_view
@require_POST
def workflow_step_remove(request, step_id):
    step = _get_step(request, step_id)
    try:
        step_remove(step=step, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Step removed."))
    return redirect(reverse("dashboard:workflow", args=[step.workflow_id]) + "#steps")


# Previews


def _preview_debtor(request) -> Debtor | None:
    """Return the debtor named by the ``debtor`` parameter; another tenant's or a malformed id is a 404."""
    debtor_id = request.GET.get("debtor", "")
    if not debtor_id:
        return None
    try:
        debtor_id = uuid.UUID(debtor_id)
    except ValueError:
        raise Http404("No debtor has this id.") from None
    return get_object_or_404(Debtor.objects.for_organization(request.organization), pk=debtor_id)


def _step_draft(request, step: WorkflowStep) -> tuple[StepDraft, list[str]]:
    """Return the step settings to preview: the unsaved form values when they are sent and valid."""
    if "template" not in request.GET:
        return StepDraft.of(step), []
    form = StepDraftForm(request.GET)
    if form.is_valid():
        return form.draft(), []
    return StepDraft.of(step), [_("The form has errors; the preview shows the saved step.")]


def _render_preview_pane(request, context: dict):
    template = "dashboard/workflows/_preview.html" if _is_htmx(request) else "dashboard/workflows/preview.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _preview_query(request) -> str:
    query = request.GET.copy()
    query.pop("csrfmiddlewaretoken", None)
    return query.urlencode()


@dashboard_view
def workflow_step_preview(request, step_id):
    step = _get_step(request, step_id)
    debtor = _preview_debtor(request)
    context = {"step": step, "debtor": debtor, "preview": None, "notes": []}
    if debtor is not None:
        draft, notes = _step_draft(request, step)
        preview = render_preview(debtor, draft, local_today(request.organization))
        context.update(
            preview=preview,
            notes=notes + preview.notes,
            pdf_url=_pdf_url(draft, reverse("dashboard:workflow_step_preview_pdf", args=[step.pk]), request),
        )
    return _render_preview_pane(request, context)


def _pdf_url(draft: StepDraft, base: str, request) -> str:
    if draft.channel not in (Channel.EMAIL, Channel.LETTER):
        return ""
    return f"{base}?{_preview_query(request)}"


@dashboard_view
def workflow_step_preview_pdf(request, step_id):
    step = _get_step(request, step_id)
    debtor = _preview_debtor(request)
    if debtor is None:
        raise Http404("Choose a debtor to preview the letter for.")
    draft, _notes = _step_draft(request, step)
    return _pdf_response(debtor, draft, request)


def _pdf_response(debtor: Debtor, draft: StepDraft, request, **options) -> HttpResponse:
    try:
        content = render_preview_pdf(debtor, draft, local_today(request.organization), **options)
    except MissingGlyphsError as error:
        return HttpResponse(str(error), status=422, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="preview-{draft.template}.pdf"'
    return response


# Template texts


@dashboard_view
def template_text_list(request):
    own = selectors.template_texts(request.organization)
    rows = [
        (template, label, [(code, name, own.get((template, code))) for code, name in LANGUAGES.items()])
        for template, label in StepTemplate.choices
    ]
    return render(request, "dashboard/workflows/texts.html", {"rows": rows, "languages": list(LANGUAGES.items())})


@dashboard_view
def template_text_edit(request, template, language):
    _check_template_language(template, language)
    organization = request.organization
    own = selectors.template_texts(organization).get((template, language))
    if request.method == "POST":
        form = TemplateTextForm(request.POST)
        if form.is_valid():
            try:
                template_text_save(
                    organization=organization, actor=request.user, template=template, language=language,
                    **form.cleaned_data,
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("Text saved."))
                return redirect("dashboard:template_text", template, language)
    else:
        initial = {field: getattr(own, field) for field in ("subject", "intro", "request")} if own else {}
        form = TemplateTextForm(initial=initial)

    context = {
        "template": template,
        "template_label": StepTemplate(template).label,
        "language": language,
        "language_name": LANGUAGES[language],
        "own": own,
        "form": form,
        "built_in": _built_in_texts(template, language),
        "debtors": selectors.preview_debtors(organization),
        "preview_url": reverse("dashboard:template_text_preview", args=[template, language]),
    }
    return render(request, "dashboard/workflows/text.html", context, status=400 if form.errors else 200)


def _built_in_texts(template: str, language: str) -> dict:
    """Return the built-in texts in ``language``, shown beside the form as the starting point."""
    wording = WORDING[template]
    with translation.override(language):
        return {"subject": str(wording.subject_many), "intro": str(wording.intro), "request": str(wording.request)}


@dashboard_view
@require_POST
def template_text_remove(request, template, language):
    _check_template_language(template, language)
    if template_text_reset(organization=request.organization, actor=request.user, template=template, language=language):
        messages.success(request, _("The built-in text applies again."))
    return redirect("dashboard:template_text", template, language)


def _text_draft(template: str) -> StepDraft:
    channel = Channel.PHONE if template == StepTemplate.PHONE_CALL else Channel.EMAIL
    return StepDraft(template=template, channel=channel)


def _text_for_preview(request, template: str, language: str) -> tuple:
    """Return the text to preview (the unsaved form values, else the saved text) and notes on form errors."""
    if not any(field in request.GET for field in ("subject", "intro", "request")):
        return LOOKUP, []
    form = TemplateTextForm(request.GET)
    if form.is_valid():
        return form.unsaved_text(template, language), []
    notes = [f"{form.fields[field].label}: {error}" for field, errors in form.errors.items() for error in errors]
    return None, [_("The form has errors; the preview shows the built-in text."), *notes]


@dashboard_view
def template_text_preview(request, template, language):
    _check_template_language(template, language)
    debtor = _preview_debtor(request)
    context = {"debtor": debtor, "preview": None, "notes": []}
    if debtor is not None:
        custom_text, context["notes"] = _text_for_preview(request, template, language)
        preview = render_preview(
            debtor, _text_draft(template), local_today(request.organization), language=language,
            custom_text=custom_text,
        )
        context.update(preview=preview, notes=context["notes"] + preview.notes)
    return _render_preview_pane(request, context)
