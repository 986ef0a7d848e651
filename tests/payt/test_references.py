"""Tests for payt.references: betalingskenmerk, OGM/VCS and ISO 11649 RF references."""

import pytest

from payt.references import (
    betalingskenmerk_generate,
    betalingskenmerk_is_valid,
    normalize_reference,
    ogm_generate,
    ogm_is_valid,
    rf_generate,
    rf_is_valid,
)

# --- normalize_reference -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("RF18 5390 0754 7034", "RF18539007547034"),
        ("rf71 2348 231", "RF712348231"),
        ("+++312/4013/98067+++", "312401398067"),
        ("5010.0021.6701.0010", "5010002167010010"),
        ("\t12 2345\u00a03462 2567\n", "12234534622567"),
        ("", ""),
    ],
)
def test_normalize_reference(text, expected):
    assert normalize_reference(text) == expected


# --- Dutch betalingskenmerk --------------------------------------------------------------


@pytest.mark.parametrize(
    "number, expected",
    [
        ("000056789012345", "5000056789012345"),
        ("56789012345", "5000056789012345"),
        (56789012345, "5000056789012345"),
        (2026000123, "5000002026000123"),
        ("2026000123", "5000002026000123"),
        ("2026.000.123", "5000002026000123"),
        ("010002167010010", "5010002167010010"),
    ],
)
def test_betalingskenmerk_generate(number, expected):
    assert betalingskenmerk_generate(number) == expected


def test_betalingskenmerk_generate_is_valid():
    for number in (0, 1, 7, 123456789, 999999999999999, 2026000123):
        reference = betalingskenmerk_generate(number)
        assert len(reference) == 16, number
        assert betalingskenmerk_is_valid(reference), reference


def test_betalingskenmerk_check_digit_plain():
    # Payload ...001: weighted sum 1 x 2 = 2, so C = 11 - 2 = 9.
    assert betalingskenmerk_generate(1) == "9000000000000001"
    # Payload ...005: weighted sum 5 x 2 = 10, so C = 11 - 10 = 1 without any mapping.
    assert betalingskenmerk_generate(5) == "1000000000000005"


def test_betalingskenmerk_check_10_becomes_1():
    # Payload ...006: weighted sum 6 x 2 = 12, 12 mod 11 = 1, so C = 10, written as 1.
    assert betalingskenmerk_generate(6) == "1000000000000006"


def test_betalingskenmerk_check_11_becomes_0():
    # Payload ...019: weighted sum 9 x 2 + 1 x 4 = 22, 22 mod 11 = 0, so C = 11, written as 0.
    assert betalingskenmerk_generate(19) == "0000000000000019"
    # A payload of zeros has weighted sum 0 and also gets C = 0.
    assert betalingskenmerk_generate(0) == "0000000000000000"


@pytest.mark.parametrize(
    "number", ["1234567890123456", 10**15, "12a4", "", " ", "-5", "١٢٣", "1,5"]
)
def test_betalingskenmerk_generate_invalid(number):
    with pytest.raises(ValueError):
        betalingskenmerk_generate(number)


@pytest.mark.parametrize("number", [-1, -2026000123])
def test_betalingskenmerk_generate_negative(number):
    with pytest.raises(ValueError):
        betalingskenmerk_generate(number)


@pytest.mark.parametrize("number", [None, 12.5, True, b"123"])
def test_betalingskenmerk_generate_wrong_type(number):
    with pytest.raises(TypeError):
        betalingskenmerk_generate(number)


@pytest.mark.parametrize(
    "reference",
    [
        "5000056789012345",
        "(5)000 0567 8901 2345",
        "5000002026000123",
        "12 2345 3462 2567",
        "12234534622567",
        "5010.0021.6701.0010",
        "0001.0411.4691.0100",
        "9001.0411.4681.2501",
        "1234567",
        "0000000",
    ],
)
def test_betalingskenmerk_valid(reference):
    assert betalingskenmerk_is_valid(reference) is True


def short_betalingskenmerk(number: str) -> str:
    """Build a 9-14 digit kenmerk with length code, using the same check digit rule."""
    body = str(len(number) % 10) + number
    weights = (2, 4, 8, 5, 10, 9, 7, 3, 6, 1)
    weighted_sum = sum(int(d) * weights[i % 10] for i, d in enumerate(reversed(body)))
    check = {10: 1, 11: 0}.get(11 - weighted_sum % 11, 11 - weighted_sum % 11)
    return f"{check}{body}"


@pytest.mark.parametrize(
    "number", ["1234567", "12345678", "123456789", "1234567890", "12345678901", "234534622567"]
)
def test_betalingskenmerk_valid_every_short_length(number):
    reference = short_betalingskenmerk(number)

    assert len(reference) == len(number) + 2
    assert betalingskenmerk_is_valid(reference) is True


@pytest.mark.parametrize(
    "reference",
    [
        "6000056789012345",  # wrong check digit
        "5000056789012346",  # changed last digit
        "02 2345 3462 2567",  # wrong check digit, 14 digits
        "13 2345 3462 2567",  # wrong length code: 12 following digits need code 2
        "500005678901234",  # 15 digits are not allowed
        "12345678",  # 8 digits are not allowed
        "123456",  # too short
        "50000567890123450",  # 17 digits
        "",
        "500005678901234X",
        "５000056789012345",  # full-width digit
        "+5000056789012345-",
    ],
)
def test_betalingskenmerk_invalid(reference):
    assert betalingskenmerk_is_valid(reference) is False


def test_betalingskenmerk_is_valid_non_string():
    assert betalingskenmerk_is_valid(None) is False
    assert betalingskenmerk_is_valid(5000056789012345) is False


# --- Belgian OGM/VCS ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "number, expected",
    [
        ("3124013980", "+++312/4013/98067+++"),
        (3124013980, "+++312/4013/98067+++"),
        ("1234567890", "+++123/4567/89002+++"),
        ("0000000097", "+++000/0000/09797+++"),
        (97, "+++000/0000/09797+++"),
        (1, "+++000/0000/00101+++"),
        ("0108068171", "+++010/8068/17183+++"),
    ],
)
def test_ogm_generate(number, expected):
    assert ogm_generate(number) == expected


@pytest.mark.parametrize("number", ["12345678901", 10**10, "12345/6789", "", "abc", -1])
def test_ogm_generate_invalid(number):
    with pytest.raises(ValueError):
        ogm_generate(number)


@pytest.mark.parametrize("number", [None, 3.5, False])
def test_ogm_generate_wrong_type(number):
    with pytest.raises(TypeError):
        ogm_generate(number)


@pytest.mark.parametrize(
    "reference",
    [
        "+++312/4013/98067+++",
        "+++312401398067+++",
        "312401398067",
        "312/4013/98067",
        " +++ 312 / 4013 / 98067 +++ ",
        "***312/4013/98067***",
        "+++123/4567/89002+++",
        "+++000/0000/09797+++",
    ],
)
def test_ogm_valid(reference):
    assert ogm_is_valid(reference) is True


@pytest.mark.parametrize(
    "reference",
    [
        "+++312/4013/98066+++",  # wrong check number
        "+++000/0000/09700+++",  # 0 is written as 97, never 00
        "+++312/4013/9806+++",  # 11 digits
        "+++312/4013/980677+++",  # 13 digits
        "+++000/0000/00000+++",
        "+++312/4013/98O67+++",  # letter O
        "",
        None,
    ],
)
def test_ogm_invalid(reference):
    assert ogm_is_valid(reference) is False


# --- ISO 11649 RF creditor reference -------------------------------------------------------


@pytest.mark.parametrize(
    "reference, expected",
    [
        ("2348231", "RF712348231"),
        ("539007547034", "RF18539007547034"),
        ("INV2026000123", "RF98INV2026000123"),
        ("inv 2026 000123", "RF98INV2026000123"),
        ("2026000123", "RF462026000123"),
        (2026000123, "RF462026000123"),
    ],
)
def test_rf_generate(reference, expected):
    assert rf_generate(reference) == expected


def test_rf_generate_is_valid():
    for reference in ("1", "A", "Z" * 21, "0" * 21, "INV2026000123", "2348231"):
        creditor_reference = rf_generate(reference)
        assert rf_is_valid(creditor_reference), creditor_reference


@pytest.mark.parametrize(
    "reference", ["", "   ", "A" * 22, "INV-2026", "INV_2026", "ÄBC", "１２３", -5]
)
def test_rf_generate_invalid(reference):
    with pytest.raises(ValueError):
        rf_generate(reference)


@pytest.mark.parametrize("reference", [None, 1.5, True])
def test_rf_generate_wrong_type(reference):
    with pytest.raises(TypeError):
        rf_generate(reference)


@pytest.mark.parametrize(
    "reference",
    [
        "RF712348231",
        "RF71 2348 231",
        "rf712348231",
        "RF18 5390 0754 7034",
        "RF18539007547034",
        "RF98INV2026000123",
        "RF98 INV2 0260 0012 3",
        "RF462026000123",
    ],
)
def test_rf_valid(reference):
    assert rf_is_valid(reference) is True


@pytest.mark.parametrize(
    "reference",
    [
        "RF68 5390 0754 7034",  # misprinted check digits; RF18 is correct
        "RF17 5390 0754 7034",
        "RF712348232",
        "RF71",  # no reference part
        "RF7",
        "XX712348231",
        "712348231",
        "RF18-5390-0754-7034",
        "RF00" + "1" * 22,  # reference part longer than 21 characters
        "",
        None,
    ],
)
def test_rf_invalid(reference):
    assert rf_is_valid(reference) is False


def test_rf_check_digits_00_and_01_rejected():
    # Check digits 97 and 98 have twins 00 and 01 that also pass MOD 97-10,
    # but generation never produces them.
    with_97 = next(r for r in (rf_generate(str(n)) for n in range(1, 10_000)) if r[2:4] == "97")
    with_98 = next(r for r in (rf_generate(str(n)) for n in range(1, 10_000)) if r[2:4] == "98")

    assert rf_is_valid(with_97) is True
    assert rf_is_valid("RF00" + with_97[4:]) is False
    assert rf_is_valid(with_98) is True
    assert rf_is_valid("RF01" + with_98[4:]) is False
