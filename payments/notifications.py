"""E-mails to the debtor about Mollie payments: the receipt and refund notices.

Messages are built inside the transaction that changed the payment, in the
debtor's language, and sent after that transaction commits, so a rolled-back
change sends nothing and a repeated webhook (which changes nothing) sends
nothing either.
"""

import logging
import smtplib
from decimal import Decimal

from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

from payments.models import MolliePayment
from payt.money import format_money_localized

logger = logging.getLogger(__name__)


def receipt_send_on_commit(
    *, mollie_payment: MolliePayment, invoice_numbers: list[str], unallocated: Decimal = Decimal("0")
) -> None:
    """Send the debtor a receipt for a paid Mollie payment once the transaction commits.

    ``unallocated`` is the part that settled no invoice (they were already paid);
    the receipt states that it is kept as credit on the debtor's account.
    """
    context = {
        "invoice_numbers": invoice_numbers,
        "unallocated": (lambda: format_money_localized(unallocated, mollie_payment.currency))
        if unallocated > 0
        else None,
    }
    message = _build(
        mollie_payment, "payments/emails/payment_receipt.txt", context, _receipt_subject
    )
    if message is not None:
        _send_on_commit(message, mollie_payment, "receipt")


def refund_notice_send_on_commit(*, mollie_payment: MolliePayment, refunded: Decimal) -> None:
    """Tell the debtor that ``refunded`` of their payment was refunded, after the commit."""
    context = {
        "refunded": lambda: format_money_localized(refunded, mollie_payment.currency),
        "fully_refunded": mollie_payment.refunded_amount >= mollie_payment.amount,
    }
    message = _build(mollie_payment, "payments/emails/refund_notice.txt", context, _refund_subject)
    if message is not None:
        _send_on_commit(message, mollie_payment, "refund notice")


def _receipt_subject(mollie_payment: MolliePayment) -> str:
    return gettext("Payment received: %(amount)s") % {"amount": _amount(mollie_payment)}


def _refund_subject(mollie_payment: MolliePayment) -> str:
    return gettext("Refund of your payment of %(amount)s") % {"amount": _amount(mollie_payment)}


def _amount(mollie_payment: MolliePayment) -> str:
    """Format the amount in the active language, for example € 60,30 in Dutch."""
    return format_money_localized(mollie_payment.amount, mollie_payment.currency)


def _build(
    mollie_payment: MolliePayment, template: str, extra: dict, subject_of
) -> EmailMessage | None:
    debtor = mollie_payment.debtor
    if not debtor.email:
        logger.info(
            "No e-mail for Mollie payment %s: debtor %s has no address",
            mollie_payment.pk,
            debtor.pk,
        )
        return None

    organization = mollie_payment.organization
    with translation.override(debtor.language):
        # Amounts are formatted here, inside the debtor's language; callables in
        # ``extra`` are formatted the same way.
        context = {
            "debtor_name": debtor.name,
            "organization_name": organization.name,
            "amount": _amount(mollie_payment),
            "mollie_id": mollie_payment.mollie_id,
            **{key: value() if callable(value) else value for key, value in extra.items()},
        }
        subject = subject_of(mollie_payment)
        body = render_to_string(template, context)
    reply_to = [organization.email] if organization.email else None
    return EmailMessage(subject=subject, body=body, to=[debtor.email], reply_to=reply_to)


def _send_on_commit(message: EmailMessage, mollie_payment: MolliePayment, kind: str) -> None:
    payment_id = mollie_payment.pk

    def send() -> None:
        # TODO: a failed send is logged but not retried; route these through
        # an outbox with retries once the mail queue has one.
        try:
            message.send()
        except (smtplib.SMTPException, OSError):
            logger.exception("Sending the %s for Mollie payment %s failed", kind, payment_id)
            return
        logger.info("Sent the %s for Mollie payment %s", kind, payment_id)

    transaction.on_commit(send)
