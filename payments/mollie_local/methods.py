"""Payment methods that the local server can offer.

The ids are the Mollie method ids (``Method.IDEAL`` and so on in
mollie-api-python 4.0.0). The minimum and maximum amounts are placeholders
for tests, not the limits of a real Mollie profile.
"""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class PaymentMethod:
    id: str
    description: str
    minimum_amount: Decimal = Decimal("0.01")
    maximum_amount: Decimal = Decimal("50000.00")


CATALOGUE: dict[str, PaymentMethod] = {
    method.id: method
    for method in (
        PaymentMethod("ideal", "iDEAL"),
        PaymentMethod("bancontact", "Bancontact"),
        PaymentMethod("creditcard", "Card"),
        PaymentMethod("banktransfer", "Bank transfer"),
        PaymentMethod("directdebit", "SEPA Direct Debit"),
        PaymentMethod("paypal", "PayPal"),
    )
}

DEFAULT_ENABLED = tuple(CATALOGUE)
