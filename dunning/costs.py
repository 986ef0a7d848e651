"""Extrajudicial collection costs and fixed recovery compensation per country, as pure functions.

Sources of the figures:

- NL: Besluit vergoeding voor buitengerechtelijke incassokosten (BIK), art. 2:
  15% of the first 2,500, 10% of the next 2,500, 5% of the next 5,000, 1% of
  the next 190,000, 0.5% of the rest; minimum 40, maximum 6,775. Art. 2(3):
  plus VAT (21%, art. 9(1) Wet OB 1968) only when the creditor cannot deduct
  VAT and says so. Art. 6:96(4) BW: a business owes at least 40 from the day
  after the due date, without a reminder.
- BE consumers: Book XIX Code of Economic Law (in force 1 September 2023):
  20 up to 150; 30 + 10% of the part above 150 up to 500; 65 + 5% of the part
  above 500; maximum 2,000. BE businesses: 40 (Wet 2 augustus 2002).
- FR businesses: 40 per invoice (code de commerce art. D441-5).
- DE businesses: 40 (§ 288(5) BGB).
- UK businesses: 40 below £1,000, 70 below £10,000, 100 from £10,000, per
  invoice (Late Payment of Commercial Debts (Interest) Act 1998, s.5A).

Consumers in FR, DE and the UK owe no fixed compensation: the result is 0
with the reason. Amounts are rounded half up to the cent.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from dunning.calculation import (
    CalculationError,
    LegalDebtorKind,
    check_country,
    check_currency,
    check_debtor_kind,
    check_principal,
)
from payt.money import ZERO, to_money

NL_VAT_RATE = Decimal("21")
BIK_MINIMUM = Decimal("40.00")
BIK_MAXIMUM = Decimal("6775.00")
# (upper bound of the tier or None, percent), applied to consecutive parts of the principal.
BIK_TIERS = (
    (Decimal("2500"), Decimal("15")),
    (Decimal("5000"), Decimal("10")),
    (Decimal("10000"), Decimal("5")),
    (Decimal("200000"), Decimal("1")),
    (None, Decimal("0.5")),
)
BE_CONSUMER_MAXIMUM = Decimal("2000.00")
FIXED_BUSINESS_COMPENSATION = Decimal("40.00")
# (debt below this amount, or None for any amount) -> fixed sum in GBP.
UK_FIXED_SUMS = ((Decimal("1000"), Decimal("40.00")), (Decimal("10000"), Decimal("70.00")), (None, Decimal("100.00")))


@dataclass(frozen=True)
class CostTier:
    """The part of the principal between ``lower`` and ``upper`` and what it adds, before rounding."""

    lower: Decimal
    upper: Decimal | None
    base: Decimal
    rate: Decimal | None
    fixed: Decimal
    amount: Decimal


@dataclass(frozen=True)
class CostsResult:
    """Costs that may be charged: ``amount`` = ``fee`` + ``vat``, where ``fee`` already has its minimum and maximum."""

    amount: Decimal
    fee: Decimal
    vat: Decimal
    vat_rate: Decimal | None
    minimum: Decimal | None
    maximum: Decimal | None
    currency: str
    tiers: tuple[CostTier, ...]
    legal_basis: str
    note: str


def collection_costs(
    country: str,
    debtor_kind: str,
    principal: Decimal,
    currency: str | None = None,
    vat_not_deductible: bool = False,
) -> CostsResult:
    """Return the collection costs or fixed compensation a creditor may charge on ``principal``.

    For NL the principal is the sum of all open claims of the debtor that one
    letter lists (art. 6:96(7) BW). ``currency`` defaults to the country's
    (EUR, or GBP for GB/UK). ``vat_not_deductible`` applies to NL only.
    Raises ``CalculationError`` naming the bad parameter.
    """
    country = check_country(country)
    debtor_kind = check_debtor_kind(debtor_kind)
    principal = check_principal(principal)
    currency = check_currency(country, currency)
    if vat_not_deductible and country != "NL":
        raise CalculationError(
            "vat_not_deductible",
            f"VAT on collection costs is added only in NL (art. 2(3) BIK); send false for {country}.",
        )

    if country == "NL":
        return _netherlands(debtor_kind, principal, currency, vat_not_deductible)
    if country == "BE":
        return _belgium(debtor_kind, principal, currency)
    if debtor_kind == LegalDebtorKind.CONSUMER:
        return _none_for_consumer(country, currency)
    if country == "GB":
        return _united_kingdom(principal, currency)
    return _fixed_business(country, currency)


def tiered_amount(principal: Decimal, tiers: Sequence[tuple[Decimal | None, Decimal]]) -> list[CostTier]:
    """Split ``principal`` over consecutive tiers (upper bound, percent) and return the tiers it reaches."""
    result = []
    lower = ZERO
    for upper, rate in tiers:
        if principal <= lower:
            break
        top = principal if upper is None else min(principal, upper)
        base = top - lower
        result.append(CostTier(lower, upper, base, rate, ZERO, base * rate / 100))
        lower = upper if upper is not None else principal
    return result


def _netherlands(debtor_kind, principal, currency, vat_not_deductible) -> CostsResult:
    tiers = tiered_amount(principal, BIK_TIERS)
    scale = sum((tier.amount for tier in tiers), ZERO)
    fee = to_money(min(max(scale, BIK_MINIMUM), BIK_MAXIMUM))
    vat = to_money(fee * NL_VAT_RATE / 100) if vat_not_deductible else ZERO

    notes = [
        _(
            "Owed only once the consumer, in default, has let the term of a 14-day letter pass unpaid: "
            "14 days from the day after the letter was received."
        )
        if debtor_kind == LegalDebtorKind.CONSUMER
        else _(
            "A business owes at least €40 from the day after the due date, without a reminder; "
            "the scale is the amount courts accept."
        )
    ]
    if vat_not_deductible:
        notes.append(_("21% VAT is added because the creditor states that it cannot deduct VAT."))
    return CostsResult(
        amount=fee + vat,
        fee=fee,
        vat=vat,
        vat_rate=NL_VAT_RATE if vat_not_deductible else None,
        minimum=BIK_MINIMUM,
        maximum=BIK_MAXIMUM,
        currency=currency,
        tiers=tuple(tiers),
        legal_basis="Art. 6:96 BW; Besluit vergoeding voor buitengerechtelijke incassokosten, art. 2",
        note=" ".join(notes),
    )


def _belgium(debtor_kind, principal, currency) -> CostsResult:
    if debtor_kind == LegalDebtorKind.BUSINESS:
        return _fixed_business("BE", currency)

    tier = _belgian_consumer_tier(principal)
    fee = to_money(min(tier.amount, BE_CONSUMER_MAXIMUM))
    return CostsResult(
        amount=fee,
        fee=fee,
        vat=ZERO,
        vat_rate=None,
        minimum=None,
        maximum=BE_CONSUMER_MAXIMUM,
        currency=currency,
        tiers=(tier,),
        legal_basis="Boek XIX Wetboek van economisch recht (wet van 4 mei 2023)",
        note=_(
            "The maximum, and only if agreed in terms the consumer accepted: owed after a free first reminder "
            "whose term of at least 14 days has passed."
        ),
    )


def _belgian_consumer_tier(principal: Decimal) -> CostTier:
    if principal <= 150:
        return CostTier(ZERO, Decimal("150"), principal, None, Decimal("20.00"), Decimal("20.00"))
    if principal <= 500:
        base = principal - 150
        return CostTier(Decimal("150"), Decimal("500"), base, Decimal("10"), Decimal("30.00"), 30 + base / 10)
    base = principal - 500
    return CostTier(Decimal("500"), None, base, Decimal("5"), Decimal("65.00"), 65 + base * 5 / 100)


_BUSINESS_BASIS = {
    "BE": "Wet van 2 augustus 2002 betreffende de bestrijding van de betalingsachterstand, art. 6",
    "FR": "Code de commerce, art. L441-10 II and D441-5",
    "DE": "§ 288(5) BGB",
}


def _fixed_business(country: str, currency: str) -> CostsResult:
    amount = FIXED_BUSINESS_COMPENSATION
    tier = CostTier(ZERO, None, ZERO, None, amount, amount)
    return CostsResult(
        amount=amount,
        fee=amount,
        vat=ZERO,
        vat_rate=None,
        minimum=amount,
        maximum=None,
        currency=currency,
        tiers=(tier,),
        legal_basis=_BUSINESS_BASIS[country],
        note=_business_note(country),
    )


def _business_note(country: str) -> str:
    if country == "FR":
        return _(
            "A fixed €40 per invoice, owed by law without a reminder and in full even after a partial payment; "
            "higher costs only on proof."
        )
    if country == "DE":
        return _("A lump sum of €40 once the debtor is in default; it counts towards damages for legal costs.")
    return _("A fixed €40, owed by law from the day after the due date; higher costs only on proof.")


def _united_kingdom(principal: Decimal, currency: str) -> CostsResult:
    lower, below, amount = _uk_band(principal)
    tier = CostTier(lower, below, principal, None, amount, amount)
    return CostsResult(
        amount=amount,
        fee=amount,
        vat=ZERO,
        vat_rate=None,
        minimum=amount,
        maximum=None,
        currency=currency,
        tiers=(tier,),
        legal_basis="Late Payment of Commercial Debts (Interest) Act 1998, s.5A",
        note=_("A fixed sum per invoice by debt size; reasonable higher recovery costs may be claimed on top."),
    )


def _uk_band(principal: Decimal) -> tuple[Decimal, Decimal | None, Decimal]:
    """Return (lower bound, upper bound, fixed sum) of the band the debt falls in."""
    lower = ZERO
    for below, amount in UK_FIXED_SUMS:
        if below is None or principal < below:
            return lower, below, amount
        lower = below
    raise AssertionError("the last band has no upper bound")


def _none_for_consumer(country: str, currency: str) -> CostsResult:
    return CostsResult(
        amount=ZERO,
        fee=ZERO,
        vat=ZERO,
        vat_rate=None,
        minimum=None,
        maximum=None,
        currency=currency,
        tiers=(),
        legal_basis="",
        note=_("No fixed compensation: in %(country)s it applies to business debtors only.") % {"country": country},
    )
