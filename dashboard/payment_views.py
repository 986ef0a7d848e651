"""Dashboard page of unallocated payment money, with its allocate and refund actions."""

import uuid
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dashboard.access import dashboard_view
from invoices.models import Invoice
from invoices.services import payment_allocate
from payments.refunds import payment_surplus_refund
from payments.unallocated_selectors import unallocated_payment_in_organization, unallocated_payments
from payt.api_errors import DomainError
from payt.money import format_amount


@dashboard_view
def unallocated_list(request):
    rows = unallocated_payments(request.organization)
    return render(request, "dashboard/unallocated_payments.html", {"rows": rows})


@require_POST
@dashboard_view
def unallocated_allocate_view(request, payment_id):
    """Allocate unallocated money of a payment to one open invoice of the same debtor.

    Without an amount, the most that fits goes: the smaller of the payment's
    unallocated money not reserved for a requested refund and the invoice's open amount.
    """
    row = _row_or_404(request, payment_id)
    payment = row.payment
    # A payment without a debtor has no invoices to go to, so every invoice gets 404.
    invoices = Invoice.objects.for_organization(request.organization).filter(debtor_id=payment.debtor_id)
    invoice = get_object_or_404(invoices, pk=_uuid_or_404(request.POST.get("invoice")))
    amount = _amount(request, default=min(row.unallocated - row.refund_pending, invoice.open_amount))
    if amount is None:
        return redirect("dashboard:unallocated_payments")
    try:
        payment_allocate(payment=payment, invoice=invoice, amount=amount)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(amount)s of the payment allocated to %(invoice)s.")
            % {"amount": f"{payment.currency} {format_amount(amount)}", "invoice": invoice.number},
        )
    return redirect("dashboard:unallocated_payments")


@require_POST
@dashboard_view
def unallocated_refund_view(request, payment_id):
    """Refund the unallocated money of a Mollie payment to the debtor through Mollie."""
    row = _row_or_404(request, payment_id)
    mollie_payment = getattr(row.payment, "mollie_payment", None)
    if mollie_payment is None:
        messages.error(request, _("Only a Mollie payment can be refunded here; refund a bank payment from your bank."))
        return redirect("dashboard:unallocated_payments")
    amount = _amount(request, default=row.refundable)
    if amount is None:
        return redirect("dashboard:unallocated_payments")
    try:
        refund = payment_surplus_refund(mollie_payment=mollie_payment, amount=amount)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Refund of %(amount)s requested at Mollie (%(refund)s). It is applied when Mollie reports it.")
            % {"amount": f"{mollie_payment.currency} {format_amount(amount)}", "refund": refund.id},
        )
    return redirect("dashboard:unallocated_payments")


def _row_or_404(request, payment_id):
    row = unallocated_payment_in_organization(request.organization, payment_id)
    if row is None:
        raise Http404
    return row


def _amount(request, *, default: Decimal) -> Decimal | None:
    """Return the posted amount, or ``default`` when none was posted; None after an error message."""
    raw = (request.POST.get("amount") or "").strip().replace(",", ".")
    if not raw:
        return default
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        messages.error(
            request,
            _("Amount %(value)s is not valid; enter an amount above zero with at most two decimals, such as 12.50.")
            % {"value": raw[:30]},
        )
        return None
    return amount


def _uuid_or_404(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None
