"""Amounts due on an invoice today: the open principal plus open costs and interest.

NOTE: dunning will offer ``amount_due(invoice, on_date)`` with the same
fields; once it does, ``amounts_due`` should call it and this module should
only keep the batch read. Every amount the portal shows or charges comes
from here, so that swap changes one place.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from dunning.models import Charge, ChargeKind
from invoices.models import Invoice
from payt.money import ZERO

COST_KINDS = (ChargeKind.COLLECTION_COSTS, ChargeKind.FIXED_FEE)


@dataclass(frozen=True)
class AmountDue:
    """The amounts a debtor owes on one invoice, in the invoice's currency."""

    principal: Decimal
    costs: Decimal = ZERO
    interest: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.principal + self.costs + self.interest

    @property
    def has_charges(self) -> bool:
        return self.costs > 0 or self.interest > 0


def amounts_due(invoices: Iterable[Invoice], on_date: dt.date) -> dict:
    """Return ``{invoice id: AmountDue}`` for the invoices, reading their open charges in one query.

    Charges that are waived, or dated after ``on_date``, do not count.
    """
    invoices = list(invoices)
    charges: dict = defaultdict(lambda: {"costs": ZERO, "interest": ZERO})
    rows = (
        Charge.objects.filter(
            invoice_id__in=[invoice.pk for invoice in invoices],
            waived_at__isnull=True,
            open_amount__gt=0,
            charged_on__lte=on_date,
        )
        .values("invoice_id", "kind")
        .annotate(total=Sum("open_amount"))
    )
    for row in rows:
        part = "costs" if row["kind"] in COST_KINDS else "interest"
        charges[row["invoice_id"]][part] += row["total"]
    return {
        invoice.pk: AmountDue(principal=max(invoice.open_amount, ZERO), **charges[invoice.pk]) for invoice in invoices
    }


def amount_due(invoice: Invoice, on_date: dt.date) -> AmountDue:
    """Return what the debtor owes on ``invoice`` on ``on_date``."""
    return amounts_due([invoice], on_date)[invoice.pk]
