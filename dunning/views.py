"""Dashboard pages of the dunning app: the calculators and the statutory interest rate tables.

The calculators call the same functions as the API (``dunning.costs`` and
``dunning.rate_selectors``). Each calculator returns the whole page for a
plain GET and only its result card for an htmx request, so the page works
with and without JavaScript.
"""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dashboard.access import dashboard_view
from dunning.calculation import CalculationError
from dunning.costs import collection_costs
from dunning.forms import CollectionCostsForm, DayCountForm, InterestForm, InterestRateAddForm, InterestRateForm
from dunning.interest import DayCount
from dunning.models import InterestRate, InterestRegime
from dunning.rate_selectors import interest_regimes_with_rates, statutory_interest_for
from dunning.rate_services import interest_rate_add, interest_rate_correct, interest_regime_set_day_count


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def _add_errors(form, error: ValidationError | CalculationError) -> None:
    """Show a service's or calculator's error beside the form field it names."""
    if isinstance(error, CalculationError):
        field = error.parameter if error.parameter in form.fields else None
        form.add_error(field, error.message)
        return
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- Calculators ------------------------------------------------------------------


def _render_calculator(request, *, costs_form, interest_form, costs=None, interest=None, partial: str = ""):
    context = {"costs_form": costs_form, "interest_form": interest_form, "costs": costs, "interest": interest}
    if partial and _is_htmx(request):
        # htmx 2 swaps no content from a 4xx response, so a card with form errors comes back as 200.
        response = render(request, partial, context)
    else:
        response = render(request, "dashboard/calculators.html", context, status=_status(costs_form, interest_form))
    patch_vary_headers(response, ["HX-Request"])
    return response


def _status(*forms) -> int:
    return 400 if any(form.is_bound and form.errors for form in forms) else 200


@dashboard_view
@require_GET
def calculators(request):
    return _render_calculator(request, costs_form=CollectionCostsForm(), interest_form=InterestForm())


@dashboard_view
@require_GET
def calculate_collection_costs(request):
    form = CollectionCostsForm(request.GET)
    result = None
    if form.is_valid():
        try:
            result = collection_costs(**form.cleaned_data)
        except CalculationError as error:
            _add_errors(form, error)
    return _render_calculator(
        request, costs_form=form, interest_form=InterestForm(), costs=result, partial="dashboard/_costs_card.html"
    )


@dashboard_view
@require_GET
def calculate_interest(request):
    form = InterestForm(request.GET)
    calculation = None
    if form.is_valid():
        try:
            parameters = {**form.cleaned_data, "day_count": form.cleaned_data["day_count"] or None}
            calculation = statutory_interest_for(**parameters)
        except CalculationError as error:
            _add_errors(form, error)
    return _render_calculator(
        request,
        costs_form=CollectionCostsForm(),
        interest_form=form,
        interest=calculation,
        partial="dashboard/_interest_card.html",
    )


# --- Interest rate tables ---------------------------------------------------------------


def staff_required(view):
    """Refuse changes to the shared rate tables to anyone but the platform's staff."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied(_("Only the platform's staff may change the statutory rate tables."))
        return view(request, *args, **kwargs)

    return wrapper


def _render_rates(request, *, add_form=None, status: int = 200):
    # The rate tables are shared by every organisation, so only the platform's
    # staff may change them; organisation admins read them like everyone else.
    is_admin = request.user.is_staff
    regimes = interest_regimes_with_rates()
    context = {
        "regimes": regimes,
        "day_count_choices": DayCount.choices,
        "is_admin": is_admin,
        "add_form": add_form or (InterestRateAddForm() if is_admin else None),
        "unverified_count": sum(1 for regime in regimes for row in regime.rates.all() if not row.verified),
    }
    return render(request, "dashboard/interest_rates.html", context, status=status)


@dashboard_view
@require_GET
def interest_rates(request):
    return _render_rates(request)


@dashboard_view
@staff_required
@require_POST
def interest_rate_create(request):
    form = InterestRateAddForm(request.POST)
    if form.is_valid():
        try:
            row = interest_rate_add(organization=request.organization, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Rate from %(date)s added to %(regime)s.") % _rate_names(row))
            return redirect("dunning:interest_rates")
    return _render_rates(request, add_form=form, status=400)


@dashboard_view
@staff_required
def interest_rate_edit(request, rate_id):
    row = get_object_or_404(InterestRate.objects.select_related("regime", "updated_by"), pk=rate_id)
    if request.method == "POST":
        form = InterestRateForm(request.POST)
        if form.is_valid():
            try:
                interest_rate_correct(
                    organization=request.organization, actor=request.user, interest_rate=row, **form.cleaned_data
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("Rate from %(date)s of %(regime)s corrected.") % _rate_names(row))
                return redirect("dunning:interest_rates")
    else:
        form = InterestRateForm(
            initial={name: getattr(row, name) for name in ("effective_from", "rate", "source", "verified")}
        )
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "dashboard/interest_rate_edit.html", {"row": row, "form": form}, status=status)


@dashboard_view
@staff_required
@require_POST
def interest_regime_day_count(request, regime_id):
    regime = get_object_or_404(InterestRegime, pk=regime_id)
    form = DayCountForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a day count from the list."))
        return redirect("dunning:interest_rates")
    interest_regime_set_day_count(
        organization=request.organization, actor=request.user, regime=regime, day_count=form.cleaned_data["day_count"]
    )
    messages.success(request, _("Day count of %(regime)s saved.") % {"regime": str(regime)})
    return redirect("dunning:interest_rates")


def _rate_names(row: InterestRate) -> dict:
    return {"date": row.effective_from.isoformat(), "regime": str(row.regime)}
