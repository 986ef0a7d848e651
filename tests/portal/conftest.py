"""Portal tests share the payment fixtures (the local Mollie server, debtors with links) and dunning's run_day."""

from tests.dunning.conftest import run_day  # noqa: F401 (pytest finds fixtures by name)
from tests.payments.conftest import (  # noqa: F401 (pytest finds fixtures by name)
    alfa_debtor,
    bravo_debtor,
    mollie_control,
    mollie_server,
)
