"""Steps that payment tests share: start a payment, deliver a webhook."""

from payments.models import MolliePayment
from payments.services import mollie_payment_start
from payt.tenancy import tenant_context
from tests.payments.conftest import WEBHOOK_PATH


def start(visitor, *invoices, language=None) -> MolliePayment:
    with tenant_context(visitor.organization):
        return mollie_payment_start(
            debtor=visitor.debtor, invoices=list(invoices), language=language
        )


def deliver(client, mollie_id: str, **extra_fields):
    """POST the webhook as Mollie does: a form body with only the payment id."""
    return client.post(WEBHOOK_PATH, {"id": mollie_id, **extra_fields})


def reload(visitor, mollie_payment: MolliePayment) -> MolliePayment:
    with tenant_context(visitor.organization):
        return MolliePayment.objects.select_related("payment").get(pk=mollie_payment.pk)
