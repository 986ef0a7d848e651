"""Reads of Mollie payments, the payment methods Mollie offers, and payment plans."""

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max, Prefetch, Q, QuerySet, Sum
from mollie.api.error import Error as MollieError

from debtors.models import Debtor
from invoices.models import Invoice
from payments.models import (
    OPEN_PLAN_STATUSES,
    Instalment,
    MolliePayment,
    MolliePaymentLine,
    PaymentPlan,
    PaymentPlanInvoice,
    PaymentPlanPolicy,
    PlanNotice,
    PlanNoticeStatus,
    PlanStatus,
)
from payments.mollie_client import mollie_client
from payt.dates import local_today
from payt.models import Membership, Organization, Role
from payt.money import ZERO, format_amount
from payt.tenancy import lookup_key

logger = logging.getLogger(__name__)

METHODS_CACHE_SECONDS = 600


@dataclass(frozen=True)
class PaymentMethodChoice:
    """A payment method as Mollie lists it: its id (``ideal``) and Mollie's name for it."""

    id: str
    description: str


def mollie_payment_by_mollie_id(mollie_id: str) -> MolliePayment | None:
    """Find a payment by Mollie's id before the tenant is known (for the webhook)."""
    with lookup_key("mollie_payment_id", mollie_id):
        return (
            MolliePayment.objects_unscoped.select_related("organization")
            .filter(mollie_id=mollie_id)
            .first()
        )


def mollie_payment_of_debtor(debtor: Debtor, payment_id: uuid.UUID) -> MolliePayment | None:
    """Return the debtor's payment with our id ``payment_id``; None for any other id."""
    return MolliePayment.objects.filter(pk=payment_id, debtor=debtor).first()


def chargeback_worklist(organization: Organization) -> QuerySet[MolliePayment]:
    """Payments with a chargeback, newest first: the operator's chargeback work-list."""
    lines = MolliePaymentLine.objects.for_organization(organization).select_related("invoice")
    return (
        MolliePayment.objects.for_organization(organization)
        .filter(charged_back_at__isnull=False)
        .select_related("debtor")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("-charged_back_at")
    )


# Payment plans


def plan_policy_for(organization: Organization) -> PaymentPlanPolicy:
    """Return the organisation's plan rules, or the defaults (unsaved) when it has none."""
    policy = PaymentPlanPolicy.objects.for_organization(organization).first()
    return policy or PaymentPlanPolicy(organization=organization)


def debtor_open_plan(debtor: Debtor) -> PaymentPlan | None:
    """Return the debtor's plan that waits for review or runs, if any (at most one exists)."""
    return (
        PaymentPlan.objects.for_organization(debtor.organization_id)
        .filter(debtor=debtor, status__in=OPEN_PLAN_STATUSES)
        .first()
    )


def debtor_plans(debtor: Debtor, limit: int = 10) -> list[PaymentPlan]:
    """Return the debtor's plans, newest first, with their instalments."""
    return list(
        PaymentPlan.objects.for_organization(debtor.organization_id)
        .filter(debtor=debtor)
        .prefetch_related(Prefetch("instalments", queryset=Instalment.objects.order_by("sequence")))
        .order_by("-created_at")[:limit]
    )


def debtor_last_broken_on(debtor: Debtor) -> dt.date | None:
    """Return the local date on which the debtor's most recently broken plan was broken."""
    ended_at = (
        PaymentPlan.objects.for_organization(debtor.organization_id)
        .filter(debtor=debtor, status=PlanStatus.BROKEN, ended_at__isnull=False)
        .aggregate(last=Max("ended_at"))["last"]
    )
    return local_today(debtor.organization, ended_at) if ended_at else None


def plan_in_organization(organization: Organization, plan_id) -> PaymentPlan | None:
    """Return the organisation's plan with this id, with debtor, invoices and instalments loaded."""
    return (
        PaymentPlan.objects.for_organization(organization)
        .select_related("debtor", "decided_by", "proposed_by_user")
        .prefetch_related(
            Prefetch("instalments", queryset=Instalment.objects.order_by("sequence")),
            Prefetch("plan_invoices", queryset=PaymentPlanInvoice.objects.select_related("invoice")),
        )
        .filter(pk=plan_id)
        .first()
    )


def plans_with_status(organization: Organization, status: str, limit: int | None = None) -> list[PaymentPlan]:
    """Return the organisation's plans in ``status``: oldest first for review, else newest first."""
    order = "created_at" if status == PlanStatus.PROPOSED else "-created_at"
    plans = (
        PaymentPlan.objects.for_organization(organization)
        .filter(status=status)
        .select_related("debtor", "decided_by")
        .prefetch_related(Prefetch("instalments", queryset=Instalment.objects.order_by("sequence")))
        .order_by(order)
    )
    return list(plans[:limit] if limit else plans)


def plan_ids_to_check(organization: Organization) -> list:
    """Return the ids of the organisation's running plans, for the daily run."""
    plans = PaymentPlan.objects.for_organization(organization).filter(status=PlanStatus.ACCEPTED)
    return list(plans.order_by("created_at").values_list("pk", flat=True))


def running_plan_ids_for_invoices(organization: Organization, invoice_ids) -> list:
    """Return the ids of running plans that cover any of these invoices."""
    lines = PaymentPlanInvoice.objects.for_organization(organization).filter(
        invoice_id__in=invoice_ids, plan__status=PlanStatus.ACCEPTED
    )
    return list(lines.values_list("plan_id", flat=True).distinct())


def plan_open_amount(plan: PaymentPlan) -> Decimal:
    """Return what is still open today on the invoices the plan covers."""
    invoices = Invoice.objects.for_organization(plan.organization_id).filter(
        payment_plan_lines__plan=plan
    )
    return invoices.aggregate(total=Sum("open_amount"))["total"] or Decimal("0.00")


def plans_receivable_now(organization: Organization, plan_ids) -> dict:
    """Return per plan id what is receivable now on its invoices: the open amounts of those not cancelled."""
    rows = (
        PaymentPlanInvoice.objects.for_organization(organization)
        .filter(plan_id__in=list(plan_ids))
        .values("plan_id")
        .annotate(receivable=Sum("invoice__open_amount", filter=Q(invoice__cancelled_at__isnull=True)))
    )
    receivable = dict.fromkeys(plan_ids, ZERO)
    for row in rows:
        receivable[row["plan_id"]] = row["receivable"] or ZERO
    return receivable


def instalment_of_debtor(debtor: Debtor, instalment_id) -> Instalment | None:
    """Return the debtor's instalment with this id; None for any other id."""
    return (
        Instalment.objects.for_organization(debtor.organization_id)
        .select_related("plan", "mollie_payment")
        .filter(pk=instalment_id, plan__debtor=debtor)
        .first()
    )


def queued_plan_notice_ids(organization: Organization) -> list:
    """Return the ids of the organisation's plan e-mails waiting to be sent, oldest first."""
    notices = PlanNotice.objects.for_organization(organization).filter(status=PlanNoticeStatus.QUEUED)
    return list(notices.order_by("created_at").values_list("pk", flat=True))


def credit_controller_emails(organization: Organization) -> list[str]:
    """Return the e-mail addresses of the organisation's administrators and credit controllers.

    Falls back to the organisation's contact address when no member has one.
    """
    memberships = Membership.objects.for_organization(organization).filter(
        role__in=[Role.ADMIN, Role.CREDIT_CONTROLLER], user__is_active=True
    )
    emails = sorted({email for email in memberships.values_list("user__email", flat=True) if email})
    if not emails and organization.email:
        return [organization.email]
    return emails


def charged_back_invoice_ids(invoice_ids) -> set:
    """Return the ids among ``invoice_ids`` of invoices that a Mollie chargeback reopened."""
    return set(
        MolliePaymentLine.objects.filter(
            invoice_id__in=list(invoice_ids), mollie_payment__charged_back_at__isnull=False
        )
        .values_list("invoice_id", flat=True)
        .distinct()
    )


def payment_methods(amount: Decimal, currency: str, locale: str) -> list[PaymentMethodChoice]:
    """Return the methods the organisation enabled in Mollie for this amount, through the client's methods call.

    An unreachable Mollie returns an empty list, so the portal offers the
    choice on Mollie's checkout page instead of failing. A successful answer
    is cached for ``METHODS_CACHE_SECONDS``, so a page view rarely waits for Mollie.
    """
    params = {"amount[value]": format_amount(amount), "amount[currency]": currency, "locale": locale}
    cache_key = "mollie-methods:" + ":".join([settings.MOLLIE_API_ENDPOINT, *params.values()])
    cached = cache.get(cache_key)
    if cached is not None:
        return cached
    try:
        methods = mollie_client().methods.list(**params)
    except MollieError as error:
        logger.warning("Listing Mollie payment methods failed: %s", error)
        return []
    choices = [PaymentMethodChoice(id=method.id, description=method.description) for method in methods]
    cache.set(cache_key, choices, METHODS_CACHE_SECONDS)
    return choices
