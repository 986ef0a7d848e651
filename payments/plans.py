"""Writes of payment plans: propose, approve or reject, and the organisation's plan rules.

A plan covers some of a debtor's open invoices. While it runs, a
PAYMENT_PLAN hold on each covered invoice stops normal dunning.
``payments.plan_progress`` follows a running plan: payments, reminders,
the break after a missed instalment, completion.

E-mails are written to the ``PlanNotice`` outbox in the same transaction as
the change they report. Callers pass the returned notice ids to
``payments.plan_tasks.plan_notices_send_on_commit``, and the hourly plan run
sends any notice still queued.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext

from debtors.models import Debtor
from dunning.holds import hold_place
from dunning.models import HoldReason
from invoices.models import DocumentKind, Invoice
from payments import plan_notices
from payments.models import (
    INSTALMENTS_HARD_LIMIT,
    Instalment,
    InstalmentStatus,
    PaymentPlan,
    PaymentPlanInvoice,
    PaymentPlanPolicy,
    PlanNoticeKind,
    PlanProposer,
    PlanStatus,
)
from payments.plan_checkout import instalment_checkout_start
from payments.plan_progress import notice_ids_of, plan_event_record, plan_summary
from payments.plan_rules import (
    MIN_INSTALMENTS,
    ReviewReason,
    approval_block,
    describe_approval_block,
    instalment_due_dates,
    review_reasons,
    split_instalments,
)
from payments.selectors import (
    debtor_last_broken_on,
    debtor_open_plan,
    plan_policy_for,
)
from payt.api_errors import DomainError
from payt.dates import local_today
from payt.models import Organization
from payt.money import ZERO, format_amount, to_money
from payt.services import audit_record

logger = logging.getLogger(__name__)

# The first instalment may be at most this far away, whatever the rules say.
FIRST_DATE_HARD_LIMIT_DAYS = 365
REASON_MAX_LENGTH = 2000


@dataclass
class PlanOutcome:
    """A plan after a service call, and the ids of the e-mails that the call queued."""

    plan: PaymentPlan
    notice_ids: list = field(default_factory=list)


@dataclass(frozen=True)
class PlanTerms:
    """A checked proposal: the invoices, the instalments it makes, and the rules it breaks."""

    invoices: list[Invoice]
    total: Decimal
    currency: str
    amounts: list[Decimal]
    due_dates: list[dt.date]
    interval: str
    reasons: list[ReviewReason]

    @property
    def accepted_at_once(self) -> bool:
        return not self.reasons

    @property
    def schedule(self) -> list[tuple[int, dt.date, Decimal]]:
        return list(zip(range(1, len(self.amounts) + 1), self.due_dates, self.amounts, strict=True))


# Proposing


def plan_propose(
    *,
    debtor: Debtor,
    invoices: list[Invoice],
    instalment_count: int,
    first_due_date: dt.date,
    proposed_by: str = PlanProposer.DEBTOR,
    user=None,
) -> PlanOutcome:
    """Record a proposed plan for ``invoices`` and decide on it by the organisation's rules.

    A debtor's proposal that breaks no rule is accepted at once; otherwise it
    waits for a credit controller, with the broken rules as review reasons.
    A credit controller's proposal is accepted at once. An accepted plan gets
    a Mollie checkout per instalment after the commit. Mollie being down does
    not undo the plan, because the portal starts a checkout again on "pay".

    Raises DomainError, naming the field, for a count outside 2 to 24, a first
    date in the past or more than a year away, invoices that cannot be in a
    plan, and a debtor who already has a plan waiting or running.
    """
    outcome = _plan_record(
        debtor=debtor,
        invoices=invoices,
        instalment_count=instalment_count,
        first_due_date=first_due_date,
        proposed_by=proposed_by,
        user=user,
    )
    if outcome.plan.status == PlanStatus.ACCEPTED:
        instalment_checkouts_create(plan=outcome.plan)
    return outcome


def plan_preview(
    *, debtor: Debtor, invoices: list[Invoice], instalment_count: int, first_due_date: dt.date
) -> PlanTerms:
    """Return what a debtor's proposal would be and whether it would be accepted at once.

    Writes nothing; raises the same DomainErrors as ``plan_propose``.
    """
    invoices = _plan_invoices(debtor, invoices, lock=False)
    return _plan_terms(debtor, invoices, instalment_count, first_due_date, PlanProposer.DEBTOR)


def _plan_terms(debtor: Debtor, invoices, instalment_count: int, first_due_date: dt.date, proposed_by) -> PlanTerms:
    organization = debtor.organization
    today = local_today(organization)
    policy = plan_policy_for(organization)
    _check_instalment_count(instalment_count)
    _check_first_due_date(first_due_date, today)
    _check_no_open_plan(debtor)

    # TODO: open collection costs and interest (dunning.Charge) are not in the
    # total, because payments are not allocated to charges yet; add them then.
    total = to_money(sum((invoice.open_amount for invoice in invoices), ZERO))
    currency = invoices[0].currency
    amounts = _split(total, instalment_count, currency)
    reasons = []
    if proposed_by == PlanProposer.DEBTOR:
        reasons = review_reasons(
            policy,
            total=total,
            currency=currency,
            amounts=amounts,
            first_due_date=first_due_date,
            today=today,
            last_broken_on=debtor_last_broken_on(debtor),
        )
    return PlanTerms(
        invoices=invoices,
        total=total,
        currency=currency,
        amounts=amounts,
        due_dates=instalment_due_dates(first_due_date, instalment_count, policy.interval),
        interval=policy.interval,
        reasons=reasons,
    )


@transaction.atomic
def _plan_record(
    *, debtor: Debtor, invoices, instalment_count: int, first_due_date: dt.date, proposed_by: str, user
) -> PlanOutcome:
    locked = _plan_invoices(debtor, invoices, lock=True)
    terms = _plan_terms(debtor, locked, instalment_count, first_due_date, proposed_by)
    plan = _plan_create(debtor=debtor, terms=terms, proposed_by=proposed_by, user=user)
    plan_event_record(plan, "plan_proposed", f"Payment plan proposed: {plan_summary(plan)}", proposed_by=proposed_by)

    if terms.reasons:
        notice = plan_notices.notice_for_controllers(plan=plan, kind=PlanNoticeKind.PLAN_REVIEW)
        return PlanOutcome(plan, notice_ids_of(notice))
    return PlanOutcome(plan, _accept(plan, user=user))


def _check_instalment_count(count: int) -> None:
    if not MIN_INSTALMENTS <= count <= INSTALMENTS_HARD_LIMIT:
        raise DomainError(
            gettext("%(count)s instalments is not possible; choose from %(min)s to %(max)s.")
            % {"count": count, "min": MIN_INSTALMENTS, "max": INSTALMENTS_HARD_LIMIT},
            code="invalid_instalment_count",
            field="instalment_count",
        )


def _check_first_due_date(first_due_date: dt.date, today: dt.date) -> None:
    latest = today + dt.timedelta(days=FIRST_DATE_HARD_LIMIT_DAYS)
    if first_due_date < today or first_due_date > latest:
        raise DomainError(
            gettext("The first payment date %(date)s is not possible; choose a date from %(today)s to %(latest)s.")
            % {"date": _date(first_due_date), "today": _date(today), "latest": _date(latest)},
            code="invalid_first_due_date",
            field="first_due_date",
        )


def _plan_invoices(debtor: Debtor, invoices, *, lock: bool) -> list[Invoice]:
    """Return the chosen invoices, oldest due first, after checking that they fit in one plan."""
    requested = {invoice.pk for invoice in invoices}
    if not requested:
        raise DomainError(
            gettext("Choose at least one invoice for the payment plan."), code="required", field="invoices"
        )
    chosen = Invoice.objects.for_organization(debtor.organization_id).filter(
        pk__in=requested, debtor=debtor, kind=DocumentKind.INVOICE, total_amount__gt=0, open_amount__gt=0
    )
    if lock:
        chosen = chosen.select_for_update()
    locked = list(chosen.order_by("due_date", "number"))
    if len(locked) != len(requested):
        raise DomainError(
            gettext("One of the chosen invoices cannot be in a payment plan. Reload the page and choose again."),
            code="invalid_invoices",
            field="invoices",
        )
    disputed = [invoice.number for invoice in locked if invoice.disputed_at is not None]
    if disputed:
        raise DomainError(
            gettext("Invoice %(number)s is disputed and cannot be in a payment plan until the dispute is resolved.")
            % {"number": disputed[0]},
            code="invoice_disputed",
            field="invoices",
        )
    currencies = sorted({invoice.currency for invoice in locked})
    if len(currencies) > 1:
        raise DomainError(
            gettext("Invoices in %(currencies)s cannot be in one payment plan. Choose invoices of one currency.")
            % {"currencies": ", ".join(currencies)},
            code="mixed_currencies",
            field="invoices",
        )
    return locked


def _check_no_open_plan(debtor: Debtor) -> None:
    if debtor_open_plan(debtor) is not None:
        raise DomainError(
            gettext("You already have a payment plan that is running or waiting for review."),
            code="plan_exists",
            field="invoices",
            status_code=409,
        )


def _split(total, count: int, currency: str) -> list:
    try:
        return split_instalments(total, count)
    except ValueError:
        raise DomainError(
            gettext("%(currency)s %(total)s is too small for %(count)s instalments; choose fewer.")
            % {"currency": currency, "total": format_amount(total), "count": count},
            code="total_too_small",
            field="instalment_count",
        ) from None


def _plan_create(*, debtor: Debtor, terms: PlanTerms, proposed_by: str, user) -> PaymentPlan:
    organization_id = debtor.organization_id
    try:
        # A savepoint, so a concurrent second proposal fails here with a clear error.
        with transaction.atomic():
            plan = PaymentPlan.objects.create(
                organization_id=organization_id,
                debtor=debtor,
                total=terms.total,
                currency=terms.currency,
                instalment_count=len(terms.amounts),
                first_due_date=terms.due_dates[0],
                interval=terms.interval,
                proposed_by=proposed_by,
                proposed_by_user=user,
                review_reasons=[reason.as_json() for reason in terms.reasons],
            )
    except IntegrityError:
        _check_no_open_plan(debtor)
        raise

    PaymentPlanInvoice.objects.bulk_create(
        PaymentPlanInvoice(organization_id=organization_id, plan=plan, invoice=invoice, open_amount=invoice.open_amount)
        for invoice in terms.invoices
    )
    Instalment.objects.bulk_create(
        Instalment(organization_id=organization_id, plan=plan, sequence=sequence, due_date=due_date, amount=amount)
        for sequence, due_date, amount in terms.schedule
    )
    return plan


# Deciding


def plan_approve(*, plan: PaymentPlan, user, note: str = "") -> PlanOutcome:
    """Accept a plan that waits for review, then create its instalment checkouts.

    When the first due date has passed during the review, the schedule moves
    so that the first instalment is due today. Raises DomainError
    (already_decided) when the plan no longer waits for review, and with
    status 409 when its invoices changed since the proposal: nothing_open
    when they were paid or cancelled, open_amount_changed when the open
    amount differs from the plan's total.
    """
    outcome = _plan_approve(plan=plan, user=user, note=note)
    instalment_checkouts_create(plan=outcome.plan)
    return outcome


@transaction.atomic
def _plan_approve(*, plan: PaymentPlan, user, note: str) -> PlanOutcome:
    # The claim comes first, so a plan decided already raises already_decided.
    # A DomainError from the check below rolls the claim back.
    plan = _claim_decision(plan, PlanStatus.ACCEPTED, user, note)
    _check_still_receivable(plan)
    today = local_today(plan.organization)
    if plan.first_due_date < today:
        _reschedule(plan, today)
    return PlanOutcome(plan, _accept(plan, user=user, claimed=True))


@transaction.atomic
def plan_reject(*, plan: PaymentPlan, user, reason: str) -> PlanOutcome:
    """Reject a plan that waits for review, with the reason the debtor will read.

    Raises DomainError for an empty reason (field "reason") and when the plan
    no longer waits for review (already_decided).
    """
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            gettext("Write the reason for the rejection; the debtor receives it by e-mail."),
            code="required",
            field="reason",
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise DomainError(
            gettext("The reason has %(length)s characters; shorten it to %(max)s.")
            % {"length": len(reason), "max": REASON_MAX_LENGTH},
            code="too_long",
            field="reason",
        )

    plan = _claim_decision(plan, PlanStatus.REJECTED, user, reason)
    plan.instalments.update(status=InstalmentStatus.CANCELED)
    plan_event_record(plan, "plan_rejected", f"Payment plan rejected: {reason}", text=reason, user=user)
    notice = plan_notices.notice_for_debtor(plan=plan, kind=PlanNoticeKind.PLAN_REJECTED)
    return PlanOutcome(plan, notice_ids_of(notice))


def _check_still_receivable(plan: PaymentPlan) -> None:
    """Lock the plan's invoices and reject approval when their open amount changed since the proposal."""
    invoices = (
        Invoice.objects.for_organization(plan.organization_id)
        .filter(payment_plan_lines__plan_id=plan.pk)
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    receivable_now = to_money(
        sum((invoice.open_amount for invoice in invoices if invoice.cancelled_at is None), ZERO)
    )
    block = approval_block(plan.total, receivable_now)
    if block is None:
        return
    logger.info(
        "Approval of payment plan %s rejected (%s): total %s, receivable now %s",
        plan.pk,
        block,
        plan.total,
        receivable_now,
    )
    raise DomainError(
        describe_approval_block(block, total=plan.total, receivable_now=receivable_now, currency=plan.currency),
        code=block,
        field="status",
        status_code=409,
    )


def _claim_decision(plan: PaymentPlan, status: str, user, reason: str) -> PaymentPlan:
    """Move the plan from proposed to ``status``; of two deciders only the first gets here."""
    decided = PaymentPlan.objects.filter(pk=plan.pk, status=PlanStatus.PROPOSED).update(
        status=status, decided_by=user, decided_at=timezone.now(), reason=reason
    )
    if not decided:
        raise DomainError(
            gettext("This payment plan has already been decided."), code="already_decided", field="status"
        )
    return PaymentPlan.objects.select_related("debtor__organization", "organization").get(pk=plan.pk)


def _reschedule(plan: PaymentPlan, first_due_date: dt.date) -> None:
    due_dates = instalment_due_dates(first_due_date, plan.instalment_count, plan.interval)
    for instalment, due_date in zip(plan.instalments.order_by("sequence"), due_dates, strict=True):
        Instalment.objects.filter(pk=instalment.pk).update(due_date=due_date)
    PaymentPlan.objects.filter(pk=plan.pk).update(first_due_date=first_due_date)
    plan.first_due_date = first_due_date


def _accept(plan: PaymentPlan, *, user, claimed: bool = False) -> list:
    """Make the plan run: hold dunning on its invoices and tell the debtor. Returns notice ids."""
    if not claimed:
        PaymentPlan.objects.filter(pk=plan.pk).update(
            status=PlanStatus.ACCEPTED, decided_by=user, decided_at=timezone.now()
        )
        plan.refresh_from_db()

    lines = plan.plan_invoices.select_related("invoice")
    for line in lines:
        line.hold = hold_place(
            debtor=plan.debtor,
            reason=HoldReason.PAYMENT_PLAN,
            invoice=line.invoice,
            note=f"Payment plan {plan.pk}",
            user=user,
        )
        line.save(update_fields=["hold"])

    how = "automatically" if user is None else f"by {user.get_username()}"
    plan_event_record(plan, "plan_accepted", f"Payment plan accepted {how}: {plan_summary(plan)}", user=user)
    logger.info("Payment plan %s of debtor %s accepted %s", plan.pk, plan.debtor_id, how)
    notice = plan_notices.notice_for_debtor(plan=plan, kind=PlanNoticeKind.PLAN_ACCEPTED)
    return notice_ids_of(notice)


def instalment_checkouts_create(*, plan: PaymentPlan) -> int:
    """Start a Mollie checkout for each open instalment of a running plan; return how many started.

    A failed call is logged and skipped: the portal's pay button starts it again.
    """
    started = 0
    for instalment in plan.instalments.filter(status=InstalmentStatus.OPEN).order_by("sequence"):
        try:
            instalment_checkout_start(instalment=instalment)
        except DomainError as error:
            logger.warning("No checkout for instalment %s of plan %s: %s", instalment.sequence, plan.pk, error.code)
            continue
        started += 1
    return started


def _date(value: dt.date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


# Rules


POLICY_FIELDS = (
    "max_instalments",
    "min_instalment_amount",
    "max_auto_accept_total",
    "broken_plan_lookback_days",
    "max_days_to_first_instalment",
    "grace_days",
    "interval",
)


@transaction.atomic
def plan_policy_update(*, organization: Organization, actor, **fields) -> PaymentPlanPolicy:
    """Change the organisation's payment plan rules after validation and record it in the audit log.

    Raises ValidationError, keyed by field, for values outside the allowed
    ranges. Plans already proposed keep the rules they were decided by.
    """
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise TypeError(f"Unknown payment plan rules: {', '.join(sorted(unknown))}")

    policy, _created = (
        PaymentPlanPolicy.objects.for_organization(organization)
        .select_for_update()
        .get_or_create(organization=organization)
    )
    changed = {name: value for name, value in fields.items() if getattr(policy, name) != value}
    if not changed:
        return policy

    for name, value in changed.items():
        setattr(policy, name, value)
    policy.full_clean(exclude=["organization"])
    policy.save()
    audit_record(
        organization=organization,
        actor=actor,
        action="payment_plan_policy.changed",
        target=organization.slug,
        data={name: str(value) for name, value in changed.items()},
    )
    return policy
