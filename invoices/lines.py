"""Invoice lines and the totals computed from them, as pure functions.

A line's net amount is quantity × unit price rounded half up to the cent.
VAT is computed per rate over the sum of the line nets with that rate, as
EN 16931 totals VAT per category, and rounded half up once per rate. A line
of 12.50 at 21% thus gives VAT 2.63 and a gross total of 15.13.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from payt.money import ZERO, to_money

QUANTITY_PLACES = 4
UNIT_PRICE_PLACES = 6


@dataclass(frozen=True)
class LineInput:
    """A line as a caller sends it; ``line_net`` is None when it is to be computed."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal
    line_net: Decimal | None = None


@dataclass(frozen=True)
class VatSubtotal:
    rate: Decimal
    taxable: Decimal
    vat: Decimal


@dataclass(frozen=True)
class InvoiceTotals:
    net: Decimal
    vat: Decimal
    gross: Decimal
    line_nets: tuple[Decimal, ...]
    vat_subtotals: tuple[VatSubtotal, ...]


def line_net(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """Return quantity × unit price rounded half up to the cent (0.625 becomes 0.63)."""
    return to_money(quantity * unit_price)


def invoice_totals(lines: Sequence[LineInput]) -> InvoiceTotals:
    """Return the net, VAT and gross totals of ``lines``, each line net computed unless given."""
    nets = tuple(_net_of(line) for line in lines)

    taxable_by_rate: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for line, net in zip(lines, nets, strict=True):
        taxable_by_rate[line.vat_rate] += net
    subtotals = tuple(
        VatSubtotal(rate=rate, taxable=taxable, vat=to_money(taxable * rate / 100))
        for rate, taxable in sorted(taxable_by_rate.items())
    )

    net = sum(nets, ZERO)
    vat = sum((subtotal.vat for subtotal in subtotals), ZERO)
    return InvoiceTotals(net=net, vat=vat, gross=net + vat, line_nets=nets, vat_subtotals=subtotals)


def _net_of(line: LineInput) -> Decimal:
    return line.line_net if line.line_net is not None else line_net(line.quantity, line.unit_price)
