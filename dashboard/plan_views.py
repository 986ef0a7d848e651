"""Dashboard pages of payment plans: review proposals, follow running plans, edit the rules.

Plans are looked up by UUID through the request's organisation, so another
tenant's plan id is a 404 and nothing changes.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dashboard.access import dashboard_view
from dashboard.plan_forms import PlanPolicyForm, PlanRejectForm
from payments.models import InstalmentStatus, PaymentPlan, PlanStatus
from payments.plan_rules import approval_block, describe_approval_block, describe_reason
from payments.plan_tasks import plan_notices_send_on_commit
from payments.plans import plan_approve, plan_policy_update, plan_reject
from payments.selectors import plan_in_organization, plan_policy_for, plans_receivable_now, plans_with_status
from payt.api_errors import DomainError
from payt.dates import local_today

# How many ended plans each section of the list shows.
ENDED_PLANS_LIMIT = 50


def _get_plan(request, plan_id) -> PaymentPlan:
    plan = plan_in_organization(request.organization, plan_id)
    if plan is None:
        raise Http404("No payment plan with this id in your organisation.")
    plan.reason_texts = [describe_reason(reason) for reason in plan.review_reasons]
    _with_approval_blocks(request.organization, [plan])
    return plan


def _with_approval_blocks(organization, plans: list[PaymentPlan]) -> list[PaymentPlan]:
    """Set ``approval_block_text`` on each waiting plan whose invoices changed since the proposal, else ""."""
    waiting = [plan for plan in plans if plan.status == PlanStatus.PROPOSED]
    receivable = plans_receivable_now(organization, [plan.pk for plan in waiting])
    for plan in plans:
        plan.approval_block_text = ""
        if plan.status != PlanStatus.PROPOSED:
            continue
        block = approval_block(plan.total, receivable[plan.pk])
        if block is not None:
            plan.approval_block_text = describe_approval_block(
                block, total=plan.total, receivable_now=receivable[plan.pk], currency=plan.currency
            )
    return plans


def _with_progress(plans: list[PaymentPlan]) -> list[PaymentPlan]:
    """Set each plan's paid instalment count and next open due date, from its prefetched instalments."""
    for plan in plans:
        instalments = list(plan.instalments.all())
        plan.paid_count = sum(instalment.status == InstalmentStatus.PAID for instalment in instalments)
        open_dates = [instalment.due_date for instalment in instalments if instalment.status == InstalmentStatus.OPEN]
        plan.next_due = min(open_dates, default=None)
        plan.reason_texts = [describe_reason(reason) for reason in plan.review_reasons]
    return plans


@dashboard_view
def plan_list(request):
    organization = request.organization
    to_review = _with_progress(plans_with_status(organization, PlanStatus.PROPOSED))
    _with_approval_blocks(organization, to_review)
    context = {
        "to_review": [(plan, PlanRejectForm(auto_id=f"id_%s_{plan.pk}")) for plan in to_review],
        "active": _with_progress(plans_with_status(organization, PlanStatus.ACCEPTED)),
        "broken": _with_progress(plans_with_status(organization, PlanStatus.BROKEN, ENDED_PLANS_LIMIT)),
        "completed": _with_progress(plans_with_status(organization, PlanStatus.COMPLETED, ENDED_PLANS_LIMIT)),
        "rejected": _with_progress(plans_with_status(organization, PlanStatus.REJECTED, ENDED_PLANS_LIMIT)),
        "today": local_today(organization),
    }
    return render(request, "dashboard/plans/plan_list.html", context)


@dashboard_view
def plan_detail(request, plan_id):
    plan = _get_plan(request, plan_id)
    context = {"plan": plan, "form": PlanRejectForm(), "today": local_today(request.organization)}
    return render(request, "dashboard/plans/plan_detail.html", context)


@dashboard_view
@require_POST
def plan_approve_view(request, plan_id):
    plan = _get_plan(request, plan_id)
    try:
        outcome = plan_approve(plan=plan, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("dashboard:plan", plan_id=plan.pk)

    plan_notices_send_on_commit(request.organization.pk, outcome.notice_ids)
    messages.success(request, _("The payment plan of %(debtor)s is accepted.") % {"debtor": plan.debtor.name})
    return redirect("dashboard:plans")


@dashboard_view
@require_POST
def plan_reject_view(request, plan_id):
    plan = _get_plan(request, plan_id)
    form = PlanRejectForm(request.POST)
    if form.is_valid():
        try:
            outcome = plan_reject(plan=plan, user=request.user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_error("reason" if error.field == "reason" else None, error.message)
        else:
            plan_notices_send_on_commit(request.organization.pk, outcome.notice_ids)
            messages.success(request, _("The payment plan of %(debtor)s is rejected.") % {"debtor": plan.debtor.name})
            return redirect("dashboard:plans")
    context = {
        "plan": plan,
        "form": form,
        "today": local_today(request.organization),
        "language_next": reverse("dashboard:plan", args=[plan.pk]),
    }
    return render(request, "dashboard/plans/plan_detail.html", context, status=400)


@dashboard_view(admin=True)
def plan_rules(request):
    organization = request.organization
    policy = plan_policy_for(organization)
    form = PlanPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in PlanPolicyForm.Meta.fields}
        plan_policy_update(organization=organization, actor=request.user, **fields)
        messages.success(request, _("Payment plan rules saved."))
        return redirect("dashboard:plan_rules")
    return render(request, "dashboard/plans/plan_rules.html", {"form": form}, status=400 if form.errors else 200)
