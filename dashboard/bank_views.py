"""Bank pages of the dashboard: upload statements, see their entries, reconcile what waits.

Credit controllers and administrators upload and decide; read-only members
only look. Statements and entries are looked up through the request's
organisation, so another tenant's id is a 404.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dashboard.access import dashboard_view
from dashboard.bank_forms import BankFileUploadForm, ReversalForm, allocation_formset
from invoices.models import Payment
from payments import bank_selectors
from payments.bank_services import bank_entry_confirm, bank_entry_dismiss, bank_entry_reverse, bank_statement_import
from payments.models import BankStatementEntry
from payt.api_errors import DomainError

PAGE_SIZE = 50
RECONCILIATION_PAGE_SIZE = 25


@dashboard_view
def bank_statements(request):
    organization = request.organization
    form = BankFileUploadForm()
    status_code = 200
    if request.method == "POST":
        form = BankFileUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = bank_statement_import(
                    organization=organization, content=upload.read(), file_name=upload.name, user=request.user
                )
            except DomainError as error:
                form.add_error("file", error.message)
            else:
                _report_import(request, result)
                return redirect("dashboard:bank_statement", statement_id=result.statement.pk)
        status_code = 400

    page = Paginator(bank_selectors.statements_of(organization), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "waiting": bank_selectors.waiting_count(organization)}
    return render(request, "dashboard/bank_statements.html", context, status=status_code)


def _report_import(request, result) -> None:
    statement = result.statement
    if not result.created:
        messages.info(
            request,
            _("This file was already imported on %(date)s; nothing was changed.")
            % {"date": statement.created_at.strftime("%Y-%m-%d %H:%M")},
        )
        return
    counts = result.counts
    messages.success(
        request,
        _(
            "Imported %(entries)s entries: %(applied)s applied, %(review)s waiting for review, "
            "%(reversed)s reversals applied, %(rejected)s rejected."
        )
        % {
            "entries": statement.entry_count,
            "applied": counts["applied"],
            "review": counts["review"],
            "reversed": counts["reversed"],
            "rejected": len(statement.rejected_entries),
        },
    )


@dashboard_view
def bank_statement_detail(request, statement_id):
    organization = request.organization
    statement = get_object_or_404(bank_selectors.statements_of(organization), pk=statement_id)
    entries = bank_selectors.entries_of(organization).filter(statement=statement)
    return render(request, "dashboard/bank_statement_detail.html", {"statement": statement, "entries": entries})


@dashboard_view
def reconciliation(request):
    return _render_reconciliation(request)


def _reconciliation_url(request, entry: BankStatementEntry | None = None) -> str:
    """Return the reconciliation page with the query string (page, filters) the action was sent from.

    The entry forms post to their action URL with the page's query string, so
    the same page shows again after an action. ``entry`` adds its anchor.
    """
    url = reverse("dashboard:reconciliation")
    query = request.GET.urlencode()
    if query:
        url += f"?{query}"
    if entry is not None:
        url += f"#entry-{entry.pk}"
    return url


def _render_reconciliation(request, bound=None, status: int = 200):
    """Render the waiting entries; ``bound`` maps an entry id to the forms a failed POST left.

    After a failed POST the request's query string still names the page, so
    the entry with the error is on the page shown.
    """
    organization = request.organization
    page = Paginator(bank_selectors.entries_waiting(organization), RECONCILIATION_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    bound = bound or {}
    rows = []
    for entry in page:
        forms = bound.get(entry.pk, {})
        row = {
            "entry": entry,
            "formset": forms.get("formset") or allocation_formset(entry, organization),
            "errors": forms.get("errors", []),
            "candidates": [],
        }
        if entry.is_reversal and not entry.is_credit:
            row["candidates"] = bank_selectors.reversal_candidates(entry)
        rows.append(row)
    context = {
        "page": page,
        "rows": rows,
        "page_url": reverse("dashboard:reconciliation"),
        "return_query": request.GET.urlencode(),
        "language_next": _reconciliation_url(request),
    }
    return render(request, "dashboard/reconciliation.html", context, status=status)


def _get_entry(request, entry_id) -> BankStatementEntry:
    return get_object_or_404(bank_selectors.entries_of(request.organization), pk=entry_id)


@dashboard_view
@require_POST
def bank_entry_confirm_view(request, entry_id):
    entry = _get_entry(request, entry_id)
    formset = allocation_formset(entry, request.organization, request.POST)
    if formset.is_valid():
        try:
            bank_entry_confirm(entry=entry, allocations=formset.allocations, user=request.user)
        except DomainError as error:
            return _render_reconciliation(request, {entry.pk: {"formset": formset, "errors": [error.message]}}, 400)
        messages.success(
            request, _("The payment at position %(position)s was applied.") % {"position": entry.position}
        )
        return redirect(_reconciliation_url(request))
    return _render_reconciliation(request, {entry.pk: {"formset": formset}}, 400)


@dashboard_view
@require_POST
def bank_entry_reverse_view(request, entry_id):
    entry = _get_entry(request, entry_id)
    form = ReversalForm(request.POST)
    payment = None
    if form.is_valid():
        payment = Payment.objects.for_organization(request.organization).filter(pk=form.cleaned_data["payment"]).first()
    if payment is None:
        errors = [_("Choose the payment that this reversal takes back.")]
        return _render_reconciliation(request, {entry.pk: {"errors": errors}}, 400)
    try:
        bank_entry_reverse(entry=entry, payment=payment, user=request.user)
    except DomainError as error:
        return _render_reconciliation(request, {entry.pk: {"errors": [error.message]}}, 400)
    messages.success(request, _("The payment was reversed; its invoices are open again."))
    return redirect(_reconciliation_url(request))


@dashboard_view
@require_POST
def bank_entry_dismiss_view(request, entry_id):
    entry = _get_entry(request, entry_id)
    try:
        bank_entry_dismiss(entry=entry, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(_reconciliation_url(request, entry))
    messages.success(request, _("The entry at position %(position)s was set aside.") % {"position": entry.position})
    return redirect(_reconciliation_url(request))


