"""Portal tests share the payment fixtures: the local Mollie server and debtors with links."""

from tests.payments.conftest import (  # noqa: F401 (pytest finds fixtures by name)
    alfa_debtor,
    bravo_debtor,
    mollie_control,
    mollie_server,
)
