"""Dashboard pages of the dunning run: what goes out in the next 7 days, the run log, credit to allocate."""

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dashboard.access import dashboard_view
from dunning.models import DunningRun, RunLogEntry
from dunning.preview import dunning_preview
from invoices.models import Invoice
from invoices.selectors import credits_to_allocate
from invoices.services import credit_allocate
from payt.api_errors import DomainError
from payt.dates import local_today

UPCOMING_DAYS = 7


@dashboard_view
def dunning_upcoming(request):
    organization = request.organization
    days = dunning_preview(organization=organization, first_date=local_today(organization), days=UPCOMING_DAYS)
    return render(request, "dashboard/runs/upcoming.html", {"days": days})


@dashboard_view
def dunning_runs(request):
    runs = DunningRun.objects.for_organization(request.organization).order_by("-started_at")
    page = Paginator(runs, 50).get_page(request.GET.get("page"))
    return render(request, "dashboard/runs/run_list.html", {"page": page})


@dashboard_view
def dunning_run_detail(request, run_id):
    run = get_object_or_404(DunningRun.objects.for_organization(request.organization), pk=run_id)
    entries = (
        RunLogEntry.objects.for_organization(request.organization)
        .filter(run=run)
        .select_related("invoice", "debtor", "step")
        .order_by("outcome", "debtor__name", "invoice__number")
    )
    return render(request, "dashboard/runs/run_detail.html", {"run": run, "entries": entries})


@dashboard_view
def credit_worklist(request):
    rows = credits_to_allocate(request.organization)
    return render(request, "dashboard/runs/credit_worklist.html", {"rows": rows})


@require_POST
@dashboard_view
def credit_allocate_view(request, credit_id):
    organization = request.organization
    credit = get_object_or_404(Invoice.objects.for_organization(organization), pk=credit_id)
    invoices = Invoice.objects.for_organization(organization).filter(debtor=credit.debtor)
    invoice = get_object_or_404(invoices, pk=_uuid_or_404(request.POST.get("invoice")))
    amount = min(credit.open_amount, invoice.open_amount)
    try:
        credit_allocate(credit=credit, invoice=invoice, amount=amount)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(amount)s of %(credit)s allocated to %(invoice)s.")
            % {"amount": amount, "credit": credit.number, "invoice": invoice.number},
        )
    return redirect("dashboard:credit_worklist")


def _uuid_or_404(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None
