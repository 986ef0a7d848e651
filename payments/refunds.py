"""Refunds of Mollie payments: request one, and apply what Mollie reports.

A refund is money that goes back to the debtor, so it no longer pays an
invoice. What happens to the invoices depends on the credit note:

- A refund paired with a credit note takes the refunded amount off the
  payment's allocations and allocates the credit note in its place. The
  invoice stays settled: the credit note now covers what the money covered.
- A refund without a credit note, and a refund made in Mollie's dashboard,
  takes the amount off the payment: the unallocated part of the payment
  first, then the newest allocations, so the invoice paid last reopens
  first. The refund goes on the timeline, and when an invoice reopens the
  credit controller gets one e-mail.

Each refund is applied once, by its Mollie id, under the lock on the Mollie
payment row, so a repeated or concurrent webhook changes nothing. A refund
that Mollie later reports failed or canceled gives its money back to the
payment as unallocated money.
"""

import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import translation
from django.utils.translation import gettext
from mollie.api.error import Error as MollieError
from mollie.api.error import ResponseError
from mollie.api.objects.payment import Payment as RemotePayment
from mollie.api.objects.refund import Refund as RemoteRefund
from mollie.api.resources import PaymentRefunds
from rest_framework import status as http_status

from invoices.models import Invoice, Payment
from invoices.services import credit_allocate, payment_release, payment_reverse_undo
from payments import notifications
from payments.events import mollie_event_record
from payments.models import (
    ACTIVE_REFUND_STATUSES,
    PENDING_REFUNDS,
    MolliePayment,
    MolliePaymentStatus,
    MollieRefund,
    MollieRefundSource,
)
from payments.mollie_client import amount_from_payload, amount_payload, mollie_client
from payments.unallocated_selectors import unallocated_payment_in_organization
from payt.api_errors import DomainError
from payt.money import ZERO, format_amount, to_money
from portal.outbox import controller_notify

logger = logging.getLogger(__name__)

DESCRIPTION_MAX_LENGTH = 255
# Refund metadata key that names the credit note paired with the refund.
# Mollie returns the metadata with the refund, so the webhook finds the
# pairing even when it arrives before the request's own response.
CREDIT_NOTE_METADATA_KEY = "credit_note_id"
REFUND_PAGE_SIZE = 250


# Requesting a refund


def mollie_refund_create(
    *,
    mollie_payment: MolliePayment,
    amount: Decimal,
    description: str = "",
    credit_note: Invoice | None = None,
    surplus_only: bool = False,
) -> RemoteRefund:
    """Create a refund of ``amount`` at Mollie for a paid payment and return Mollie's refund.

    ``credit_note`` is the debtor's credit note that settles the refunded
    money. It must belong to the payment's debtor and be in the payment's
    currency. It also needs at least ``amount`` of credit that is neither
    allocated nor paired with another refund. Otherwise DomainError (400,
    field credit_note) is raised. An amount above what our records still count as
    refundable, minus the refunds requested but not yet applied, is rejected
    (exceeds_refundable, 422) before anything is sent to Mollie. With
    ``surplus_only`` the amount must also fit in the payment's unallocated
    money that no requested refund covers (exceeds_unallocated, 422).

    The checks, the request to Mollie and the new refund row share one
    transaction under a lock on the Mollie payment row, and on the payment
    and credit note rows. So a parallel request for the same payment or
    credit note waits and then counts this refund. The refund is applied to
    the invoices when Mollie's webhook reports it, not here.
    """
    amount = to_money(amount)
    with transaction.atomic():
        current = (
            MolliePayment.objects.select_for_update(of=("self",)).select_related("debtor").get(pk=mollie_payment.pk)
        )
        if current.payment_id is not None:
            # Allocations lock the payment row and count requested refunds, so they wait for this one.
            Payment.objects.select_for_update().filter(pk=current.payment_id).first()
        _check_refund_amount(current, amount)
        if surplus_only:
            _check_surplus(current, amount)
        if credit_note is not None:
            _check_credit_note(current, credit_note, amount)
        # NOTE: the row locks stay held during the HTTP call, so a slow Mollie also delays
        # webhooks and allocations of this payment until the Mollie client times out.
        refund = _refund_request(current, amount, description, credit_note)
        _record_refund_request(current, refund, amount, description, credit_note)
    return refund


def _refund_request(
    mollie_payment: MolliePayment, amount: Decimal, description: str, credit_note: Invoice | None
) -> RemoteRefund:
    """Send the refund to Mollie; raise DomainError when Mollie rejects it or cannot be reached."""
    client = mollie_client()
    refunds = PaymentRefunds(client, RemotePayment({"id": mollie_payment.mollie_id}, client))
    request = {
        "amount": amount_payload(amount, mollie_payment.currency),
        "description": description[:DESCRIPTION_MAX_LENGTH],
    }
    if credit_note is not None:
        request["metadata"] = {CREDIT_NOTE_METADATA_KEY: str(credit_note.pk)}
    try:
        return refunds.create(request, idempotency_key=_refund_idempotency_key(mollie_payment, amount, credit_note))
    except ResponseError as error:
        logger.warning("Mollie rejected a refund on %s: %s", mollie_payment.mollie_id, error)
        raise _refund_rejected(error) from error
    except MollieError as error:
        logger.warning("Refund on Mollie payment %s failed: %s", mollie_payment.mollie_id, error)
        raise DomainError(
            "Mollie could not be reached, so the refund was not created. Try again later.",
            code="mollie_unavailable",
            status_code=http_status.HTTP_502_BAD_GATEWAY,
        ) from error


def _refund_idempotency_key(mollie_payment: MolliePayment, amount: Decimal, credit_note: Invoice | None) -> str:
    """Return a key that stays the same until a refund of this payment is recorded.

    When Mollie created a refund but our transaction rolled back, the retry
    sends the same key, so Mollie returns that refund instead of a second one.
    """
    recorded = MollieRefund.objects.filter(mollie_payment=mollie_payment).count()
    credit_note_id = credit_note.pk if credit_note is not None else "none"
    return f"refund-{mollie_payment.pk}-{recorded}-{amount}-{credit_note_id}"


def _refunds_pending(mollie_payment: MolliePayment) -> Decimal:
    """Return the refunds requested here or reported by Mollie that are not taken off the payment yet."""
    return (
        MollieRefund.objects.filter(PENDING_REFUNDS, mollie_payment=mollie_payment).aggregate(total=Sum("amount"))[
            "total"
        ]
        or ZERO
    )


def _check_refund_amount(mollie_payment: MolliePayment, amount: Decimal) -> None:
    if amount <= 0:
        raise DomainError(
            gettext("Refund amount %(amount)s must be above zero; enter the amount to return to the debtor.")
            % {"amount": format_amount(amount)},
            code="invalid_amount",
            field="amount",
            status_code=http_status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    if mollie_payment.status != MolliePaymentStatus.PAID:
        raise DomainError(
            f"Mollie payment {mollie_payment.mollie_id or mollie_payment.pk} is {mollie_payment.status}; "
            "only a paid payment can be refunded.",
            code="not_paid",
            status_code=http_status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    pending = _refunds_pending(mollie_payment)
    refundable = max(mollie_payment.refundable_amount - pending, ZERO)
    if amount > refundable:
        facts = {
            "amount": f"{mollie_payment.currency} {format_amount(amount)}",
            "refundable": f"{mollie_payment.currency} {format_amount(refundable)}",
            "payment": mollie_payment.mollie_id or mollie_payment.pk,
            "pending": f"{mollie_payment.currency} {format_amount(pending)}",
        }
        if pending > 0:
            message = gettext(
                "Refund of %(amount)s exceeds the refundable amount %(refundable)s of Mollie payment "
                "%(payment)s after the %(pending)s of refunds already requested."
            )
        else:
            message = gettext(
                "Refund of %(amount)s exceeds the refundable amount %(refundable)s of Mollie payment %(payment)s."
            )
        raise DomainError(
            message % facts,
            code="exceeds_refundable",
            field="amount",
            status_code=http_status.HTTP_422_UNPROCESSABLE_ENTITY,
        )


def _check_credit_note(mollie_payment: MolliePayment, credit_note: Invoice, amount: Decimal) -> None:
    """Raise DomainError (400, field credit_note) unless ``credit_note`` can settle ``amount``."""
    # The lock makes a parallel refund with the same credit note wait, then count this refund as paired.
    credit_note = (
        Invoice.objects.for_organization(mollie_payment.organization_id)
        .select_for_update()
        .filter(pk=credit_note.pk)
        .first()
    )
    if credit_note is None:
        raise DomainError(
            "The credit note was not found; choose a credit note of this organisation.",
            code="not_found",
            field="credit_note",
        )
    if not credit_note.is_credit:
        raise DomainError(
            f"{credit_note.number} is an invoice, not a credit note; choose the credit note that "
            "settles the refunded money.",
            code="not_credit_note",
            field="credit_note",
        )
    if credit_note.debtor_id != mollie_payment.debtor_id:
        raise DomainError(
            f"Credit note {credit_note.number} belongs to another debtor than Mollie payment "
            f"{mollie_payment.mollie_id}; choose a credit note of {mollie_payment.debtor.name}.",
            code="credit_note_other_debtor",
            field="credit_note",
        )
    if credit_note.currency != mollie_payment.currency:
        raise DomainError(
            f"Credit note {credit_note.number} is in {credit_note.currency}, but the payment is in "
            f"{mollie_payment.currency}; choose a credit note in {mollie_payment.currency}.",
            code="currency_mismatch",
            field="credit_note",
        )
    paired = (
        MollieRefund.objects.filter(PENDING_REFUNDS, credit_note=credit_note).aggregate(total=Sum("amount"))["total"]
        or ZERO
    )
    available = credit_note.open_amount - paired
    if amount > available:
        raise DomainError(
            f"Refund of {mollie_payment.currency} {format_amount(amount)} is more than the "
            f"{mollie_payment.currency} {format_amount(max(available, ZERO))} of credit note "
            f"{credit_note.number} that is not allocated or paired with a refund yet; lower the amount "
            "or choose another credit note.",
            code="credit_note_amount",
            field="credit_note",
        )


def _refund_rejected(error: ResponseError) -> DomainError:
    """Return the error for a refund Mollie rejected: 422 for the request, 502 for our setup."""
    if error.status == http_status.HTTP_422_UNPROCESSABLE_ENTITY:
        code = "exceeds_refundable" if error.field == "amount" else "mollie_rejected"
        status_code = http_status.HTTP_422_UNPROCESSABLE_ENTITY
    else:
        code, status_code = "mollie_rejected", http_status.HTTP_502_BAD_GATEWAY
    return DomainError(
        f"Mollie rejected the refund (HTTP {error.status}): {error}",
        code=code,
        field=error.field,
        status_code=status_code,
    )


@transaction.atomic
def _record_refund_request(
    mollie_payment: MolliePayment,
    refund: RemoteRefund,
    amount: Decimal,
    description: str,
    credit_note: Invoice | None,
) -> None:
    # The payment row lock orders this write after a webhook that is applying the same refund.
    locked = MolliePayment.objects.select_for_update(of=("self",)).select_related("debtor").get(pk=mollie_payment.pk)
    MollieRefund.objects.get_or_create(
        organization_id=locked.organization_id,
        mollie_id=refund.id,
        defaults={
            "mollie_payment": locked,
            "amount": amount,
            "status": refund.status or "",
            "source": MollieRefundSource.REQUESTED,
            "credit_note": credit_note,
            "description": description[:DESCRIPTION_MAX_LENGTH],
        },
    )
    logger.info("Requested refund %s of %s on Mollie payment %s", refund.id, amount, locked.mollie_id)
    money = f"{locked.currency} {format_amount(amount)}"
    reason = f": {description}" if description else ""
    mollie_event_record(
        locked,
        "refund_requested",
        f"Refund of {money} requested at Mollie ({refund.id}){reason}",
        amount,
    )


# Applying what Mollie reports


def mollie_refunds_fetch(remote: RemotePayment) -> list[RemoteRefund]:
    """Return every refund of a fetched payment, oldest first; none when it has none.

    Raises mollie.api.error.Error when Mollie cannot list them.
    """
    if not remote.has_refunds():
        return []
    client = mollie_client()
    page = PaymentRefunds(client, remote).list(limit=REFUND_PAGE_SIZE)
    refunds = list(page)
    while page.has_next():
        page = page.get_next()
        refunds.extend(page)
    return sorted(refunds, key=lambda refund: (refund.created_at or "", refund.id))


def mollie_refunds_apply(mollie_payment: MolliePayment, remote_refunds: list[RemoteRefund]) -> bool:
    """Apply the refunds that are new or changed status and return whether money moved.

    Stores the refunded total on ``mollie_payment``, whose lock the caller
    holds. The debtor gets one e-mail for the money newly refunded by this
    call.
    """
    known = {refund.mollie_id: refund for refund in MollieRefund.objects.filter(mollie_payment=mollie_payment)}
    # Refunds recorded before refunds had rows of their own only raised
    # ``refunded_amount`` and reopened nothing. They are taken as applied, so
    # they do not reopen invoices now.
    recorded_without_row = mollie_payment.refunded_amount - sum(
        (refund.applied_amount for refund in known.values()), ZERO
    )
    newly_refunded = ZERO
    moved = False
    for remote_refund in remote_refunds:
        refund = known.get(remote_refund.id)
        if refund is None:
            refund = _refund_row_for(mollie_payment, remote_refund)
            if recorded_without_row >= refund.amount and (remote_refund.status or "") in ACTIVE_REFUND_STATUSES:
                recorded_without_row -= refund.amount
                refund.applied_amount = refund.amount
        applied_before = refund.applied_amount
        newly_refunded += _refund_apply(mollie_payment, refund, remote_refund)
        moved = moved or refund.applied_amount != applied_before

    total = (
        MollieRefund.objects.filter(mollie_payment=mollie_payment, status__in=ACTIVE_REFUND_STATUSES).aggregate(
            total=Sum("amount")
        )["total"]
        or ZERO
    )
    mollie_payment.refunded_amount = total
    if newly_refunded > 0:
        notifications.refund_notice_send_on_commit(mollie_payment=mollie_payment, refunded=newly_refunded)
    return moved


def _refund_row_for(mollie_payment: MolliePayment, remote_refund: RemoteRefund) -> MollieRefund:
    """Create the row of a refund seen for the first time, with the credit note its metadata names."""
    metadata = remote_refund.metadata if isinstance(remote_refund.metadata, dict) else {}
    credit_note_id = metadata.get(CREDIT_NOTE_METADATA_KEY)
    credit_note = None
    if credit_note_id:
        credit_note = (
            Invoice.objects.for_organization(mollie_payment.organization_id)
            .filter(pk=credit_note_id, debtor_id=mollie_payment.debtor_id)
            .first()
        )
    requested = credit_note is not None
    return MollieRefund.objects.create(
        organization_id=mollie_payment.organization_id,
        mollie_payment=mollie_payment,
        mollie_id=remote_refund.id,
        amount=amount_from_payload(remote_refund.amount),
        status="",
        source=MollieRefundSource.REQUESTED if requested else MollieRefundSource.MOLLIE,
        credit_note=credit_note,
        description=(remote_refund.description or "")[:DESCRIPTION_MAX_LENGTH],
    )


def _refund_apply(mollie_payment: MolliePayment, refund: MollieRefund, remote_refund: RemoteRefund) -> Decimal:
    """Bring one refund in step with Mollie's status and return the amount newly refunded."""
    status = remote_refund.status or ""
    active = status in ACTIVE_REFUND_STATUSES
    newly_refunded = ZERO
    if active and refund.applied_amount == 0:
        _refund_take_off(mollie_payment, refund)
        refund.applied_amount = refund.amount
        newly_refunded = refund.amount
    elif not active and refund.applied_amount > 0:
        _refund_give_back(mollie_payment, refund)
        refund.applied_amount = ZERO
    refund.status = status
    MollieRefund.objects.filter(pk=refund.pk).update(status=status, applied_amount=refund.applied_amount)
    return newly_refunded


def _refund_take_off(mollie_payment: MolliePayment, refund: MollieRefund) -> None:
    money = f"{mollie_payment.currency} {format_amount(refund.amount)}"
    payment = mollie_payment.payment
    if payment is None:
        logger.error(
            "Mollie payment %s has refund %s but no registered payment", mollie_payment.mollie_id, refund.mollie_id
        )
        mollie_event_record(
            mollie_payment, "refund", f"Refund: {money} of Mollie payment {mollie_payment.mollie_id}", refund.amount
        )
        return

    reason = f"Mollie refund {refund.mollie_id} on {mollie_payment.mollie_id}"
    paired = refund.credit_note_id is not None
    released = payment_release(payment=payment, amount=refund.amount, reason=reason, unallocated_first=not paired)
    credited = _credit_note_allocate(refund, released) if paired else {}
    reopened = {
        invoice: amount - credited.get(invoice, ZERO)
        for invoice, amount in released.items()
        if amount - credited.get(invoice, ZERO) > 0
    }
    reopened_total = sum(reopened.values(), ZERO)

    summary = f"Refund: {money} of Mollie payment {mollie_payment.mollie_id}"
    if paired:
        summary += f", settled by credit note {refund.credit_note.number}"
    if reopened:
        numbers = ", ".join(sorted(invoice.number for invoice in reopened))
        summary += f". Reopened: {numbers} ({mollie_payment.currency} {format_amount(reopened_total)})"
    mollie_event_record(
        mollie_payment,
        "refund",
        summary,
        refund.amount,
        reopened=reopened_total,
    )
    if reopened:
        controller_notify(
            organization=mollie_payment.organization,
            template="payments/emails/controller_refund",
            context={
                "mollie_payment": mollie_payment,
                "debtor": mollie_payment.debtor,
                "amount": money,
                "reopened": f"{mollie_payment.currency} {format_amount(reopened_total)}",
                "invoice_numbers": sorted(invoice.number for invoice in reopened),
            },
        )


def _credit_note_allocate(refund: MollieRefund, released: dict[Invoice, Decimal]) -> dict[Invoice, Decimal]:
    """Allocate the refund's credit note to the invoices the refund released; return what it covered.

    A credit note that was allocated elsewhere in the meantime covers less,
    and the rest of the released money leaves those invoices open.
    """
    credit_note = Invoice.objects.select_for_update().get(pk=refund.credit_note_id)
    refund.credit_note = credit_note
    credited: dict[Invoice, Decimal] = {}
    for invoice, amount in sorted(released.items(), key=lambda item: item[0].number):
        invoice.refresh_from_db(fields=["open_amount", "settlement_status"])
        part = min(amount, credit_note.open_amount, invoice.open_amount)
        if part <= 0:
            continue
        credit_allocate(credit=credit_note, invoice=invoice, amount=part)
        credited[invoice] = part
    if sum(credited.values(), ZERO) < refund.amount:
        logger.warning(
            "Credit note %s covers %s of refund %s of %s",
            credit_note.number,
            sum(credited.values(), ZERO),
            refund.mollie_id,
            refund.amount,
        )
    return credited


def _refund_give_back(mollie_payment: MolliePayment, refund: MollieRefund) -> None:
    money = f"{mollie_payment.currency} {format_amount(refund.applied_amount)}"
    if mollie_payment.payment is not None:
        payment_reverse_undo(
            payment=mollie_payment.payment,
            amount=refund.applied_amount,
            reason=f"Mollie refund {refund.mollie_id} failed or was canceled",
        )
    mollie_event_record(
        mollie_payment,
        "refund_failed",
        f"Refund of {money} on Mollie payment {mollie_payment.mollie_id} failed or was canceled. "
        "The money is unallocated on the payment again; allocate it to an open invoice.",
        -refund.applied_amount,
    )


def payment_surplus_refund(*, mollie_payment: MolliePayment, amount: Decimal) -> RemoteRefund:
    """Refund unallocated money of a Mollie payment to the debtor and return Mollie's refund.

    ``amount`` must not exceed the payment's unallocated money that no
    requested refund covers yet (field amount, 422 otherwise). The webhook
    then takes the refund from the unallocated money first, so no invoice
    reopens.
    """
    # The description reaches the debtor's bank statement, so it is in the debtor's language.
    with translation.override(mollie_payment.debtor.language):
        description = gettext("Refund of an overpayment")
    return mollie_refund_create(
        mollie_payment=mollie_payment, amount=amount, description=description, surplus_only=True
    )


def _check_surplus(mollie_payment: MolliePayment, amount: Decimal) -> None:
    """Raise DomainError (422, field amount) unless ``amount`` fits in the unallocated money left to refund."""
    row = None
    if mollie_payment.payment_id is not None:
        row = unallocated_payment_in_organization(mollie_payment.organization, mollie_payment.payment_id)
    surplus = row.refundable if row is not None else ZERO
    if amount > surplus:
        raise DomainError(
            gettext(
                "Refund of %(amount)s is more than the %(surplus)s of Mollie payment %(payment)s "
                "that no invoice holds and no requested refund covers; refund at most that amount."
            )
            % {
                "amount": f"{mollie_payment.currency} {format_amount(amount)}",
                "surplus": f"{mollie_payment.currency} {format_amount(surplus)}",
                "payment": mollie_payment.mollie_id,
            },
            code="exceeds_unallocated",
            field="amount",
            status_code=http_status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
