"""The credit controller's dunning controls: holds on a debtor or invoice, waiving charges, and debtor settings.

Debtors, holds and charges are looked up by UUID through the request's
organisation, so another tenant's id is a 404 and nothing changes. A form
that fails comes back on the debtor or invoice page with status 400, the
errors beside the field they concern: the view hands the bound form to the
page's panel (``dashboard.templatetags.hold_tags``) on the request.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dashboard import hold_selectors
from dashboard.access import dashboard_view
from dashboard.hold_forms import ChargeWaiveForm, DebtorSettingsForm, HoldPlaceForm, HoldReleaseForm
from dashboard.selectors import debtor_open_invoices
from dashboard.templatetags.hold_tags import FAILED_FORMS
from dashboard.views import debtor_detail, invoice_detail
from debtors.models import Debtor
from debtors.services import debtor_dunning_settings_update
from dunning.charges import charge_waive
from dunning.holds import hold_place, hold_release
from dunning.models import Charge, Hold
from payt.api_errors import DomainError
from payt.dates import local_today

PAGE_SIZE = 50


def _debtor_url(debtor_id, anchor: str) -> str:
    return f"{reverse('dashboard:debtor', args=[debtor_id])}#{anchor}"


def _form_field(form, field: str | None) -> str | None:
    return field if field in form.fields else None


def _debtor_page_with(request, debtor: Debtor, **failed_forms):
    """Render the debtor page with status 400, showing ``failed_forms`` (see ``hold_tags.FAILED_FORMS``)."""
    setattr(request, FAILED_FORMS, failed_forms)
    response = debtor_detail(request, debtor_id=debtor.pk)
    response.status_code = 400
    return response


def _invoice_page_with(request, invoice, **failed_forms):
    """Render the invoice page with status 400, showing ``failed_forms`` (see ``hold_tags.FAILED_FORMS``)."""
    setattr(request, FAILED_FORMS, failed_forms)
    response = invoice_detail(request, invoice_id=invoice.pk)
    response.status_code = 400
    return response


@dashboard_view
def hold_overview(request):
    """List every hold in force today, the one that ends first at the top."""
    organization = request.organization
    today = local_today(organization)
    page = Paginator(hold_selectors.holds_in_force(organization, today), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "dashboard/holds/overview.html", {"page": page, "today": today})


@dashboard_view
@require_POST
def hold_place_view(request, debtor_id):
    organization = request.organization
    debtor = get_object_or_404(Debtor.objects.for_organization(organization), pk=debtor_id)
    open_invoices = list(debtor_open_invoices(organization, debtor))
    form = HoldPlaceForm(request.POST, organization=organization, open_invoices=open_invoices)
    if form.is_valid():
        try:
            hold = hold_place(debtor=debtor, user=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(_form_field(form, error.field), _hold_error_text(error, form.cleaned_data, debtor))
        else:
            messages.success(request, _placed_text(hold))
            return redirect(_debtor_url(debtor.pk, "holds"))
    return _debtor_page_with(request, debtor, hold_form=form)


def _placed_text(hold: Hold) -> str:
    if hold.invoice is not None:
        return _("Dunning paused for invoice %(number)s.") % {"number": hold.invoice.number}
    return _("Dunning paused for all invoices of %(debtor)s.") % {"debtor": hold.debtor.name}


def _hold_error_text(error: DomainError, cleaned: dict, debtor: Debtor) -> str:
    """Return the service's rejection in the dashboard language."""
    if error.code == "invalid_date" and cleaned.get("until"):
        return _("The end date %(date)s is in the past; choose today or a later date.") % {
            "date": date_format(cleaned["until"], "SHORT_DATE_FORMAT")
        }
    if error.code == "invalid_invoice" and cleaned.get("invoice"):
        return _("Invoice %(number)s belongs to another debtor; choose one of the open invoices of %(debtor)s.") % {
            "number": cleaned["invoice"].number,
            "debtor": debtor.name,
        }
    return error.message


@dashboard_view
@require_POST
def hold_release_view(request, hold_id):
    hold = get_object_or_404(
        Hold.objects.for_organization(request.organization).select_related("debtor", "invoice"), pk=hold_id
    )
    form = HoldReleaseForm(request.POST, hold=hold)
    if not form.is_valid():
        return _debtor_page_with(request, hold.debtor, release=(hold, form))

    if hold_release(hold=hold, note=form.cleaned_data["note"], user=request.user):
        messages.success(request, _("Hold released: %(reason)s. Dunning resumes.") % {
            "reason": hold.get_reason_display()
        })
    else:
        messages.warning(request, _("This hold was released already."))
    return redirect(_debtor_url(hold.debtor_id, "holds"))


@dashboard_view
@require_POST
def charge_waive_view(request, charge_id):
    charge = get_object_or_404(
        Charge.objects.for_organization(request.organization).select_related("invoice__debtor"), pk=charge_id
    )
    form = ChargeWaiveForm(request.POST, charge=charge)
    if form.is_valid():
        try:
            waived = charge_waive(charge=charge, reason=form.cleaned_data["reason"], user=request.user)
        except DomainError as error:
            form.add_error(_form_field(form, error.field), _waive_error_text(error))
        else:
            messages.success(request, _("%(kind)s of invoice %(number)s waived.") % {
                "kind": waived.get_kind_display(), "number": charge.invoice.number,
            })
            return redirect(f"{reverse('dashboard:invoice', args=[charge.invoice_id])}#charges")
    return _invoice_page_with(request, charge.invoice, waive=(charge, form))


def _waive_error_text(error: DomainError) -> str:
    texts = {
        "required": _("Say why the costs are waived, such as “goodwill after a late delivery”."),
        "already_waived": _("These costs were waived already."),
        "nothing_open": _("Nothing is open on these costs, so there is nothing to waive."),
    }
    return texts.get(error.code, error.message)


@dashboard_view
@require_POST
def debtor_settings_view(request, debtor_id):
    organization = request.organization
    debtor = get_object_or_404(Debtor.objects.for_organization(organization), pk=debtor_id)
    form = DebtorSettingsForm(request.POST, organization=organization)
    if form.is_valid():
        try:
            debtor_dunning_settings_update(debtor=debtor, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(_form_field(form, field), errors)
        else:
            messages.success(request, _("Dunning settings of %(debtor)s saved.") % {"debtor": debtor.name})
            return redirect(_debtor_url(debtor.pk, "dunning-settings"))
    return _debtor_page_with(request, debtor, settings_form=form)
