"""Mollie checkouts for the instalments of payment plans.

Mollie expires a checkout that is not completed (how soon depends on the
payment method), so the checkout made when a plan was accepted may be gone
by the time the debtor pays. The portal's pay button therefore calls
``instalment_checkout_start`` again. It reuses a checkout that Mollie still
reports open for the same amount, or starts a new one for what is open on
the instalment. The webhook applies these payments like any other portal
payment, and ``payments.plans.plan_refresh`` then marks the instalment paid.
A checkout is reused only when it returns to the page in the language asked
for, because its redirect URL carries the language the portal was shown in.
"""

import logging
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from mollie.api.error import Error as MollieError
from mollie.api.error import ResponseError
from rest_framework import status as http_status

from invoices.models import Invoice
from payments.models import (
    Instalment,
    InstalmentStatus,
    MolliePayment,
    MolliePaymentLine,
    MolliePaymentStatus,
    PaymentPlan,
    PlanStatus,
)
from payments.mollie_client import amount_payload, mollie_client, mollie_locale
from payments.plan_progress import plan_refresh
from payments.selectors import plan_open_amount
from payt.api_errors import DomainError
from payt.money import ZERO
from portal.services import portal_payment_return_url

logger = logging.getLogger(__name__)


def instalment_checkout_start(*, instalment: Instalment, language: str | None = None) -> MolliePayment:
    """Return a Mollie payment with a checkout URL for what is open on ``instalment``.

    The amount is recomputed from the instalment and goes to the plan's
    invoices, oldest due first. Our rows are committed before Mollie is
    called, and the call carries our row's id as idempotency key. Raises
    DomainError: instalment_not_payable when the plan no longer runs, the
    instalment is paid or nothing is owed on the plan's invoices any more,
    mollie_unavailable (502) when Mollie fails.

    The plan is refreshed first, so money that reached its invoices outside
    Mollie (a bank transfer, an allocation, a credit note) counts.
    """
    plan_refresh(plan_id=instalment.plan_id)
    instalment = Instalment.objects.select_related("plan", "mollie_payment").get(pk=instalment.pk)
    _check_owed(instalment.plan)
    _check_payable(instalment)
    reusable = _reusable_checkout(instalment, language)
    if reusable is not None:
        return reusable

    mollie_payment, instalment = _checkout_record(instalment_id=instalment.pk)
    request = _checkout_request(mollie_payment, instalment, language)
    try:
        remote = mollie_client().payments.create(request, idempotency_key=str(mollie_payment.pk))
    except MollieError as error:
        MolliePayment.objects.filter(pk=mollie_payment.pk).update(status=MolliePaymentStatus.CREATE_FAILED)
        level = logging.ERROR if isinstance(error, ResponseError) else logging.WARNING
        logger.log(level, "Creating the Mollie payment %s of instalment %s failed: %s", mollie_payment.pk,
                   instalment.pk, error)
        raise DomainError(
            gettext("The payment could not be started. Please try again in a few minutes."),
            code="mollie_unavailable",
            status_code=http_status.HTTP_502_BAD_GATEWAY,
        ) from error

    MolliePayment.objects.filter(pk=mollie_payment.pk).update(
        mollie_id=remote.id, checkout_url=remote.checkout_url or "", status=remote.status
    )
    mollie_payment.refresh_from_db()
    logger.info("Started Mollie payment %s (%s) for instalment %s", mollie_payment.pk, remote.id, instalment.pk)
    return mollie_payment


def _reusable_checkout(instalment: Instalment, language: str | None) -> MolliePayment | None:
    """Return the instalment's latest checkout if Mollie still has it open for the open amount.

    The checkout must also return to the page in ``language``. The checkout
    made when the plan was accepted has no language, so a debtor who picked
    one in the portal gets a new checkout.

    NOTE: a checkout that is not reused stays open at Mollie until it
    expires. If the debtor still pays it, the webhook applies that payment
    to the plan's invoices like the new one.
    """
    current = instalment.mollie_payment
    if current is None or current.status != MolliePaymentStatus.OPEN or not current.mollie_id:
        return None
    if not current.checkout_url or current.amount != instalment.open_amount:
        return None
    try:
        remote = mollie_client().payments.get(current.mollie_id)
    except MollieError as error:
        logger.warning("Could not check Mollie payment %s for reuse: %s", current.mollie_id, error)
        return None
    return_url = portal_payment_return_url(
        debtor=instalment.plan.debtor, mollie_payment_id=current.pk, language=language
    )
    if remote.status == MolliePaymentStatus.OPEN and remote.checkout_url and remote.redirect_url == return_url:
        return current
    return None


def _check_owed(plan: PaymentPlan) -> None:
    if plan.status == PlanStatus.COMPLETED or plan_open_amount(plan) <= 0:
        raise DomainError(
            gettext("Nothing is owed on this payment plan any more, so there is nothing to pay."),
            code="instalment_not_payable",
            field="instalment",
        )


def _check_payable(instalment: Instalment) -> None:
    if instalment.plan.status != PlanStatus.ACCEPTED or instalment.status != InstalmentStatus.OPEN:
        raise DomainError(
            gettext("This instalment cannot be paid any more. Reload the page to see your payment plan."),
            code="instalment_not_payable",
            field="instalment",
        )


@transaction.atomic
def _checkout_record(*, instalment_id) -> tuple[MolliePayment, Instalment]:
    plan_id = Instalment.objects.values_list("plan_id", flat=True).get(pk=instalment_id)
    plan = PaymentPlan.objects.select_related("debtor__organization").get(pk=plan_id)
    # The invoices are locked before the instalment, in the order the webhook
    # uses (invoices, then the plan and its instalments), so the two wait for
    # each other instead of deadlocking.
    invoices = _lock_open_invoices(plan)
    instalment = Instalment.objects.select_for_update().get(pk=instalment_id)
    # Read the plan again: it may have been broken while this call waited for the locks.
    plan = PaymentPlan.objects.select_related("debtor__organization").get(pk=plan_id)
    instalment.plan = plan
    _check_payable(instalment)

    lines = _lines_for(instalment, invoices)
    amount = sum((share for _invoice, share in lines), ZERO)
    if amount <= 0:
        raise DomainError(
            gettext("Nothing is open on the invoices of this payment plan."),
            code="instalment_not_payable",
            field="instalment",
        )
    mollie_payment = MolliePayment.objects.create(
        organization_id=plan.organization_id,
        debtor=plan.debtor,
        amount=amount,
        currency=plan.currency,
        status=MolliePaymentStatus.OPEN,
    )
    MolliePaymentLine.objects.bulk_create(
        MolliePaymentLine(
            organization_id=plan.organization_id, mollie_payment=mollie_payment, invoice=invoice, amount=share
        )
        for invoice, share in lines
    )
    instalment.mollie_payment = mollie_payment
    instalment.save(update_fields=["mollie_payment"])
    return mollie_payment, instalment


def _lock_open_invoices(plan: PaymentPlan) -> list[Invoice]:
    return list(
        Invoice.objects.for_organization(plan.organization_id)
        .filter(payment_plan_lines__plan=plan, open_amount__gt=0)
        .select_for_update(of=("self",))
        .order_by("due_date", "number")
    )


def _lines_for(instalment: Instalment, invoices: list[Invoice]) -> list[tuple[Invoice, Decimal]]:
    """Return a line for every open invoice of the plan, oldest due first, with this instalment's share.

    The share assumes the earlier open instalments are paid first, so
    instalment 2 shows the invoices that instalment 1 does not reach. Every
    open invoice gets a line, some with a share of zero, because the payment
    is allocated over the line invoices when it arrives: by then an earlier
    instalment or a bank transfer may have settled the oldest ones.
    """
    earlier = instalment.plan.instalments.filter(status=InstalmentStatus.OPEN, sequence__lt=instalment.sequence)
    to_skip = sum((earlier_instalment.open_amount for earlier_instalment in earlier), ZERO)
    remaining = instalment.open_amount
    lines = []
    for invoice in invoices:
        skipped = min(to_skip, invoice.open_amount)
        to_skip -= skipped
        share = min(invoice.open_amount - skipped, remaining)
        remaining -= share
        lines.append((invoice, share))
    return lines


def _checkout_request(mollie_payment: MolliePayment, instalment: Instalment, language: str | None) -> dict:
    plan = instalment.plan
    debtor = plan.debtor
    with translation.override(language or debtor.language):
        description = gettext("Instalment %(sequence)s of %(count)s, payment plan") % {
            "sequence": instalment.sequence,
            "count": plan.instalment_count,
        }
    return {
        "amount": amount_payload(mollie_payment.amount, mollie_payment.currency),
        "description": description,
        "redirectUrl": portal_payment_return_url(
            debtor=debtor, mollie_payment_id=mollie_payment.pk, language=language
        ),
        "webhookUrl": settings.BASE_URL + reverse("payments:mollie_webhook"),
        "locale": mollie_locale(language or debtor.language, debtor.country),
        "metadata": {
            "organization_id": str(debtor.organization_id),
            "mollie_payment_uuid": str(mollie_payment.pk),
            "instalment_id": str(instalment.pk),
        },
    }
