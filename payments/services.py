"""Writes of Mollie payments: start a payment, apply what Mollie reports, refund.

Mollie is the source of truth for a payment's state. Neither the redirect
back to the portal nor the webhook body is trusted, because both only name a
payment. That payment is fetched from the API and applied by
``mollie_payment_apply`` under a row lock. Applying the same state twice
changes nothing, so repeated and concurrent webhooks are safe.
"""

import datetime as dt
import logging
import re
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from mollie.api.error import Error as MollieError
from mollie.api.error import NotFoundError, RequestError, ResponseError, ResponseHandlingError
from mollie.api.objects.payment import Payment as RemotePayment
from mollie.api.objects.refund import Refund as RemoteRefund
from rest_framework import status as http_status

from debtors.models import Debtor
from dunning.selectors import amounts_due
from invoices.models import DocumentKind, Invoice, PaymentSource
from invoices.services import payment_register, payment_reverse
from payments import notifications
from payments.events import mollie_event_record
from payments.models import MolliePayment, MolliePaymentLine, MolliePaymentStatus
from payments.mollie_client import amount_from_payload, amount_payload, mollie_client, mollie_locale
from payments.plan_progress import plans_refresh_for_invoices
from payments.refunds import mollie_refunds_apply, mollie_refunds_fetch
from payments.selectors import mollie_payment_by_mollie_id
from payt.api_errors import DomainError
from payt.dates import local_today
from payt.money import format_amount, to_money
from payt.tenancy import tenant_context
from portal.outbox import controller_notify
from portal.services import portal_payment_return_url

logger = logging.getLogger(__name__)

MOLLIE_PAYMENT_ID_PATTERN = re.compile(r"^tr_\w{1,37}$")
DESCRIPTION_MAX_LENGTH = 255
# An open checkout younger than this is offered again instead of starting a second payment.
OPEN_PAYMENT_REUSE_WINDOW = dt.timedelta(minutes=30)

# Statuses after which the debtor's checkout is over, one way or the other.
FINISHED_STATUSES = frozenset(
    {
        MolliePaymentStatus.PAID,
        MolliePaymentStatus.CANCELED,
        MolliePaymentStatus.EXPIRED,
        MolliePaymentStatus.FAILED,
        MolliePaymentStatus.CREATE_FAILED,
    }
)


# Starting a payment


def _check_method(method: str, invoices: list[Invoice], language: str | None) -> None:
    """Refuse a payment method that Mollie does not offer for this payment (when Mollie could be asked)."""
    from payments.selectors import payment_methods

    due = amounts_due(invoices)
    total = sum((amount.total for amount in due.values()), Decimal("0.00"))
    currency = invoices[0].currency if invoices else "EUR"
    offered = payment_methods(total, currency, language or "nl")
    if offered and method not in {choice.id for choice in offered}:
        names = ", ".join(choice.description for choice in offered)
        raise DomainError(
            gettext("The payment method %(method)s is not available for this payment; choose one of: %(names)s.")
            % {"method": method, "names": names},
            code="invalid_method",
            field="method",
        )


def mollie_payment_start(
    *, debtor: Debtor, invoices: list[Invoice], language: str | None = None, method: str | None = None
) -> MolliePayment:
    """Create a Mollie payment for the open amounts of ``invoices``, with its checkout URL.

    The amount is recomputed here from what is due on each invoice today
    (``dunning.selectors.amounts_due``), never taken from the request. ``method`` sends
    the debtor straight to that Mollie payment method. Our rows
    are committed before Mollie is called, so that no invoice stays locked
    during the HTTP call. The call carries our row's id as idempotency key,
    so a retried call cannot create a second payment. When Mollie fails or
    rejects the request, the row keeps status create_failed and DomainError
    (mollie_unavailable) is raised.

    A recent payment for the same invoices and amounts that Mollie still
    reports as open is returned instead of a new one. That way a debtor who
    clicks "pay" in two tabs cannot pay the same invoice twice.

    Call it inside the debtor's tenant context.
    """
    if method:
        _check_method(method, invoices, language)
    reusable = _reusable_open_payment(debtor=debtor, invoices=invoices)
    if reusable is not None:
        logger.info("Reusing open Mollie payment %s for debtor %s", reusable.mollie_id, debtor.pk)
        return reusable

    mollie_payment, numbers = _mollie_payment_create(debtor=debtor, invoices=invoices)
    request = _payment_request(mollie_payment, numbers, debtor, language)
    if method:
        request["method"] = method
    try:
        remote = mollie_client().payments.create(request, idempotency_key=str(mollie_payment.pk))
    except MollieError as error:
        MolliePayment.objects.filter(pk=mollie_payment.pk).update(
            status=MolliePaymentStatus.CREATE_FAILED
        )
        # A rejected request (ResponseError) is our bug or configuration, not an outage.
        level = logging.ERROR if isinstance(error, ResponseError) else logging.WARNING
        logger.log(level, "Creating Mollie payment %s failed: %s", mollie_payment.pk, error)
        raise DomainError(
            gettext("The payment could not be started. Please try again in a few minutes."),
            code="mollie_unavailable",
            status_code=http_status.HTTP_502_BAD_GATEWAY,
        ) from error

    MolliePayment.objects.filter(pk=mollie_payment.pk).update(
        mollie_id=remote.id, checkout_url=remote.checkout_url or "", status=remote.status
    )
    mollie_payment.refresh_from_db()
    logger.info(
        "Started Mollie payment %s (%s) for debtor %s", mollie_payment.pk, remote.id, debtor.pk
    )
    _overlapping_payments_cancel(mollie_payment)
    return mollie_payment


def _reusable_open_payment(*, debtor: Debtor, invoices: list[Invoice]) -> MolliePayment | None:
    """Return a recent open payment for exactly these invoices and their current open amounts."""
    since = timezone.now() - OPEN_PAYMENT_REUSE_WINDOW
    due = amounts_due(invoices, local_today(debtor.organization))
    expected_lines = {invoice.pk: due[invoice.pk].total for invoice in invoices}
    candidates = (
        MolliePayment.objects.filter(
            debtor=debtor, status=MolliePaymentStatus.OPEN, mollie_id__isnull=False, created_at__gte=since
        )
        .exclude(checkout_url="")
        .prefetch_related("lines")
        .order_by("-created_at")
    )
    for candidate in candidates:
        if {line.invoice_id: line.amount for line in candidate.lines.all()} != expected_lines:
            continue
        try:
            remote = mollie_client().payments.get(candidate.mollie_id)
        except MollieError as error:
            logger.warning("Could not check Mollie payment %s for reuse: %s", candidate.mollie_id, error)
            return None
        if remote.status == MolliePaymentStatus.OPEN and remote.checkout_url:
            return candidate
    return None


def _overlapping_payments_cancel(new_payment: MolliePayment) -> None:
    """Cancel at Mollie the debtor's open checkouts that cover an invoice of ``new_payment``.

    A debtor who starts "pay A" and then "pay A and B" could otherwise pay A
    twice. Mollie cancels a payment only while ``isCancelable`` is true. A
    payment that is no longer cancelable (pending, or paid in the meantime)
    is applied as Mollie reports it. Money paid twice then stays unallocated
    on the payment and is listed on the unallocated payments page.

    NOTE: this runs after the new checkout exists, so that a failed start
    leaves the older checkout usable. An older payment found paid here was
    already counted in the new checkout's amount, and the debtor who pays
    both leaves a surplus.
    """
    invoice_ids = set(new_payment.lines.values_list("invoice_id", flat=True))
    older = (
        MolliePayment.objects.filter(
            debtor_id=new_payment.debtor_id,
            status__in=[MolliePaymentStatus.OPEN, MolliePaymentStatus.PENDING],
            mollie_id__isnull=False,
            lines__invoice_id__in=invoice_ids,
        )
        .exclude(pk=new_payment.pk)
        .distinct()
    )
    client = mollie_client()
    for candidate in older:
        try:
            remote = client.payments.get(candidate.mollie_id)
            if remote.is_cancelable:
                remote = client.payments.delete(candidate.mollie_id)
                logger.info(
                    "Canceled Mollie payment %s because payment %s covers the same invoices",
                    candidate.mollie_id,
                    new_payment.mollie_id,
                )
            else:
                logger.info(
                    "Mollie payment %s (%s) overlaps payment %s but cannot be canceled",
                    candidate.mollie_id,
                    remote.status,
                    new_payment.mollie_id,
                )
        except MollieError as error:
            logger.warning("Canceling overlapping Mollie payment %s failed: %s", candidate.mollie_id, error)
            continue
        mollie_payment_apply(mollie_payment_id=candidate.pk, remote=remote)


@transaction.atomic
def _mollie_payment_create(
    *, debtor: Debtor, invoices: list[Invoice]
) -> tuple[MolliePayment, list[str]]:
    requested_ids = {invoice.pk for invoice in invoices}
    if not requested_ids:
        raise DomainError(
            gettext("Choose at least one invoice to pay."), code="required", field="invoices"
        )
    locked = list(
        Invoice.objects.filter(pk__in=requested_ids, debtor=debtor)
        .select_for_update()
        .order_by("due_date", "number")
    )
    if len(locked) != len(requested_ids):
        raise DomainError(
            gettext(
                "One of the chosen invoices cannot be paid here. Reload the page and choose again."
            ),
            code="invalid_invoices",
            field="invoices",
        )
    _check_payable(locked)

    due = amounts_due(locked, local_today(debtor.organization))
    amount = to_money(sum((due[invoice.pk].total for invoice in locked), Decimal("0")))
    mollie_payment = MolliePayment.objects.create(
        organization_id=debtor.organization_id,
        debtor=debtor,
        amount=amount,
        currency=locked[0].currency,
        status=MolliePaymentStatus.OPEN,
    )
    MolliePaymentLine.objects.bulk_create(
        MolliePaymentLine(
            organization_id=debtor.organization_id,
            mollie_payment=mollie_payment,
            invoice=invoice,
            amount=due[invoice.pk].total,
        )
        for invoice in locked
    )
    return mollie_payment, [invoice.number for invoice in locked]


def _check_payable(invoices: list[Invoice]) -> None:
    for invoice in invoices:
        if invoice.cancelled_at is not None:
            raise DomainError(
                gettext("Invoice %(number)s was cancelled and cannot be paid.") % {"number": invoice.number},
                code="cancelled",
                field="invoices",
            )
        if (
            invoice.kind != DocumentKind.INVOICE
            or invoice.total_amount <= 0
            or invoice.open_amount <= 0
        ):
            raise DomainError(
                gettext("Invoice %(number)s has nothing left to pay.") % {"number": invoice.number},
                code="not_payable",
                field="invoices",
            )
    currencies = sorted({invoice.currency for invoice in invoices})
    if len(currencies) > 1:
        raise DomainError(
            gettext(
                "Invoices in %(currencies)s cannot be paid together. "
                "Pay the invoices of each currency separately."
            )
            % {"currencies": ", ".join(currencies)},
            code="mixed_currencies",
            field="invoices",
        )


def _payment_request(
    mollie_payment: MolliePayment, numbers: list[str], debtor: Debtor, language: str | None
) -> dict:
    description = ngettext("Invoice %(numbers)s", "Invoices %(numbers)s", len(numbers)) % {
        "numbers": ", ".join(numbers)
    }
    if len(description) > DESCRIPTION_MAX_LENGTH:
        description = description[: DESCRIPTION_MAX_LENGTH - 1] + "…"
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
        },
    }


# Applying what Mollie reports


def mollie_webhook_receive(*, mollie_id: str) -> None:
    """Fetch the payment that a webhook call names and apply it.

    An unknown or malformed id is logged and ignored, so that the caller gets
    the same response for every id. Raises DomainError (mollie_unavailable)
    when Mollie cannot be reached, so that the webhook gets an error response
    and Mollie delivers it again.
    """
    if not MOLLIE_PAYMENT_ID_PATTERN.match(mollie_id):
        logger.info("Ignored a Mollie webhook with an invalid payment id %r", mollie_id[:50])
        return
    mollie_payment = mollie_payment_by_mollie_id(mollie_id)
    if mollie_payment is None:
        logger.info("Ignored a Mollie webhook for unknown payment %s", mollie_id)
        return
    with tenant_context(mollie_payment.organization):
        mollie_payment_sync(mollie_payment=mollie_payment)


def mollie_payment_sync(*, mollie_payment: MolliePayment) -> MolliePayment:
    """Fetch the payment from Mollie, apply its state and return the updated row."""
    try:
        remote = mollie_client().payments.get(mollie_payment.mollie_id)
        remote_refunds = mollie_refunds_fetch(remote)
    except NotFoundError:
        logger.error(
            "Mollie has no payment %s (our payment %s); check the API key",
            mollie_payment.mollie_id,
            mollie_payment.pk,
        )
        return mollie_payment
    except (RequestError, ResponseHandlingError, ResponseError) as error:
        logger.warning("Fetching Mollie payment %s failed: %s", mollie_payment.mollie_id, error)
        raise DomainError(
            gettext("The payment status could not be read from Mollie."),
            code="mollie_unavailable",
            status_code=http_status.HTTP_503_SERVICE_UNAVAILABLE,
        ) from error
    return mollie_payment_apply(mollie_payment_id=mollie_payment.pk, remote=remote, remote_refunds=remote_refunds)


@transaction.atomic
def mollie_payment_apply(
    *, mollie_payment_id, remote: RemotePayment, remote_refunds: list[RemoteRefund] | None = None
) -> MolliePayment:
    """Apply a fetched Mollie payment to our row, its invoices and the debtor.

    Runs under a lock on our row, so concurrent webhooks apply in turn:
    - a newly paid payment is registered once, and the debtor gets a receipt;
    - a payment or chargeback on invoices in a running payment plan updates its instalments;
    - a new chargeback reopens the invoices by the amount not charged back before;
    - a new refund is recorded and the debtor gets a refund e-mail. A refund
      paired with a credit note leaves the invoices settled, any other refund
      reopens them (see ``payments.refunds``).

    ``remote_refunds`` are the payment's refunds as Mollie lists them; when
    None they are fetched here.
    """
    mollie_payment = (
        MolliePayment.objects.select_for_update(of=("self",))
        .select_related("debtor", "organization", "payment")
        .get(pk=mollie_payment_id)
    )
    if not _remote_matches(mollie_payment, remote):
        return mollie_payment

    if mollie_payment.status != remote.status:
        logger.info("Mollie payment %s: %s -> %s", remote.id, mollie_payment.status, remote.status)
    mollie_payment.status = remote.status
    created = _apply_paid(mollie_payment, remote)
    charged_back = _apply_chargebacks(mollie_payment, remote)
    if remote_refunds is None:
        remote_refunds = mollie_refunds_fetch(remote)
    refunds_changed = mollie_refunds_apply(mollie_payment, remote_refunds)
    mollie_payment.save(
        update_fields=[
            "status",
            "payment",
            "refunded_amount",
            "charged_back_amount",
            "charged_back_at",
            "updated_at",
        ]
    )

    if created or charged_back or refunds_changed:
        invoice_ids = mollie_payment.lines.values_list("invoice_id", flat=True)
        plans_refresh_for_invoices(organization=mollie_payment.organization, invoice_ids=list(invoice_ids))

    if created and charged_back == 0:
        payment = mollie_payment.payment
        allocations = payment.allocations.select_related("invoice").order_by("invoice__number")
        numbers = [allocation.invoice.number for allocation in allocations]
        unallocated = payment.amount - sum((allocation.amount for allocation in allocations), Decimal("0"))
        if unallocated > 0:
            logger.warning(
                "Mollie payment %s: %s of debtor %s could not be allocated; the invoices were already settled",
                mollie_payment.mollie_id, unallocated, mollie_payment.debtor_id,
            )
        notifications.receipt_send_on_commit(
            mollie_payment=mollie_payment, invoice_numbers=numbers, unallocated=unallocated
        )
    return mollie_payment


def _remote_matches(mollie_payment: MolliePayment, remote: RemotePayment) -> bool:
    amount = remote.amount or {}
    if remote.id != mollie_payment.mollie_id or amount.get("currency") != mollie_payment.currency:
        logger.error(
            "Mollie payment %s (%s) does not match our payment %s (%s, %s); nothing applied",
            remote.id,
            amount.get("currency"),
            mollie_payment.pk,
            mollie_payment.mollie_id,
            mollie_payment.currency,
        )
        return False
    return True


def _apply_paid(mollie_payment: MolliePayment, remote: RemotePayment) -> bool:
    """Register the Mollie payment as a payment of its invoices and return whether it is new."""
    if not remote.is_paid() or mollie_payment.payment_id is not None:
        return False

    amount = amount_from_payload(remote.amount)
    if amount != mollie_payment.amount:
        logger.warning(
            "Mollie payment %s paid %s, not the requested %s",
            remote.id,
            amount,
            mollie_payment.amount,
        )
    organization = mollie_payment.organization
    invoices = [line.invoice for line in mollie_payment.lines.select_related("invoice")]
    payment, created = payment_register(
        organization=organization,
        amount=amount,
        currency=mollie_payment.currency,
        payment_date=_paid_date(remote, organization),
        invoices=invoices,
        debtor=mollie_payment.debtor,
        source=PaymentSource.MOLLIE,
        reference=remote.description or "",
        external_id=remote.id,
    )
    mollie_payment.payment = payment
    return created


def _paid_date(remote: RemotePayment, organization) -> dt.date:
    try:
        paid_at = dt.datetime.fromisoformat(remote.paid_at)
    except (TypeError, ValueError):
        return local_today(organization)
    return local_today(organization, paid_at)


def _apply_chargebacks(mollie_payment: MolliePayment, remote: RemotePayment) -> Decimal:
    """Reopen the invoices by the newly charged-back amount and return that amount."""
    if remote.amount_chargedback is None:
        return Decimal("0")
    total = amount_from_payload(remote.amount_chargedback)
    newly_charged_back = total - mollie_payment.charged_back_amount
    money = f"{mollie_payment.currency} {format_amount(abs(newly_charged_back))}"
    if newly_charged_back < 0:
        # TODO: a reversed chargeback means the money came back; the payment
        # is not re-allocated automatically, so a credit controller must do it.
        logger.warning(
            "Mollie payment %s: chargeback of %s reversed; re-allocate by hand", remote.id, money
        )
        mollie_event_record(
            mollie_payment,
            "chargeback_reversed",
            f"Chargeback reversed: {money} of Mollie payment {remote.id}. Re-allocate it by hand.",
            newly_charged_back,
        )
        return Decimal("0")
    if newly_charged_back == 0:
        return Decimal("0")
    if mollie_payment.payment is None:
        logger.error("Mollie payment %s has a chargeback but no registered payment", remote.id)
        return Decimal("0")

    released = payment_reverse(
        payment=mollie_payment.payment,
        amount=newly_charged_back,
        reason=f"Mollie chargeback on {remote.id}",
    )
    mollie_payment.charged_back_amount = total
    mollie_payment.charged_back_at = mollie_payment.charged_back_at or timezone.now()
    mollie_event_record(
        mollie_payment,
        "chargeback",
        f"Chargeback: {money} of Mollie payment {remote.id}. The invoices are open again.",
        newly_charged_back,
        released=released,
    )
    controller_notify(
        organization=mollie_payment.organization,
        template="payments/emails/controller_chargeback",
        context={"mollie_payment": mollie_payment, "debtor": mollie_payment.debtor, "amount": money},
    )
    return newly_charged_back
