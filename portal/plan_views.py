"""Portal pages of payment plans: propose a plan, see it decided, pay its instalments.

Every view runs through ``portal.views.portal_view``, so it sees only the
debtor behind the token, in that debtor's organisation.
"""

import datetime as dt
import logging
import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST, require_safe

from payments.models import PlanStatus
from payments.plan_checkout import instalment_checkout_start
from payments.plan_rules import describe_reason
from payments.plan_tasks import plan_notices_send_on_commit
from payments.plans import FIRST_DATE_HARD_LIMIT_DAYS, PlanTerms, plan_preview, plan_propose
from payments.selectors import (
    debtor_open_plan,
    debtor_plans,
    instalment_of_debtor,
    plan_in_organization,
    plan_policy_for,
)
from payt.api_errors import DomainError
from payt.dates import local_today
from payt.models import DEBTOR_LANGUAGE_CHOICES
from portal.plan_forms import PlanProposalForm, plan_invoices
from portal.views import PortalVisit, portal_view

logger = logging.getLogger(__name__)

# The first payment date the form suggests, in days from today.
SUGGESTED_FIRST_DATE_DAYS = 14
SUGGESTED_INSTALMENTS = 3


def _plan_url(visit: PortalVisit) -> str:
    return reverse("portal:plan", kwargs={"token": visit.token}) + visit.lang_query


@require_safe
@portal_view
def plan_page(request: HttpRequest, visit: PortalVisit) -> HttpResponse:
    """Show the debtor's running or proposed plan, or the proposal form with a preview."""
    plan = debtor_open_plan(visit.debtor)
    if plan is not None:
        return _render_plan(request, visit, plan.pk)

    form = None
    preview = None
    if "instalment_count" in request.GET:
        form = PlanProposalForm(request.GET, debtor=visit.debtor)
        preview = _preview(form, visit)
    return _render_form(request, visit, form, preview)


@require_POST
@portal_view
def plan_propose_view(request: HttpRequest, visit: PortalVisit) -> HttpResponse:
    """Record the debtor's proposal; the organisation's rules accept it or send it to review."""
    form = PlanProposalForm(request.POST, debtor=visit.debtor)
    if not form.is_valid():
        return _render_form(request, visit, form, None, status=400)

    try:
        outcome = plan_propose(
            debtor=visit.debtor,
            invoices=list(form.cleaned_data["invoices"]),
            instalment_count=form.cleaned_data["instalment_count"],
            first_due_date=form.cleaned_data["first_due_date"],
        )
    except DomainError as error:
        _add_error(form, error)
        return _render_form(request, visit, form, None, status=error.status_code)

    plan_notices_send_on_commit(visit.organization.pk, outcome.notice_ids)
    if outcome.plan.status == PlanStatus.ACCEPTED:
        messages.success(request, gettext("Your payment plan is accepted. Pay each instalment on or before its date."))
    else:
        messages.success(
            request,
            gettext("Thank you. We received your proposal and will let you know by e-mail when we have decided."),
        )
    return redirect(_plan_url(visit))


@require_POST
@portal_view
def instalment_pay(request: HttpRequest, visit: PortalVisit, instalment_id: uuid.UUID) -> HttpResponse:
    """Send the debtor to Mollie's checkout for what is open on one instalment."""
    instalment = instalment_of_debtor(visit.debtor, instalment_id)
    if instalment is None:
        raise Http404("No such instalment for this debtor")

    language = visit.language if visit.language_chosen else None
    try:
        mollie_payment = instalment_checkout_start(instalment=instalment, language=language)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(_plan_url(visit))
    return redirect(mollie_payment.checkout_url)


def _preview(form: PlanProposalForm, visit: PortalVisit) -> PlanTerms | None:
    if not form.is_valid():
        return None
    try:
        return plan_preview(
            debtor=visit.debtor,
            invoices=list(form.cleaned_data["invoices"]),
            instalment_count=form.cleaned_data["instalment_count"],
            first_due_date=form.cleaned_data["first_due_date"],
        )
    except DomainError as error:
        _add_error(form, error)
        return None


def _add_error(form: PlanProposalForm, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _render_form(
    request: HttpRequest,
    visit: PortalVisit,
    form: PlanProposalForm | None,
    preview: PlanTerms | None,
    status: int = 200,
) -> HttpResponse:
    today = local_today(visit.organization)
    policy = plan_policy_for(visit.organization)
    invoices = list(plan_invoices(visit.debtor))
    suggested_days = min(SUGGESTED_FIRST_DATE_DAYS, policy.max_days_to_first_instalment)
    if form is not None:
        selected = set(form.data.getlist("invoices"))
        count = form.data.get("instalment_count", "")
        first_date = form.data.get("first_due_date", "")
    else:
        selected = {str(invoice.pk) for invoice in invoices}
        count = str(SUGGESTED_INSTALMENTS)
        first_date = (today + dt.timedelta(days=suggested_days)).isoformat()

    context = {
        **_common_context(visit),
        "form": form,
        "preview": preview,
        "preview_reasons": [describe_reason(reason.as_json()) for reason in preview.reasons] if preview else [],
        "plan_invoices": invoices,
        "selected_ids": selected,
        "count_choices": [str(value) for value, _label in PlanProposalForm.base_fields["instalment_count"].choices],
        "count": count,
        "first_date": first_date,
        "min_date": today.isoformat(),
        "max_date": (today + dt.timedelta(days=FIRST_DATE_HARD_LIMIT_DAYS)).isoformat(),
        "policy": policy,
        "rules_currency": invoices[0].currency if invoices else "EUR",
        "earlier_plan": _earlier_plan(visit),
    }
    return render(request, "portal/plans/plan.html", context, status=status)


def _render_plan(request: HttpRequest, visit: PortalVisit, plan_id) -> HttpResponse:
    plan = plan_in_organization(visit.organization, plan_id)
    lines = sorted(plan.plan_invoices.all(), key=lambda line: (line.invoice.due_date, line.invoice.number))
    context = {
        **_common_context(visit),
        "plan": plan,
        "instalments": list(plan.instalments.all()),
        "plan_lines": lines,
        "reasons": [describe_reason(reason) for reason in plan.review_reasons],
        "today": local_today(visit.organization),
    }
    return render(request, "portal/plans/plan.html", context)


def _common_context(visit: PortalVisit) -> dict:
    return {
        "visit": visit,
        "organization": visit.organization,
        "debtor": visit.debtor,
        "portal_languages": DEBTOR_LANGUAGE_CHOICES,
    }


def _earlier_plan(visit: PortalVisit):
    """Return the debtor's latest rejected or broken plan, whose outcome the page explains."""
    plans = debtor_plans(visit.debtor, limit=1)
    if plans and plans[0].status in (PlanStatus.REJECTED, PlanStatus.BROKEN):
        return plans[0]
    return None
