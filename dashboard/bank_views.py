"""Bank pages of the dashboard: upload statements, see their entries, reconcile what waits.

Credit controllers and administrators upload and decide; read-only members
only look. Statements and entries are looked up through the request's
organisation, so another tenant's id is a 404.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from dashboard.access import dashboard_view
from dashboard.bank_forms import BankFileUploadForm, ReversalForm, allocation_formset
from invoices.models import Payment
from payments import bank_selectors
from payments.bank_services import bank_entry_confirm, bank_entry_dismiss, bank_entry_reverse, bank_statement_import
from payments.models import BankStatementEntry
from payt.api_errors import DomainError
from payt.dates import local_now

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
                    organization=organization,
                    content=upload.read(),
                    file_name=upload.name,
                    user=request.user,
                    time_zone=organization.zone,
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
            _("This file was already imported on %(date)s (%(time_zone)s); nothing was changed.")
            % {
                "date": local_now(request.organization, statement.created_at).strftime("%Y-%m-%d %H:%M"),
                "time_zone": request.organization.time_zone,
            },
        )
        return
    counts = result.counts
    imported = ngettext(
        "Imported %(entries)s entry.", "Imported %(entries)s entries.", statement.entry_count
    ) % {"entries": statement.entry_count}
    outcome = _(
        "Applied: %(applied)s, waiting for review: %(review)s, reversals applied: %(reversed)s, rejected: %(rejected)s."
    ) % {
        "applied": counts["applied"],
        "review": counts["review"],
        "reversed": counts["reversed"],
        "rejected": len(statement.rejected_entries),
    }
    messages.success(request, f"{imported} {outcome}")


@dashboard_view
def bank_statement_detail(request, statement_id):
    organization = request.organization
    statement = get_object_or_404(bank_selectors.statements_of(organization), pk=statement_id)
    entries = bank_selectors.entries_of(organization).filter(statement=statement)
    return render(request, "dashboard/bank_statement_detail.html", {"statement": statement, "entries": entries})


@dashboard_view
def reconciliation(request):
    return _render_reconciliation(request)


def _reconciliation_url(request, entry: BankStatementEntry | None = None, query: QueryDict | None = None) -> str:
    """Return the reconciliation page with the query string (page, filters) the action was sent from.

    The entry forms post to their action URL with the page's query string, so
    the same page shows again after an action. ``query`` replaces the
    request's query string, and ``entry`` adds its anchor.
    """
    url = reverse("dashboard:reconciliation")
    query_string = (request.GET if query is None else query).urlencode()
    if query_string:
        url += f"?{query_string}"
    if entry is not None:
        url += f"#entry-{entry.pk}"
    return url


def _render_reconciliation(request, bound=None, status: int = 200, entry: BankStatementEntry | None = None):
    """Render the waiting entries; ``bound`` maps an entry id to the forms a failed POST left.

    After a failed POST about ``entry``, the page shown is the one that
    contains the entry now, which differs from the page in the query string
    when entries before it were decided in the meantime. An entry that no
    longer waits gets a message at the top in place of the POST's errors.
    """
    organization = request.organization
    query = request.GET.copy()
    notices = []
    if entry is not None:
        index = bank_selectors.waiting_index(organization, entry)
        if index is None:
            entry.refresh_from_db(fields=["status"])
            notices.append(_no_longer_waiting(entry))
        else:
            query["page"] = str(index // RECONCILIATION_PAGE_SIZE + 1)
    page = Paginator(bank_selectors.entries_waiting(organization), RECONCILIATION_PAGE_SIZE).get_page(
        query.get("page")
    )
    bound = bound or {}
    rows = []
    for waiting_entry in page:
        forms = bound.get(waiting_entry.pk, {})
        row = {
            "entry": waiting_entry,
            "formset": forms.get("formset") or allocation_formset(waiting_entry, organization),
            "errors": forms.get("errors", []),
            "candidates": [],
        }
        if waiting_entry.is_reversal and not waiting_entry.is_credit:
            row["candidates"] = bank_selectors.reversal_candidates(waiting_entry)
        rows.append(row)
    context = {
        "page": page,
        "rows": rows,
        "notices": notices,
        "page_url": reverse("dashboard:reconciliation"),
        "return_query": query.urlencode(),
        "language_next": _reconciliation_url(request, query=query),
    }
    return render(request, "dashboard/reconciliation.html", context, status=status)


def _no_longer_waiting(entry: BankStatementEntry) -> str:
    return _(
        "The entry at position %(position)s of file %(file)s no longer waits for review: its status is now "
        "%(status)s. Nothing was changed; it was decided in another window or by another person."
    ) % {
        "position": entry.position,
        "file": entry.statement.file_name or entry.statement.message_id,
        "status": entry.get_status_display(),
    }


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
            bound = {entry.pk: {"formset": formset, "errors": [error.message]}}
            return _render_reconciliation(request, bound, 400, entry)
        messages.success(
            request, _("The payment at position %(position)s was applied.") % {"position": entry.position}
        )
        return redirect(_reconciliation_url(request))
    return _render_reconciliation(request, {entry.pk: {"formset": formset}}, 400, entry)


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
        return _render_reconciliation(request, {entry.pk: {"errors": errors}}, 400, entry)
    try:
        bank_entry_reverse(entry=entry, payment=payment, user=request.user)
    except DomainError as error:
        return _render_reconciliation(request, {entry.pk: {"errors": [error.message]}}, 400, entry)
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


