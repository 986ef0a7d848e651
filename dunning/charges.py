"""Collection costs and fees as lines of their own on an invoice: when they may be charged, and waiving them.

Costs are charged by the daily run, never at planning time, so that a
message skipped because the invoice was paid in the meantime charges
nothing:

- a business debtor: the step's costs once that step has gone out (the
  fixed compensation is owed from the day after the due date anyway);
- a consumer: statutory collection costs only after a 14-day letter whose
  term has passed unpaid, computed on the claims of that letter that are
  still open, never more than the letter stated. A fixed fee or costs on any
  other step are not charged to a consumer.

Payments go to open charges before the principal (art. 6:44 BW); see
``invoices.services``.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from debtors.models import DebtorKind, TimelineKind
from debtors.services import timeline_record
from dunning.models import ActionStatus, Charge, ChargeKind, DunningAction, FourteenDayLetter, StepCosts
from invoices.models import Invoice
from payt.api_errors import DomainError
from payt.money import ZERO, format_amount, to_money

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")


@dataclass
class ChargeLog:
    """The charges one run created, for the run log."""

    charges: list[Charge] = field(default_factory=list)


def debtor_kind_for_law(debtor) -> str:
    """Return "consumer" or "business", the two kinds the late-payment rules know."""
    return "consumer" if debtor.kind == DebtorKind.CONSUMER else "business"


def law_country(debtor, organization) -> str:
    """Return the country whose late-payment rules apply: the debtor's when known, else the organisation's."""
    country = (debtor.country or "").upper()
    return country if country in {"NL", "BE", "FR", "DE", "GB"} else organization.country


@dataclass(frozen=True)
class NoCosts:
    """The result of ``statutory_costs`` when no statutory scale fits the claim: nothing to charge."""

    note: str
    amount: Decimal = ZERO
    vat: Decimal = ZERO
    legal_basis: str = ""


def statutory_costs(*, debtor, organization, principal: Decimal, currency: str):
    """Return the statutory collection costs (amount and breakdown) on ``principal`` for ``debtor``.

    The debtor's country decides, unless its scale is set in another currency
    than the claim (a British debtor billed in euros). In that case the
    organisation's country decides. When neither fits, the result charges
    nothing and its note gives the reason.
    """
    from dunning.calculation import CalculationError
    from dunning.costs import collection_costs

    countries = dict.fromkeys([law_country(debtor, organization), organization.country])
    for country in countries:
        try:
            return collection_costs(
                country=country,
                debtor_kind=debtor_kind_for_law(debtor),
                principal=principal,
                currency=currency,
                vat_not_deductible=organization.vat_not_deductible,
            )
        except CalculationError as error:
            reason = str(error)
    logger.warning("No statutory collection costs for debtor %s in %s: %s", debtor.pk, currency, reason)
    return NoCosts(note=reason)


def charges_apply(*, organization, run_date: dt.date, log: ChargeLog) -> None:
    """Charge what has become chargeable by ``run_date``: step costs of business debtors and 14-day letter costs."""
    _charge_fourteen_day_letters(organization, run_date, log)
    _charge_sent_business_steps(organization, run_date, log)


def _charge_fourteen_day_letters(organization, run_date: dt.date, log: ChargeLog) -> None:
    letters = FourteenDayLetter.objects.for_organization(organization).filter(
        term_ends_on__lt=run_date, costs_charged_at__isnull=True
    )
    for letter in letters.select_related("debtor"):
        claims = list(
            Invoice.objects.for_organization(organization)
            .filter(debtor=letter.debtor, number__in=letter.invoice_numbers, open_amount__gt=0)
            .order_by("due_date", "number")
        )
        principal = sum((claim.open_amount for claim in claims), ZERO)
        if principal > 0:
            costs = statutory_costs(
                debtor=letter.debtor, organization=organization, principal=principal, currency=letter.currency
            )
            amount = min(to_money(costs.amount), letter.costs_amount)
            for claim, share in zip(claims, split_pro_rata(amount, [c.open_amount for c in claims]), strict=True):
                _charge(claim, ChargeKind.COLLECTION_COSTS, share, run_date, log, basis=_letter_basis(letter, costs))
        FourteenDayLetter.objects.filter(pk=letter.pk).update(costs_charged_at=timezone.now())


def _letter_basis(letter: FourteenDayLetter, costs) -> dict:
    return {
        "fourteen_day_letter": str(letter.pk),
        "sent_on": letter.sent_on.isoformat(),
        "term_ends_on": letter.term_ends_on.isoformat(),
        "legal_basis": costs.legal_basis,
    }


def _charge_sent_business_steps(organization, run_date: dt.date, log: ChargeLog) -> None:
    actions = (
        DunningAction.objects.for_organization(organization)
        .filter(status=ActionStatus.SENT, step__costs__in=[StepCosts.FIXED, StepCosts.STATUTORY])
        .exclude(invoice__debtor__kind=DebtorKind.CONSUMER)
        .filter(invoice__open_amount__gt=0)
        .exclude(invoice__charges__kind__in=[ChargeKind.COLLECTION_COSTS, ChargeKind.FIXED_FEE])
        .select_related("invoice__debtor", "step")
    )
    statutory_by_message: dict = {}
    for action in actions:
        invoice = action.invoice
        if action.step.costs == StepCosts.FIXED and action.step.fixed_fee:
            basis = {"step": str(action.step.pk), "legal_basis": "fixed reminder fee of the workflow step"}
            _charge(invoice, ChargeKind.FIXED_FEE, action.step.fixed_fee, run_date, log, basis=basis)
        elif action.step.costs == StepCosts.STATUTORY:
            statutory_by_message.setdefault(action.message_id, []).append(action)

    for group in statutory_by_message.values():
        debtor = group[0].invoice.debtor
        claims = [(action.invoice, action.open_amount) for action in group]
        amounts = business_costs(debtor, organization, claims)
        legal_basis = statutory_costs(
            debtor=debtor, organization=organization, principal=claims[0][1], currency=claims[0][0].currency
        ).legal_basis
        for action in group:
            basis = {"step": str(action.step.pk), "legal_basis": legal_basis, "claims": len(group)}
            _charge(action.invoice, ChargeKind.COLLECTION_COSTS, amounts[action.invoice.pk], run_date, log, basis=basis)


def business_costs(debtor, organization, claims: list[tuple[Invoice, Decimal]]) -> dict:
    """Return {invoice id: statutory costs} for a business debtor's claims named in one message.

    Under Dutch law the BIK scale is applied once to the claims' summed
    principal and the result is shared pro rata. Elsewhere the fixed
    compensation is owed per invoice.
    """
    if not claims:
        return {}
    currency = claims[0][0].currency
    if law_country(debtor, organization) == "NL":
        total = sum((principal for _, principal in claims), ZERO)
        costs = statutory_costs(debtor=debtor, organization=organization, principal=total, currency=currency)
        shares = split_pro_rata(to_money(costs.amount), [principal for _, principal in claims])
        return {invoice.pk: share for (invoice, _), share in zip(claims, shares, strict=True)}
    return {
        invoice.pk: to_money(
            statutory_costs(debtor=debtor, organization=organization, principal=principal, currency=currency).amount
        )
        for invoice, principal in claims
    }


def split_pro_rata(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``amount`` in cents over ``weights``; the rounding remainder goes to the last share."""
    total = sum(weights, ZERO)
    if not weights or total <= 0:
        return []
    shares = [(amount * weight / total).quantize(CENT) for weight in weights[:-1]]
    return shares + [amount - sum(shares, ZERO)]


def _charge(invoice: Invoice, kind: str, amount: Decimal, run_date: dt.date, log: ChargeLog, basis: dict) -> None:
    if amount <= 0:
        return
    try:
        with transaction.atomic():
            charge = Charge.objects.create(
                organization_id=invoice.organization_id,
                invoice=invoice,
                kind=kind,
                amount=amount,
                open_amount=amount,
                currency=invoice.currency,
                charged_on=run_date,
                basis=basis,
            )
    except IntegrityError:
        logger.info("Invoice %s already carries a %s charge; not charged again", invoice.pk, kind)
        return
    log.charges.append(charge)
    timeline_record(
        debtor=invoice.debtor,
        invoice=invoice,
        kind=TimelineKind.CHARGE,
        summary=f"{kind} charged: {invoice.currency} {format_amount(amount)}",
        data={
            "event": "charged",
            "charge": kind,
            "amount": format_amount(amount),
            "currency": invoice.currency,
            "number": invoice.number,
        },
    )


@transaction.atomic
def charge_waive(*, charge: Charge, reason: str, user=None) -> Charge:
    """Waive what is still open of a charge; the reason is required and goes on the timeline."""
    if not reason.strip():
        raise DomainError("Say why the costs are waived.", code="required", field="reason")
    charge = Charge.objects.select_for_update().select_related("invoice__debtor").get(pk=charge.pk)
    if charge.waived_at is not None:
        raise DomainError("These costs were waived already.", code="already_waived", field="charge")
    if charge.open_amount <= 0:
        raise DomainError(
            "Nothing is open on these costs, so there is nothing to waive.", code="nothing_open", field="charge"
        )

    waived = charge.open_amount
    charge.waived_at = timezone.now()
    charge.waived_by = user
    charge.waive_reason = reason[:300]
    charge.open_amount = ZERO
    charge.save(update_fields=["waived_at", "waived_by", "waive_reason", "open_amount"])
    timeline_record(
        debtor=charge.invoice.debtor,
        invoice=charge.invoice,
        kind=TimelineKind.CHARGE,
        summary=f"{charge.kind} waived: {charge.currency} {format_amount(waived)}",
        data={
            "event": "waived",
            "charge": charge.kind,
            "amount": format_amount(waived),
            "currency": charge.currency,
            "number": charge.invoice.number,
            "text": reason,
            "by": getattr(user, "email", ""),
        },
    )
    return charge


def interest_book(*, invoice: Invoice, on_date: dt.date) -> Charge | None:
    """Book the statutory interest claimed on ``invoice`` up to ``on_date`` as its interest line.

    Interest is claimed once a sent step of the invoice showed it. The line
    grows to the interest on the open principal from the day after the due
    date to ``on_date``, so a later payment adds only what accrued since. Called
    in the payment's transaction, before the payment is allocated, so that
    the payment goes to costs, then interest, then principal (art. 6:44 BW).
    NOTE: after a part payment the interest of the earlier days is computed
    on the lower principal, which claims less than the law allows, never more.
    """
    from dunning.selectors import interest_to_date

    claimed = DunningAction.objects.filter(invoice=invoice, status=ActionStatus.SENT, step__show_interest=True).exists()
    if not claimed:
        return None
    accrued = interest_to_date(invoice, on_date, shown=True)
    charge = Charge.objects.filter(invoice=invoice, kind=ChargeKind.INTEREST, waived_at__isnull=True).first()
    booked = charge.amount if charge else ZERO
    if accrued <= booked:
        return charge

    added = accrued - booked
    if charge is None:
        return Charge.objects.create(
            organization_id=invoice.organization_id,
            invoice=invoice,
            kind=ChargeKind.INTEREST,
            amount=added,
            open_amount=added,
            currency=invoice.currency,
            charged_on=on_date,
            basis={"interest_to": on_date.isoformat(), "legal_basis": "statutory interest"},
        )
    Charge.objects.filter(pk=charge.pk).update(
        amount=charge.amount + added,
        open_amount=charge.open_amount + added,
        basis={**charge.basis, "interest_to": on_date.isoformat()},
    )
    charge.refresh_from_db()
    return charge
