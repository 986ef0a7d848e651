"""Writes of invoices, credit notes, payments and allocations.

Every function here runs in one transaction and keeps the cached open
amount and settlement status of each touched document in step with its
allocations.
"""

import datetime as dt
import hashlib
import logging
from collections.abc import Sequence
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework import status

from debtors.models import Debtor, TimelineKind
from debtors.services import timeline_record
from invoices.lines import LineInput, invoice_totals
from invoices.models import (
    Allocation,
    DocumentKind,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentSource,
    SettlementStatus,
    SourceFormat,
)
from invoices.references import payment_reference_generate
from payt.api_errors import DomainError
from payt.models import Organization
from payt.money import ZERO, format_amount, to_money
from payt.references import payment_reference_check

logger = logging.getLogger(__name__)


def sha256_of(content: bytes | None) -> str:
    return hashlib.sha256(content).hexdigest() if content else ""


@transaction.atomic
def invoice_register(
    *,
    organization: Organization,
    debtor: Debtor,
    number: str,
    issue_date: dt.date,
    total_amount: Decimal,
    currency: str = "EUR",
    kind: str = DocumentKind.INVOICE,
    due_date: dt.date | None = None,
    vat_amount: Decimal = ZERO,
    payment_reference: str = "",
    external_id: str = "",
    preceding_number: str = "",
    source_format: str = SourceFormat.JSON,
    source_document: bytes | None = None,
    lines: Sequence[LineInput] = (),
) -> tuple[Invoice, bool]:
    """Register an invoice or credit note with its lines; return it and whether it was new.

    A number is unique per organisation and document kind. Sending the same
    original document again returns the existing one; other content under an
    existing number is rejected with 409. A missing due date comes from the
    organisation's default payment term and is marked derived.
    A credit document that names a preceding invoice is allocated to it.
    An invoice sent without a payment reference gets the organisation's own
    (see ``invoices.references``); a reference that fails the check digits
    of the scheme it claims is rejected with 400.
    """
    digest = sha256_of(source_document)
    existing = Invoice.objects.for_organization(organization).filter(kind=kind, number=number).first()
    if existing is not None:
        if digest and existing.source_sha256 == digest:
            return existing, False
        raise DomainError(
            f"{_kind_label(kind)} number {number!r} already exists with different content; "
            "send a new number or correct it with a credit note.",
            code="duplicate_number",
            field="number",
            status_code=status.HTTP_409_CONFLICT,
        )

    payment_reference = _checked_payment_reference(organization, kind, number, total_amount, payment_reference)
    invoice = Invoice(
        organization=organization,
        debtor=debtor,
        kind=kind,
        number=number,
        external_id=external_id,
        issue_date=issue_date,
        due_date=due_date or organization.default_due_date(issue_date),
        due_date_derived=due_date is None,
        currency=currency.upper(),
        total_amount=to_money(total_amount),
        vat_amount=to_money(vat_amount),
        payment_reference=payment_reference,
        preceding_number=preceding_number,
        source_format=source_format,
        source_document=source_document,
        source_sha256=digest,
    )
    try:
        with transaction.atomic():
            invoice.save()
    except IntegrityError:
        raise DomainError(
            f"{_kind_label(kind)} number {number!r} or external id {external_id!r} already exists.",
            code="duplicate_number",
            field="number",
            status_code=status.HTTP_409_CONFLICT,
        ) from None

    _create_lines(invoice, lines)
    invoice_refresh_balance(invoice)
    _record_document_on_timeline(invoice)
    if invoice.is_credit and preceding_number:
        _allocate_credit_to_preceding(invoice)
    elif not invoice.is_credit:
        _allocate_waiting_credits(invoice)
    return invoice, True


def _create_lines(invoice: Invoice, lines: Sequence[LineInput]) -> None:
    """Store the lines in document order; a line without a net amount gets quantity × unit price, rounded half up."""
    nets = invoice_totals(lines).line_nets
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            organization_id=invoice.organization_id,
            invoice=invoice,
            position=position,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            vat_rate=line.vat_rate,
            line_net=net,
        )
        for position, (line, net) in enumerate(zip(lines, nets, strict=True), start=1)
    )


def _checked_payment_reference(
    organization: Organization, kind: str, number: str, total_amount: Decimal, reference: str
) -> str:
    if reference:
        try:
            return payment_reference_check(reference)
        except ValueError as error:
            raise DomainError(str(error), code="invalid_payment_reference", field="payment_reference") from None
    if kind == DocumentKind.CREDIT_NOTE or to_money(total_amount) <= 0:
        return ""
    return payment_reference_generate(organization=organization, number=number)


def _kind_label(kind: str) -> str:
    return "Credit note" if kind == DocumentKind.CREDIT_NOTE else "Invoice"


def _record_document_on_timeline(invoice: Invoice) -> None:
    kind = TimelineKind.CREDIT_NOTE if invoice.is_credit else TimelineKind.INVOICE
    timeline_record(
        debtor=invoice.debtor,
        invoice=invoice,
        kind=kind,
        summary=(
            f"{_kind_label(invoice.kind)} {invoice.number}: {invoice.currency} {format_amount(invoice.total_amount)}"
        ),
        data={
            "number": invoice.number,
            "amount": format_amount(invoice.total_amount),
            "currency": invoice.currency,
            "due_date": invoice.due_date.isoformat(),
        },
    )


def _allocate_credit_to_preceding(credit: Invoice) -> None:
    credit_allocate_to_numbers(credit=credit, numbers=[credit.preceding_number])


def credit_allocate_to_numbers(*, credit: Invoice, numbers) -> None:
    """Allocate what is left of a credit document to the invoices with these numbers, in order."""
    for number in numbers:
        if credit.open_amount <= 0:
            return
        target = (
            Invoice.objects.for_organization(credit.organization)
            .filter(kind=DocumentKind.INVOICE, number=number, total_amount__gt=0, currency=credit.currency)
            .select_for_update()
            .first()
        )
        if target is None or target.open_amount <= 0:
            logger.info("Credit %s names invoice %s, which is not open here", credit.pk, number)
            continue
        credit_allocate(credit=credit, invoice=target, amount=min(credit.open_amount, target.open_amount))


def _allocate_waiting_credits(invoice: Invoice) -> None:
    """Apply credit documents that arrived before the invoice they correct."""
    credits = (
        Invoice.objects.for_organization(invoice.organization)
        .filter(preceding_number=invoice.number, currency=invoice.currency, open_amount__gt=0)
        .exclude(pk=invoice.pk)
        .select_for_update()
        .order_by("issue_date", "created_at")
    )
    for credit in credits:
        if not credit.is_credit or invoice.open_amount <= 0:
            continue
        credit_allocate(credit=credit, invoice=invoice, amount=min(credit.open_amount, invoice.open_amount))
        invoice.refresh_from_db(fields=["open_amount", "settlement_status"])


@transaction.atomic
def credit_allocate(*, credit: Invoice, invoice: Invoice, amount: Decimal) -> Allocation:
    """Apply part of a credit note (or negative invoice) to an invoice."""
    if invoice.is_credit or invoice.pk == credit.pk:
        raise DomainError(
            f"{invoice.number} is a credit document; allocate the credit to an open invoice.",
            code="credit_document",
            field="invoice",
        )
    amount = to_money(amount)
    _check_allocation(invoice=invoice, amount=amount, available=credit.open_amount, currency=credit.currency)
    allocation = Allocation.objects.create(
        organization_id=invoice.organization_id, invoice=invoice, credit_document=credit, amount=amount
    )
    invoice_refresh_balance(invoice)
    invoice_refresh_balance(credit)
    _plans_refresh(invoice)
    return allocation


def _check_allocation(*, invoice: Invoice, amount: Decimal, available: Decimal, currency: str) -> None:
    if amount <= 0:
        raise DomainError(
            gettext("Allocation amount %(amount)s must be above zero.")
            % {"amount": f"{currency} {format_amount(amount)}"},
            code="invalid_amount",
            field="amount",
        )
    if currency != invoice.currency:
        raise DomainError(
            gettext("Currency %(currency)s does not match invoice %(number)s in %(invoice_currency)s.")
            % {"currency": currency, "number": invoice.number, "invoice_currency": invoice.currency},
            code="currency_mismatch",
            field="currency",
        )
    if amount > invoice.open_amount or amount > available:
        raise DomainError(
            gettext("Allocation of %(amount)s exceeds the open amount %(open)s of invoice %(number)s.")
            % {
                "amount": f"{currency} {format_amount(amount)}",
                "open": f"{invoice.currency} {format_amount(invoice.open_amount)}",
                "number": invoice.number,
            },
            code="over_allocation",
            field="amount",
        )


@transaction.atomic
def invoice_mark_disputed(*, invoice: Invoice, reason: str, disputed_at: dt.datetime | None = None) -> None:
    """Mark an invoice disputed: dunning skips it until the dispute is resolved."""
    disputed_at = disputed_at or timezone.now()
    updated = Invoice.objects.filter(pk=invoice.pk, disputed_at__isnull=True).update(disputed_at=disputed_at)
    if not updated:
        return
    invoice.disputed_at = disputed_at
    timeline_record(
        debtor=invoice.debtor,
        invoice=invoice,
        kind=TimelineKind.NOTE,
        summary=f"Invoice {invoice.number} disputed: {reason}",
        data={"number": invoice.number, "event": "disputed", "text": reason},
        occurred_at=disputed_at,
    )


@transaction.atomic
def invoice_dispute_clear(*, invoice: Invoice, note: str = "") -> bool:
    """End an invoice's dispute so dunning may take it up again; return False if it was not disputed."""
    cleared = Invoice.objects.filter(pk=invoice.pk, disputed_at__isnull=False).update(disputed_at=None)
    if not cleared:
        return False
    invoice.disputed_at = None
    timeline_record(
        debtor=invoice.debtor,
        invoice=invoice,
        kind=TimelineKind.NOTE,
        summary=f"Dispute on invoice {invoice.number} resolved: {note}",
        data={"number": invoice.number, "event": "dispute_resolved", "text": note},
    )
    return True


@transaction.atomic
def invoice_cancel(*, invoice: Invoice, reason: str, replaced_by: Invoice | None = None) -> Invoice:
    """Cancel an unpaid invoice, optionally naming the invoice that replaces it.

    A cancelled invoice is no longer receivable: dunning and the portal
    leave it alone and it can never be paid. An invoice with payments or
    credit allocated to it is rejected, because its money must be settled
    with a credit note. Cancelling a cancelled invoice returns it unchanged.
    """
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("The reason is empty; say why the invoice is cancelled.", code="required", field="reason")
    locked = Invoice.objects.select_for_update().select_related("debtor").get(pk=invoice.pk)
    if locked.cancelled_at is not None:
        return locked
    _check_cancellable(locked, replaced_by)

    locked.cancelled_at = timezone.now()
    locked.cancel_reason = reason[:300]
    locked.replaced_by = replaced_by
    locked.save(update_fields=["cancelled_at", "cancel_reason", "replaced_by"])
    timeline_record(
        debtor=locked.debtor,
        invoice=locked,
        kind=TimelineKind.NOTE,
        summary=f"Invoice {locked.number} cancelled: {reason}",
        data={
            "number": locked.number,
            "event": "cancelled",
            "text": reason,
            "replaced_by": replaced_by.number if replaced_by else "",
        },
        occurred_at=locked.cancelled_at,
    )
    return locked


def _check_cancellable(invoice: Invoice, replaced_by: Invoice | None) -> None:
    if invoice.kind != DocumentKind.INVOICE:
        raise DomainError(f"{invoice.number} is a credit note; only invoices can be cancelled.", code="not_cancellable")
    if invoice.open_amount != invoice.total_amount:
        raise DomainError(
            f"Invoice {invoice.number} has {format_amount(invoice.total_amount - invoice.open_amount)} "
            "paid or credited; settle it with a credit note instead of cancelling it.",
            code="not_cancellable",
            status_code=status.HTTP_409_CONFLICT,
        )
    if replaced_by is None:
        return
    if (
        replaced_by.pk == invoice.pk
        or replaced_by.organization_id != invoice.organization_id
        or replaced_by.debtor_id != invoice.debtor_id
        or replaced_by.kind != DocumentKind.INVOICE
        or replaced_by.cancelled_at is not None
    ):
        raise DomainError(
            f"Invoice {replaced_by.number} cannot replace {invoice.number}; name another open invoice "
            "of the same debtor.",
            code="invalid_replacement",
            field="replaced_by",
        )


def invoice_refresh_balance(invoice: Invoice) -> None:
    """Recompute the open amount and settlement status from allocations and save them."""
    if invoice.is_credit:
        used = invoice.credit_allocations.aggregate(total=Sum("amount"))["total"] or ZERO
        invoice.open_amount = invoice.credit_amount - used
        invoice.settlement_status = SettlementStatus.PAID if invoice.open_amount == 0 else SettlementStatus.OPEN
    else:
        allocations = Allocation.objects.filter(invoice=invoice, charge__isnull=True)
        credited = allocations.filter(credit_document__isnull=False).aggregate(total=Sum("amount"))["total"] or ZERO
        paid = allocations.filter(payment__isnull=False).aggregate(total=Sum("amount"))["total"] or ZERO
        invoice.open_amount = invoice.total_amount - credited - paid
        invoice.settlement_status = _settlement_status(invoice.total_amount, invoice.open_amount, credited, paid)
    Invoice.objects.filter(pk=invoice.pk).update(
        open_amount=invoice.open_amount, settlement_status=invoice.settlement_status
    )


def _settlement_status(total: Decimal, open_amount: Decimal, credited: Decimal, paid: Decimal) -> str:
    if open_amount > 0 and open_amount < total:
        return SettlementStatus.PARTIALLY_PAID
    if open_amount > 0:
        return SettlementStatus.OPEN
    if paid == 0 and credited > 0:
        return SettlementStatus.CREDITED
    return SettlementStatus.PAID


@transaction.atomic
def payment_register(
    *,
    organization: Organization,
    amount: Decimal,
    payment_date: dt.date,
    currency: str = "EUR",
    invoice: Invoice | None = None,
    invoices: list[Invoice] | None = None,
    debtor: Debtor | None = None,
    source: str = PaymentSource.API,
    reference: str = "",
    external_id: str = "",
) -> tuple[Payment, bool]:
    """Record a payment and allocate it, then return it and whether it was new.

    The payment goes to the named invoices in order, oldest due first, each
    up to its open amount. What is left stays unallocated on the debtor.
    A repeated ``external_id`` from the same source returns the existing
    payment, so a redelivered webhook or import allocates once.
    """
    amount = to_money(amount)
    if amount <= 0:
        raise DomainError(f"Payment amount {amount} must be above zero.", code="invalid_amount", field="amount")
    if external_id:
        existing = Payment.objects.for_organization(organization).filter(source=source, external_id=external_id).first()
        if existing is not None:
            return existing, False

    targets = list(invoices or ([invoice] if invoice else []))
    locked = _lock_invoices(organization, targets)
    debtor = debtor or (locked[0].debtor if locked else None)
    payment = Payment.objects.create(
        organization=organization,
        debtor=debtor,
        amount=amount,
        currency=currency.upper(),
        payment_date=payment_date,
        source=source,
        reference=reference,
        external_id=external_id,
    )
    _allocate_payment(payment, locked)
    _plans_refresh(*locked)
    if debtor is not None:
        timeline_record(
            debtor=debtor,
            invoice=locked[0] if len(locked) == 1 else None,
            kind=TimelineKind.PAYMENT,
            summary=f"Payment received: {payment.currency} {format_amount(amount)}",
            data={
                "payment_id": str(payment.pk),
                "source": source,
                "invoices": [invoice.number for invoice in locked],
                "amount": format_amount(amount),
                "currency": payment.currency,
            },
        )
    return payment, True


@transaction.atomic
def payment_allocate(*, payment: Payment, invoice: Invoice, amount: Decimal) -> Allocation:
    """Apply ``amount`` of the unallocated part of a payment to one invoice.

    For a payment that a person splits over invoices with amounts of their
    own choosing; ``payment_register`` fills invoices oldest due first instead.
    Money that a requested Mollie refund is about to return is not available.
    Afterwards the running payment plans of the invoice are brought up to date.
    """
    from payments.unallocated_selectors import refunds_pending_for_payment

    payment = Payment.objects.for_organization(payment.organization_id).select_for_update().get(pk=payment.pk)
    invoice = Invoice.objects.for_organization(payment.organization_id).select_for_update().get(pk=invoice.pk)
    amount = to_money(amount)
    _check_allocation_target(invoice)
    allocated = payment.allocations.aggregate(total=Sum("amount"))["total"] or ZERO
    pending = refunds_pending_for_payment(payment)
    available = payment.amount - payment.reversed_amount - allocated - pending
    if amount > available or available <= 0:
        raise DomainError(
            _over_payment_message(payment.currency, amount, max(available, ZERO), pending),
            code="over_allocation",
            field="amount",
        )
    _check_allocation(invoice=invoice, amount=amount, available=available, currency=payment.currency)

    allocation = Allocation.objects.create(
        organization_id=payment.organization_id, invoice=invoice, payment=payment, amount=amount
    )
    invoice_refresh_balance(invoice)
    _plans_refresh(invoice)
    return allocation


def _check_allocation_target(invoice: Invoice) -> None:
    """Raise DomainError (field invoice) unless a payment can go to ``invoice``."""
    if invoice.is_credit:
        raise DomainError(
            gettext("Invoice %(number)s is a credit document; a payment cannot be allocated to it.")
            % {"number": invoice.number},
            code="credit_document",
            field="invoice",
        )
    if invoice.cancelled_at is not None:
        if invoice.replaced_by_id:
            message = gettext(
                "Invoice %(number)s was cancelled; a payment cannot be allocated to it. "
                "Allocate it to %(replacement)s instead."
            ) % {"number": invoice.number, "replacement": invoice.replaced_by.number}
        else:
            message = gettext("Invoice %(number)s was cancelled; a payment cannot be allocated to it.") % {
                "number": invoice.number
            }
        raise DomainError(message, code="invoice_cancelled", field="invoice")
    if invoice.open_amount <= 0:
        raise DomainError(
            gettext("Invoice %(number)s has nothing open, so nothing can be allocated to it; choose an open invoice.")
            % {"number": invoice.number},
            code="invoice_settled",
            field="invoice",
        )


def _over_payment_message(currency: str, amount: Decimal, available: Decimal, pending: Decimal) -> str:
    values = {
        "amount": f"{currency} {format_amount(amount)}",
        "available": f"{currency} {format_amount(available)}",
        "pending": f"{currency} {format_amount(pending)}",
    }
    if pending > 0:
        return (
            gettext(
                "Allocation of %(amount)s exceeds the %(available)s of the payment that is not allocated yet, "
                "because %(pending)s is held for a refund requested at Mollie; lower the amount."
            )
            % values
        )
    return (
        gettext("Allocation of %(amount)s exceeds the %(available)s of the payment that is not allocated yet.") % values
    )


def _plans_refresh(*invoices: Invoice) -> None:
    """Bring the running payment plans that cover these invoices up to date with their open amounts."""
    from payments.plan_progress import plans_refresh_for_invoices

    if invoices:
        plans_refresh_for_invoices(
            organization=invoices[0].organization, invoice_ids=[invoice.pk for invoice in invoices]
        )


def _lock_invoices(organization: Organization, invoices: list[Invoice]) -> list[Invoice]:
    ids = [invoice.pk for invoice in invoices]
    locked = (
        Invoice.objects.for_organization(organization).filter(pk__in=ids).select_for_update().select_related("debtor")
    )
    return sorted(locked, key=lambda invoice: (invoice.due_date, invoice.number))


def _allocate_payment(payment: Payment, invoices: list[Invoice]) -> None:
    """Apply the payment to each invoice in turn: its open costs, then interest, then principal (art. 6:44 BW)."""
    remaining = payment.amount
    for invoice in invoices:
        if remaining <= 0:
            break
        if invoice.is_credit or invoice.currency != payment.currency:
            continue
        if invoice.cancelled_at is not None:
            # Money for a cancelled invoice stays on the debtor as credit for a person to allocate.
            logger.warning("Payment %s not allocated to cancelled invoice %s", payment.pk, invoice.pk)
            continue
        remaining = _allocate_to_charges(payment, invoice, remaining)
        if remaining <= 0 or invoice.open_amount <= 0:
            continue
        amount = min(remaining, invoice.open_amount)
        Allocation.objects.create(
            organization_id=payment.organization_id, invoice=invoice, payment=payment, amount=amount
        )
        remaining -= amount
        invoice_refresh_balance(invoice)


def _allocate_to_charges(payment: Payment, invoice: Invoice, remaining: Decimal) -> Decimal:
    from dunning.charges import interest_book
    from dunning.models import Charge, ChargeKind

    interest_book(invoice=invoice, on_date=payment.payment_date)

    order = {ChargeKind.COLLECTION_COSTS: 0, ChargeKind.FIXED_FEE: 1, ChargeKind.INTEREST: 2}
    charges = Charge.objects.filter(invoice=invoice, open_amount__gt=0).select_for_update()
    for charge in sorted(charges, key=lambda charge: (order.get(charge.kind, 9), charge.created_at)):
        if remaining <= 0:
            break
        amount = min(remaining, charge.open_amount)
        Allocation.objects.create(
            organization_id=payment.organization_id, invoice=invoice, charge=charge, payment=payment, amount=amount
        )
        remaining -= amount
        charge_refresh_balance(charge)
    return remaining


def charge_refresh_balance(charge) -> None:
    """Recompute a charge's open amount from its allocations; a waived charge stays at zero."""
    if charge.waived_at is not None:
        return
    paid = charge.allocations.aggregate(total=Sum("amount"))["total"] or ZERO
    charge.open_amount = charge.amount - paid
    type(charge).objects.filter(pk=charge.pk).update(open_amount=charge.open_amount)


@transaction.atomic
def payment_reverse(*, payment: Payment, amount: Decimal, reason: str) -> Decimal:
    """Take back ``amount`` of a payment that went back to the payer (chargeback, return, refund).

    The unallocated part of the payment goes first, then allocations newest
    first, which reopens those invoices. The payment's ``reversed_amount``
    grows by the whole amount, so the debtor's balance owes it again.
    Returns the amount released from invoices.
    """
    released = payment_release(payment=payment, amount=amount, reason=reason)
    return sum(released.values(), ZERO)


@transaction.atomic
def payment_release(
    *, payment: Payment, amount: Decimal, reason: str, unallocated_first: bool = True
) -> dict[Invoice, Decimal]:
    """Take back ``amount`` of a payment and return the amount released from each invoice.

    With ``unallocated_first`` the unallocated part of the payment goes
    first. Then allocations go newest first, so the invoice paid last
    reopens first, and on one invoice principal is released before the
    costs and interest paid with it. Without ``unallocated_first`` the
    allocations go first and the unallocated part only covers the rest,
    because a refund paired with a credit note must free invoice money for
    the credit note to settle. The payment's ``reversed_amount`` grows by
    ``amount``, capped at what the payment still counts.
    """
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    amount = min(to_money(amount), payment.amount - payment.reversed_amount)
    if amount <= 0:
        return {}

    allocated = payment.allocations.aggregate(total=Sum("amount"))["total"] or ZERO
    if unallocated_first:
        unallocated = payment.amount - payment.reversed_amount - allocated
        to_release = amount - min(max(unallocated, ZERO), amount)
    else:
        to_release = min(amount, allocated)
    released = _release_allocations(payment, to_release)

    Payment.objects.filter(pk=payment.pk).update(reversed_amount=F("reversed_amount") + amount)
    logger.info(
        "Reversed %s of payment %s (%s released from invoices): %s",
        amount,
        payment.pk,
        sum(released.values(), ZERO),
        reason,
    )
    return released


@transaction.atomic
def payment_reverse_undo(*, payment: Payment, amount: Decimal, reason: str) -> Decimal:
    """Count ``amount`` of a reversed payment as received again and return the amount restored.

    For a refund that failed or was canceled: the money never left, so it
    becomes unallocated money of the payment, for a person to allocate.
    Invoices that the reversal reopened stay open.
    """
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    restored = min(to_money(amount), payment.reversed_amount)
    if restored <= 0:
        return ZERO
    Payment.objects.filter(pk=payment.pk).update(reversed_amount=F("reversed_amount") - restored)
    logger.info("Restored %s of reversed payment %s: %s", restored, payment.pk, reason)
    return restored


def _release_allocations(payment: Payment, amount: Decimal) -> dict[Invoice, Decimal]:
    released: dict[Invoice, Decimal] = {}
    total = ZERO
    allocations = payment.allocations.select_for_update().select_related("invoice").order_by("-created_at", "-pk")
    for allocation in allocations:
        if total >= amount:
            break
        part = min(allocation.amount, amount - total)
        if part == allocation.amount:
            allocation.delete()
        else:
            Allocation.objects.filter(pk=allocation.pk).update(amount=allocation.amount - part)
        total += part
        released[allocation.invoice] = released.get(allocation.invoice, ZERO) + part
        if allocation.charge_id is not None:
            charge_refresh_balance(allocation.charge)
        invoice_refresh_balance(allocation.invoice)
    return released
