"""Dashboard pages for debtors' portal responses, chargebacks and portal links.

The responses inbox extends the questions page: disputes, promises to pay
and recent portal activity sit beside the questions.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from dashboard import responses, selectors
from dashboard.access import dashboard_view
from dashboard.forms import AnswerForm, DisputeResolveForm
from debtors.models import Debtor
from payments.selectors import chargeback_worklist
from portal.attachments import EXTENSIONS, stored_filename
from portal.models import Dispute, PaymentPromise, Question
from portal.responses import dispute_resolve, promise_answer
from portal.services import portal_link_expire, portal_link_rotate


def _answer_form(record, data=None) -> AnswerForm:
    return AnswerForm(data, auto_id=f"id_%s_{record.pk}")


def _resolve_form(dispute, data=None) -> DisputeResolveForm:
    return DisputeResolveForm(data, auto_id=f"id_%s_{dispute.pk}")


def inbox_context(organization) -> dict:
    """Return the context of the responses inbox: what waits for an answer and what happened lately."""
    waiting: list[Question] = list(selectors.questions_waiting(organization))
    return {
        "waiting": [(question, _answer_form(question)) for question in waiting],
        "answered": selectors.questions_answered(organization),
        "disputes": [(dispute, _resolve_form(dispute)) for dispute in responses.disputes_waiting(organization)],
        "disputes_resolved": responses.disputes_resolved(organization),
        "promises": [(promise, _answer_form(promise)) for promise in responses.promises_waiting(organization)],
        "activity": responses.portal_activity(organization),
    }


@dashboard_view
@require_POST
def dispute_resolve_view(request, dispute_id):
    dispute = get_object_or_404(
        Dispute.objects.for_organization(request.organization).select_related("debtor", "invoice", "hold"),
        pk=dispute_id,
    )
    form = _resolve_form(dispute, request.POST)
    if form.is_valid():
        try:
            dispute_resolve(dispute=dispute, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Dispute of %(number)s resolved.") % {"number": dispute.invoice.number})
            return redirect("dashboard:questions")
    context = {**inbox_context(request.organization), "failed_form": form, "failed_id": dispute.pk}
    return render(request, "dashboard/question_list.html", context, status=400)


@dashboard_view
@require_POST
def promise_answer_view(request, promise_id):
    promise = get_object_or_404(
        PaymentPromise.objects.for_organization(request.organization).select_related("debtor"), pk=promise_id
    )
    form = _answer_form(promise, request.POST)
    if form.is_valid():
        try:
            promise_answer(promise=promise, answer=form.cleaned_data["answer"], user=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Answer to %(debtor)s saved.") % {"debtor": promise.debtor.name})
            return redirect("dashboard:questions")
    context = {**inbox_context(request.organization), "failed_form": form, "failed_id": promise.pk}
    return render(request, "dashboard/question_list.html", context, status=400)


@dashboard_view
@require_safe
def dispute_attachment(request, dispute_id, attachment_id):
    """Serve a dispute's attachment to the organisation's users only, as a download that never runs."""
    attachment = responses.attachment_of_organization(request.organization, dispute_id, attachment_id)
    if attachment is None:
        raise Http404("No such attachment in this organisation")
    # The stored type was detected from the content when the debtor sent the file.
    content_type = attachment.content_type if attachment.content_type in EXTENSIONS else "application/octet-stream"
    response = HttpResponse(bytes(attachment.content), content_type=content_type)
    # Names stored before the extension was made to follow the detected type are fixed here too.
    filename = stored_filename(attachment.filename, content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


@dashboard_view
@require_safe
def chargeback_list(request):
    """The chargeback work-list: Mollie payments charged back, newest first, with their invoices."""
    return render(request, "dashboard/chargebacks.html", {"payments": chargeback_worklist(request.organization)[:200]})


@dashboard_view
@require_POST
def portal_link_rotate_view(request, debtor_id):
    debtor = get_object_or_404(Debtor.objects.for_organization(request.organization), pk=debtor_id)
    portal_link_rotate(debtor=debtor, user=request.user)
    messages.success(
        request, _("%(debtor)s has a new portal link; the old one no longer works.") % {"debtor": debtor.name}
    )
    return redirect("dashboard:debtor", debtor_id=debtor.pk)


@dashboard_view
@require_POST
def portal_link_expire_view(request, debtor_id):
    debtor = get_object_or_404(Debtor.objects.for_organization(request.organization), pk=debtor_id)
    portal_link_expire(debtor=debtor, user=request.user)
    messages.success(
        request,
        _("The portal link of %(debtor)s no longer works. The next invoice or reminder carries a new one.")
        % {"debtor": debtor.name},
    )
    return redirect("dashboard:debtor", debtor_id=debtor.pk)
