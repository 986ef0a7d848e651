"""Timeline records of what happened to a Mollie payment."""

from decimal import Decimal

from debtors.models import TimelineKind
from debtors.services import timeline_record
from payments.models import MolliePayment
from payt.money import format_amount


def mollie_event_record(mollie_payment: MolliePayment, event: str, summary: str, amount: Decimal, **data) -> None:
    """Record ``event`` on the debtor's timeline, on the invoice when the payment covers one."""
    lines = list(mollie_payment.lines.all())
    timeline_record(
        debtor=mollie_payment.debtor,
        invoice=lines[0].invoice if len(lines) == 1 else None,
        kind=TimelineKind.PAYMENT,
        summary=summary,
        data={
            "event": event,
            "mollie_id": mollie_payment.mollie_id,
            "amount": format_amount(amount),
            "currency": mollie_payment.currency,
            **{key: format_amount(value) for key, value in data.items()},
        },
    )
