"""Collection costs and fixed compensation: every worked example to the cent, and bad input."""

from decimal import Decimal

import pytest

from dunning.calculation import CalculationError
from dunning.costs import collection_costs

# Principal -> BIK fee, and the fee plus 21% VAT when the creditor cannot deduct VAT.
BIK_EXAMPLES = [
    ("100.00", "40.00", "48.40"),
    ("266.66", "40.00", "48.40"),
    ("300.00", "45.00", "54.45"),
    ("1234.56", "185.18", "224.07"),
    ("2500.00", "375.00", "453.75"),
    ("3000.00", "425.00", "514.25"),
    ("5000.00", "625.00", "756.25"),
    ("10000.00", "875.00", "1058.75"),
    ("25000.00", "1025.00", "1240.25"),
    ("250000.00", "3025.00", "3660.25"),
    ("1000000.00", "6775.00", "8197.75"),
    ("1200000.00", "6775.00", "8197.75"),
    # Cross-checks of an independent implementation of the scale.
    ("1500.00", "225.00", "272.25"),
    ("800000.00", "5775.00", "6987.75"),
]

# Balance -> maximum fixed damages for a Belgian consumer.
BE_CONSUMER_EXAMPLES = [
    ("100.00", "20.00"),
    ("150.00", "20.00"),
    ("150.01", "30.00"),
    ("300.00", "45.00"),
    ("500.00", "65.00"),
    ("1000.00", "90.00"),
    ("10000.00", "540.00"),
    ("38700.00", "1975.00"),
    ("40000.00", "2000.00"),
]


@pytest.mark.parametrize(("principal", "fee", "with_vat"), BIK_EXAMPLES)
@pytest.mark.parametrize("kind", ["consumer", "business"])
def test_nl_bik_scale(principal, fee, with_vat, kind):
    plain = collection_costs("NL", kind, Decimal(principal), "EUR")
    taxed = collection_costs("NL", kind, Decimal(principal), "EUR", vat_not_deductible=True)

    assert plain.amount == Decimal(fee)
    assert plain.vat == Decimal("0.00")
    assert taxed.fee == Decimal(fee)
    assert taxed.amount == Decimal(with_vat)
    assert taxed.vat_rate == Decimal("21")


def test_nl_tiers_of_large_claim():
    result = collection_costs("NL", "business", Decimal("250000.00"))

    assert [(tier.lower, tier.upper, tier.base, tier.rate, tier.amount) for tier in result.tiers] == [
        (Decimal("0"), Decimal("2500"), Decimal("2500.00"), Decimal("15"), Decimal("375")),
        (Decimal("2500"), Decimal("5000"), Decimal("2500"), Decimal("10"), Decimal("250")),
        (Decimal("5000"), Decimal("10000"), Decimal("5000"), Decimal("5"), Decimal("250")),
        (Decimal("10000"), Decimal("200000"), Decimal("190000"), Decimal("1"), Decimal("1900")),
        (Decimal("200000"), None, Decimal("50000.00"), Decimal("0.5"), Decimal("250")),
    ]
    assert result.minimum == Decimal("40.00")
    assert result.maximum == Decimal("6775.00")


def test_nl_minimum_below_266_67():
    assert collection_costs("NL", "consumer", Decimal("266.66")).amount == Decimal("40.00")
    assert collection_costs("NL", "consumer", Decimal("266.67")).amount == Decimal("40.00")
    # 15% of 266.70 is 40.005, which rounds half up to 40.01.
    assert collection_costs("NL", "consumer", Decimal("266.70")).amount == Decimal("40.01")


def test_nl_fee_rounds_half_up():
    # 15% of 300.30 is exactly 45.045: half up gives 45.05, half to even would give 45.04.
    assert collection_costs("NL", "consumer", Decimal("300.30")).amount == Decimal("45.05")


@pytest.mark.parametrize(("principal", "expected"), BE_CONSUMER_EXAMPLES)
def test_be_consumer_tiers(principal, expected):
    result = collection_costs("BE", "consumer", Decimal(principal), "EUR")

    assert result.amount == Decimal(expected)
    assert result.maximum == Decimal("2000.00")


@pytest.mark.parametrize("country", ["BE", "FR", "DE"])
def test_business_fixed_40(country):
    result = collection_costs(country, "business", Decimal("10000.00"), "EUR")

    assert result.amount == Decimal("40.00")
    assert result.currency == "EUR"
    assert result.legal_basis


@pytest.mark.parametrize(("country", "currency"), [("FR", "EUR"), ("DE", "EUR"), ("GB", "GBP"), ("UK", "GBP")])
def test_consumer_owes_nothing(country, currency):
    result = collection_costs(country, "consumer", Decimal("5000.00"), currency)

    assert result.amount == Decimal("0.00")
    assert result.tiers == ()
    assert "business debtors only" in result.note


@pytest.mark.parametrize(
    ("principal", "expected"),
    [("999.99", "40.00"), ("1000.00", "70.00"), ("5000.00", "70.00"), ("9999.99", "70.00"), ("10000.00", "100.00")],
)
def test_uk_fixed_sum_by_debt_size(principal, expected):
    result = collection_costs("GB", "business", Decimal(principal), "GBP")

    assert result.amount == Decimal(expected)
    assert result.currency == "GBP"


def test_currency_defaults_to_country():
    assert collection_costs("GB", "business", Decimal("10.00")).currency == "GBP"
    assert collection_costs("nl", "business", Decimal("10.00")).currency == "EUR"


@pytest.mark.parametrize(
    ("arguments", "parameter"),
    [
        (("ES", "business", "100"), "country"),
        (("NL", "company", "100"), "debtor_kind"),
        (("NL", "business", "0"), "principal"),
        (("NL", "business", "-1"), "principal"),
        (("NL", "business", "12.345"), "principal"),
        (("NL", "business", "1e15"), "principal"),
        (("NL", "business", "NaN"), "principal"),
        (("NL", "business", "100", "GBP"), "currency"),
        (("GB", "business", "100", "EUR"), "currency"),
    ],
)
def test_bad_input_names_parameter(arguments, parameter):
    with pytest.raises(CalculationError) as raised:
        collection_costs(*arguments)

    assert raised.value.parameter == parameter


def test_vat_only_in_netherlands():
    with pytest.raises(CalculationError) as raised:
        collection_costs("BE", "business", Decimal("100"), vat_not_deductible=True)

    assert raised.value.parameter == "vat_not_deductible"
