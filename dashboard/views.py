"""Pages of the credit controller's dashboard.

Every view runs inside the tenant context that ``payt.middleware.TenantMiddleware``
entered for the user's active membership, and looks objects up by UUID
through that organisation, so another tenant's UUID is a 404.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dashboard import forecast_views, selectors
from dashboard.access import dashboard_view
from dashboard.forms import (
    AnswerForm,
    DebtorSearchForm,
    InvoiceFilterForm,
    LanguageForm,
    OrganizationCreateForm,
    OrganizationSettingsForm,
    OrganizationSwitchForm,
    UserAddForm,
)
from dashboard.response_views import inbox_context
from dashboard.responses import debtor_disputes, disputes_waiting
from dashboard.services import (
    organization_create_for_user,
    organization_settings_update,
    question_answer,
)
from debtors.models import Debtor
from forecasting.selectors import debtor_payment_trend, invoice_forecast
from invoices.models import Invoice
from invoices.selectors import invoice_status
from payments.selectors import charged_back_invoice_ids
from payments.unallocated_selectors import unallocated_total
from payt.dates import local_today
from payt.middleware import SESSION_LANGUAGE_KEY, SESSION_ORGANIZATION_KEY
from payt.services import user_create_in_organization
from portal.models import Question
from portal.selectors import display_status
from portal.services import portal_letter_code, portal_url_for_debtor

PAGE_SIZE = 50


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def _render_list(request, full_template: str, partial_template: str, context: dict):
    """Render the whole page, or only the table for an htmx partial refresh."""
    partial = _is_htmx(request)
    template = partial_template if partial else full_template
    # The full page shows form errors beside the fields; a refreshed table shows them itself.
    response = render(request, template, {**context, "errors_in_table": partial})
    patch_vary_headers(response, ["HX-Request"])
    return response


@dashboard_view
def home(request):
    organization = request.organization
    today = local_today(organization)
    context = {
        "today": today,
        "summaries": selectors.receivables_summary(organization, today),
        "aging_buckets": selectors.AGING_BUCKETS,
        "dso_period_days": selectors.DSO_PERIOD_DAYS,
        "top_overdue": selectors.top_overdue_debtors(organization, today),
        "open_questions": selectors.open_question_count(organization),
        "open_disputes": disputes_waiting(organization).count(),
        **forecast_views.forecast_chart_context(organization),
    }
    return render(request, "dashboard/home.html", context)


@dashboard_view
def invoice_list(request):
    organization = request.organization
    today = local_today(organization)
    form = InvoiceFilterForm(request.GET or None, organization=organization)
    if form.is_bound and not form.is_valid():
        # An invalid filter shows its errors and no rows, never the unfiltered list.
        invoices = Invoice.objects.for_organization(organization).none()
    else:
        invoices = selectors.invoice_list(organization, today, **(form.cleaned_data if form.is_bound else {}))
    page = Paginator(invoices, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "rows": [(invoice, invoice_status(invoice, today)) for invoice in page],
        "today": today,
    }
    return _render_list(request, "dashboard/invoice_list.html", "dashboard/_invoice_table.html", context)


@dashboard_view
def invoice_detail(request, invoice_id):
    organization = request.organization
    today = local_today(organization)
    invoice = get_object_or_404(Invoice.objects.for_organization(organization).select_related("debtor"), pk=invoice_id)
    allocations = invoice.allocations.select_related("payment", "credit_document").order_by("created_at")
    context = {
        "invoice": invoice,
        "status": display_status(invoice, today, charged_back_invoice_ids([invoice.pk])),
        "allocations": allocations,
        "questions": invoice.questions.order_by("-created_at"),
        "forecast": invoice_forecast(organization, invoice.pk),
    }
    return render(request, "dashboard/invoice_detail.html", context)


@dashboard_view
def debtor_list(request):
    organization = request.organization
    today = local_today(organization)
    form = DebtorSearchForm(request.GET or None)
    search = form.cleaned_data["search"] if form.is_valid() else ""
    page = Paginator(selectors.debtor_list(organization, today, search=search), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    amounts = selectors.open_amounts_by_debtor(organization, [debtor.pk for debtor in page], today)
    context = {
        "form": form,
        "page": page,
        "rows": [(debtor, amounts.get(debtor.pk, [])) for debtor in page],
    }
    return _render_list(request, "dashboard/debtor_list.html", "dashboard/_debtor_table.html", context)


@dashboard_view
def debtor_detail(request, debtor_id):
    organization = request.organization
    today = local_today(organization)
    debtor = get_object_or_404(Debtor.objects.for_organization(organization), pk=debtor_id)
    open_invoices = list(selectors.debtor_open_invoices(organization, debtor))
    charged_back = charged_back_invoice_ids(invoice.pk for invoice in open_invoices)
    context = {
        "debtor": debtor,
        "amounts": selectors.open_amounts_by_debtor(organization, [debtor.pk], today).get(debtor.pk, []),
        "open_rows": [(invoice, display_status(invoice, today, charged_back)) for invoice in open_invoices],
        "portal_url": portal_url_for_debtor(debtor),
        "portal_code": portal_letter_code(debtor),
        "disputes": debtor_disputes(organization, debtor),
        "timeline": selectors.debtor_timeline(organization, debtor),
        "timeline_limit": selectors.TIMELINE_LIMIT,
        "trend": debtor_payment_trend(organization, debtor.pk, today=today),
        "unallocated": unallocated_total(organization, debtor),
        "today": today,
    }
    return render(request, "dashboard/debtor_detail.html", context)


def _answer_form(question: Question, data=None) -> AnswerForm:
    return AnswerForm(data, auto_id=f"id_%s_{question.pk}")


@dashboard_view
def question_list(request):
    """The responses inbox: questions, disputes and promises from the portal, and recent portal activity."""
    return render(request, "dashboard/question_list.html", inbox_context(request.organization))


def _get_question(request, question_id) -> Question:
    questions = Question.objects.for_organization(request.organization).select_related(
        "debtor", "invoice", "answered_by", "organization"
    )
    return get_object_or_404(questions, pk=question_id)


@dashboard_view
def question_detail(request, question_id):
    question = _get_question(request, question_id)
    return render(
        request,
        "dashboard/question_detail.html",
        {"question": question, "form": _answer_form(question)},
    )


@dashboard_view
@require_POST
def question_answer_view(request, question_id):
    question = _get_question(request, question_id)
    form = _answer_form(question, request.POST)
    if form.is_valid():
        try:
            question_answer(question=question, answer=form.cleaned_data["answer"], user=request.user)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if question.debtor.email:
                messages.success(request, _("Answer sent to %(email)s.") % {"email": question.debtor.email})
            else:
                message = _("Answer saved. No e-mail was sent: %(debtor)s has no e-mail address.")
                messages.warning(request, message % {"debtor": question.debtor.name})
            return redirect("dashboard:questions")
    return render(request, "dashboard/question_detail.html", {"question": question, "form": form}, status=400)


def _add_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
@require_POST
def organization_switch(request):
    """Make another of the user's organisations the active one (stored in the session).

    Read-only members may switch too: it changes only their own session.
    """
    form = OrganizationSwitchForm(request.POST, memberships=getattr(request, "memberships", []))
    if not form.is_valid():
        raise Http404("No organisation of yours has this id.")
    request.session[SESSION_ORGANIZATION_KEY] = str(form.cleaned_data["organization"])
    return redirect("dashboard:home")


@require_POST
def language_switch(request):
    """Store the dashboard language (nl or en) in the session and a cookie, then go back.

    It works before login too, so the login page can switch language; the
    cookie carries the choice there, and the session after login.
    """
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("The dashboard speaks Dutch (nl) and English (en); choose one of those."))
    language = form.cleaned_data["language"]
    request.session[SESSION_LANGUAGE_KEY] = language

    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("dashboard:home")
    response = HttpResponseRedirect(next_url)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


@dashboard_view(admin=True)
def organization_settings(request):
    organization = request.organization
    if request.method == "POST":
        form = OrganizationSettingsForm(request.POST)
        if form.is_valid():
            try:
                organization_settings_update(organization=organization, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("Settings saved."))
                return redirect("dashboard:settings")
    else:
        initial = {name: getattr(organization, name) for name in OrganizationSettingsForm.base_fields}
        form = OrganizationSettingsForm(initial=initial)
    return render(request, "dashboard/settings.html", {"form": form})


@dashboard_view(admin=True)
def users(request):
    organization = request.organization
    if request.method == "POST":
        form = UserAddForm(request.POST, organization=organization)
        if form.is_valid():
            try:
                user_create_in_organization(organization=organization, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("%(email)s was added.") % {"email": form.cleaned_data["email"]})
                return redirect("dashboard:users")
    else:
        form = UserAddForm(organization=organization)
    context = {"form": form, "memberships": selectors.organization_memberships(organization)}
    return render(request, "dashboard/users.html", context)


@dashboard_view(admin=True)
def organization_create(request):
    if request.method == "POST":
        form = OrganizationCreateForm(request.POST)
        if form.is_valid():
            try:
                organization = organization_create_for_user(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                request.session[SESSION_ORGANIZATION_KEY] = str(organization.pk)
                messages.success(
                    request,
                    _("%(name)s was created; you are its administrator.") % {"name": organization.name},
                )
                return redirect("dashboard:home")
    else:
        form = OrganizationCreateForm()
    return render(request, "dashboard/organization_create.html", {"form": form})
