"""Dunning pages of the dashboard: the call list with its outcome form, letter batches, sent texts,
and the debtor's contact details.

Objects are looked up by UUID through the request's organisation, so
another tenant's UUID is a 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dashboard import dunning_selectors as selectors
from dashboard.access import dashboard_view
from dashboard.dunning_forms import CallOutcomeForm, DebtorContactForm, LetterPostingForm
from debtors.models import Debtor
from debtors.services import debtor_contact_update
from dunning.letters import letter_batch_build, letter_batch_post
from dunning.models import CallOutcome, LetterBatch, PhoneTask, PhoneTaskStatus
from dunning.phone import phone_task_complete
from payt.api_errors import DomainError
from payt.dates import local_today


def _outcome_form(task: PhoneTask, data=None) -> CallOutcomeForm:
    return CallOutcomeForm(data, auto_id=f"id_%s_{task.pk}", prefix=None)


def _worklist_context(request, failed_task=None, failed_form=None) -> dict:
    organization = request.organization
    today = local_today(organization)
    groups = selectors.phone_worklist(organization, today)
    for group in groups:
        group.forms = [
            (task, failed_form if failed_task and task.pk == failed_task.pk else _outcome_form(task))
            for task in group.tasks
        ]
    return {"groups": groups, "today": today}


@dashboard_view
def phone_worklist(request):
    return render(request, "dashboard/dunning/calls.html", _worklist_context(request))


@dashboard_view
@require_POST
def phone_task_outcome(request, task_id):
    organization = request.organization
    task = get_object_or_404(PhoneTask.objects.for_organization(organization).select_related("debtor"), pk=task_id)
    if task.status != PhoneTaskStatus.OPEN:
        messages.warning(request, _("This call has already been recorded."))
        return redirect("dashboard:calls")

    form = _outcome_form(task, request.POST)
    if form.is_valid():
        try:
            phone_task_complete(task=task, user=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(_form_field(form, error.field), _call_error_text(error, form.cleaned_data))
        else:
            outcome = CallOutcome(form.cleaned_data["outcome"]).label
            messages.success(request, _("Call to %(debtor)s recorded: %(outcome)s.") % {
                "debtor": task.debtor.name, "outcome": outcome,
            })
            return redirect("dashboard:calls")
    context = _worklist_context(request, failed_task=task, failed_form=form)
    return render(request, "dashboard/dunning/calls.html", context, status=400)


def _form_field(form, field: str | None) -> str | None:
    return field if field in form.fields else None


def _call_error_text(error: DomainError, cleaned: dict) -> str:
    """Return the service's refusal in the dashboard language."""
    if error.code == "invalid_date" and cleaned.get("promised_date"):
        return _("The promised date %(date)s is in the past; enter the date the debtor named.") % {
            "date": cleaned["promised_date"].isoformat()
        }
    if error.code == "already_done":
        return _("This call has already been recorded.")
    return error.message


@dashboard_view
def letter_batch_list(request):
    organization = request.organization
    batches = list(selectors.letter_batches(organization))
    context = {
        "rows": [(batch, LetterPostingForm(auto_id=f"id_%s_{batch.pk}")) for batch in batches],
        "today": local_today(organization),
        "delivery_days": organization.letter_delivery_days,
    }
    return render(request, "dashboard/dunning/letters.html", context)


def _get_batch(request, batch_id) -> LetterBatch:
    return get_object_or_404(LetterBatch.objects.for_organization(request.organization), pk=batch_id)


@dashboard_view
def letter_batch_pdf(request, batch_id):
    """Download the batch PDF, built first when letters joined since the last build."""
    batch = letter_batch_build(batch=_get_batch(request, batch_id))
    if not batch.pdf:
        messages.warning(request, _("This batch has no letters."))
        return redirect("dashboard:letters")
    response = HttpResponse(bytes(batch.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="letters-{batch.batch_date.isoformat()}.pdf"'
    return response


@dashboard_view
@require_POST
def letter_batch_posting(request, batch_id):
    batch = _get_batch(request, batch_id)
    form = LetterPostingForm(request.POST, auto_id=f"id_%s_{batch.pk}")
    if form.is_valid():
        try:
            batch = letter_batch_post(batch=batch, posted_on=form.cleaned_data["posted_on"], user=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Letters of %(date)s recorded as posted on %(posted_on)s.") % {
                "date": batch.batch_date.isoformat(), "posted_on": batch.posted_on.isoformat(),
            })
    else:
        messages.error(request, _("Enter the posting date as a date, such as %(example)s.") % {
            "example": local_today(request.organization).isoformat(),
        })
    return redirect("dashboard:letters")


@dashboard_view
def sms_outbox(request):
    return render(request, "dashboard/dunning/sms.html", {"texts": selectors.sent_texts(request.organization)})


@dashboard_view
def debtor_contact(request, debtor_id):
    debtor = get_object_or_404(Debtor.objects.for_organization(request.organization), pk=debtor_id)
    country = debtor.country or request.organization.country
    if request.method == "POST":
        form = DebtorContactForm(request.POST, country=country)
        if form.is_valid():
            try:
                debtor_contact_update(debtor=debtor, user=request.user, **form.cleaned_data)
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(_form_field(form, field), errors)
            else:
                messages.success(request, _("Contact details of %(debtor)s saved.") % {"debtor": debtor.name})
                return redirect("dashboard:debtor", debtor_id=debtor.pk)
    else:
        form = DebtorContactForm(initial={"email": debtor.email, "phone": debtor.phone}, country=country)
    return render(request, "dashboard/dunning/contact.html", {"debtor": debtor, "form": form})
