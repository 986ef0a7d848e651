"""Generate and validate structured payment references.

Three schemes are supported:

- Dutch betalingskenmerk (Betaalvereniging Nederland): 7, 9–14 or 16 digits with a
  weighted modulus-11 check digit in front;
- Belgian OGM/VCS structured communication: ``+++ddd/dddd/ddddd+++``, ten digits and
  a modulus-97 check number;
- ISO 11649 RF creditor reference: ``RF``, two check digits (ISO 7064 MOD 97-10) and
  up to 21 letters or digits.

Generators return a betalingskenmerk or RF reference without spaces and an OGM/VCS as
``+++ddd/dddd/ddddd+++``. They raise ValueError for invalid input and TypeError for a
wrong type. Validators accept the printed forms, with spaces and separators, and return
False for anything invalid, including values that are not strings.

``reference_scheme`` names the scheme whose check digits a reference passes,
``payment_reference_check`` rejects a reference that claims a scheme but fails its
check, and ``references_in_text`` finds the references a payer typed into free text.
"""

from __future__ import annotations

import re
from enum import StrEnum

from stdnum import iso11649
from stdnum.be import ogm_vcs
from stdnum.iso7064 import mod_97_10

# Weights for the betalingskenmerk check digit, applied from the rightmost digit and
# repeated every ten digits (the powers of 2 modulo 11).
BETALINGSKENMERK_WEIGHTS = (2, 4, 8, 5, 10, 9, 7, 3, 6, 1)
BETALINGSKENMERK_PAYLOAD_DIGITS = 15
OGM_BASE_DIGITS = 10
RF_MAX_REFERENCE_CHARS = 21

_SEPARATORS = re.compile(r"[\s.+/]")
_ASCII_DIGITS = re.compile(r"[0-9]+")
_RF_REFERENCE = re.compile(rf"[0-9A-Z]{{1,{RF_MAX_REFERENCE_CHARS}}}")
_RF_CREDITOR_REFERENCE = re.compile(rf"RF([0-9]{{2}})[0-9A-Z]{{1,{RF_MAX_REFERENCE_CHARS}}}")


def normalize_reference(text: str) -> str:
    """Remove whitespace, dots, '+' and '/' from ``text`` and convert it to upper case."""
    return _SEPARATORS.sub("", text).upper()


# --- Dutch betalingskenmerk ----------------------------------------------------------


def betalingskenmerk_generate(number: int | str) -> str:
    """Build a 16-digit betalingskenmerk: check digit followed by ``number`` padded to 15 digits.

    ``number`` is a non-negative integer or a string of at most 15 digits (spaces and
    dots are ignored). For example 2026000123 gives ``5000002026000123``.
    """
    payload = _to_digit_string(number, BETALINGSKENMERK_PAYLOAD_DIGITS, "betalingskenmerk")
    payload = payload.rjust(BETALINGSKENMERK_PAYLOAD_DIGITS, "0")
    return f"{_betalingskenmerk_check_digit(payload)}{payload}"


def betalingskenmerk_is_valid(reference: str) -> bool:
    """Check a betalingskenmerk's length, length code and check digit.

    Valid forms, and every other length is invalid:

    - 7 digits, without a check digit;
    - 9–14 digits: check digit, length code, then 7–12 digits. The length code is the
      number of following digits modulo 10 (7, 8, 9, 0, 1, 2);
    - 16 digits: check digit, then 15 digits.

    Spaces, dots and the brackets of the printed form "(5)000 0567 ..." are ignored.
    """
    if not isinstance(reference, str):
        return False
    digits = normalize_reference(reference).replace("(", "").replace(")", "")
    if not _ASCII_DIGITS.fullmatch(digits):
        return False

    length = len(digits)
    if length == 7:
        return True
    if 9 <= length <= 14:
        following_digits = length - 2
        if int(digits[1]) != following_digits % 10:
            return False
    elif length != 16:
        return False
    return _betalingskenmerk_check_digit(digits[1:]) == int(digits[0])


def _betalingskenmerk_check_digit(digits: str) -> int:
    """Return the check digit for ``digits`` (length code and number, without the check digit)."""
    weighted_sum = sum(
        int(digit) * BETALINGSKENMERK_WEIGHTS[position % len(BETALINGSKENMERK_WEIGHTS)]
        for position, digit in enumerate(reversed(digits))
    )
    check = 11 - weighted_sum % 11
    # 11 - (sum mod 11) ranges over 1..11, and the two values that need two digits map back to one.
    if check == 10:
        return 1
    if check == 11:
        return 0
    return check


# --- Belgian OGM/VCS -----------------------------------------------------------------


def ogm_generate(number: int | str) -> str:
    """Build an OGM/VCS ``+++ddd/dddd/ddddd+++`` from ``number`` (at most 10 digits, zero-padded).

    The check number is the base modulo 97, or 97 when that is 0. For example
    3124013980 gives ``+++312/4013/98067+++``.
    """
    base = _to_digit_string(number, OGM_BASE_DIGITS, "OGM/VCS").rjust(OGM_BASE_DIGITS, "0")
    check = ogm_vcs.calc_check_digits(base)
    return f"+++{base[:3]}/{base[3:7]}/{base[7:]}{check}+++"


def ogm_is_valid(reference: str) -> bool:
    """Check an OGM/VCS: 12 digits whose last two are the check number of the first ten.

    Spaces, dots, '+', '/' and the '*' that some banks print in place of '+' are ignored,
    so ``+++312/4013/98067+++``, ``***312/4013/98067***`` and ``312401398067`` are all
    valid.
    """
    if not isinstance(reference, str):
        return False
    digits = normalize_reference(reference).replace("*", "")
    if len(digits) != OGM_BASE_DIGITS + 2 or not _ASCII_DIGITS.fullmatch(digits):
        return False
    return ogm_vcs.is_valid(digits)


# --- ISO 11649 RF creditor reference -------------------------------------------------


def rf_generate(reference: int | str) -> str:
    """Build an ISO 11649 creditor reference ``RF`` + check digits + ``reference``.

    ``reference`` holds 1–21 letters A–Z or digits after normalize_reference(); lower
    case is converted to upper case. For example ``INV2026000123`` gives
    ``RF98INV2026000123``.
    """
    if isinstance(reference, bool) or not isinstance(reference, (int, str)):
        raise TypeError(
            f"rf_generate() expects a string or an integer, got {type(reference).__name__}."
        )
    if isinstance(reference, int) and reference < 0:
        raise ValueError(f"invalid RF reference {reference}: use a non-negative number.")

    body = normalize_reference(str(reference))
    if not _RF_REFERENCE.fullmatch(body):
        raise ValueError(
            f"invalid RF reference {reference!r}: "
            f"use 1 to {RF_MAX_REFERENCE_CHARS} letters A-Z or digits."
        )
    # MOD 97-10 over the reference followed by "RF00", with letters as A=10 ... Z=35.
    check = mod_97_10.calc_check_digits(body + "RF")
    return f"RF{check}{body}"


def rf_is_valid(reference: str) -> bool:
    """Check an ISO 11649 creditor reference, printed (``RF18 5390 0754 7034``) or compact.

    The check digits must be 02–98, the only values the algorithm produces, so the
    equivalent forms with 00 or 01 are rejected.
    """
    if not isinstance(reference, str):
        return False
    compact = normalize_reference(reference)
    match = _RF_CREDITOR_REFERENCE.fullmatch(compact)
    if match is None or not 2 <= int(match.group(1)) <= 98:
        return False
    return iso11649.is_valid(compact)


# --- Shared input handling -----------------------------------------------------------


def _to_digit_string(number: int | str, max_digits: int, scheme: str) -> str:
    """Return ``number`` as a string of ASCII digits, without padding."""
    if isinstance(number, bool) or not isinstance(number, (int, str)):
        raise TypeError(
            f"{scheme} number must be an integer or a digit string, got {type(number).__name__}."
        )
    if isinstance(number, int):
        if number < 0:
            raise ValueError(f"invalid {scheme} number {number}: use a non-negative number.")
        digits = str(number)
    else:
        digits = re.sub(r"[\s.]", "", number)
        if not _ASCII_DIGITS.fullmatch(digits):
            raise ValueError(f"invalid {scheme} number {number!r}: use digits 0-9 only.")

    if len(digits) > max_digits:
        raise ValueError(
            f"invalid {scheme} number {number!r}: it has more than {max_digits} digits."
        )
    return digits


# --- Scheme detection ----------------------------------------------------------------


class ReferenceScheme(StrEnum):
    BETALINGSKENMERK = "betalingskenmerk"
    OGM = "ogm"
    RF = "rf"


def reference_scheme(reference: str) -> ReferenceScheme | None:
    """Return the scheme whose check digits ``reference`` passes, or None.

    A 7-digit betalingskenmerk carries no check digit, so it proves nothing and
    returns None. A 12-digit number can pass both the OGM/VCS and the
    betalingskenmerk check; OGM/VCS is returned then.
    """
    if not isinstance(reference, str):
        return None
    compact = normalize_reference(reference)
    if compact.startswith("RF"):
        return ReferenceScheme.RF if rf_is_valid(compact) else None
    if ogm_is_valid(reference):
        return ReferenceScheme.OGM
    if len(compact) > 7 and betalingskenmerk_is_valid(reference):
        return ReferenceScheme.BETALINGSKENMERK
    return None


def payment_reference_check(reference: str) -> str:
    """Return ``reference`` stripped, or raise ValueError when it fails the scheme it claims.

    A reference claims a scheme by its form: ``RF`` and two digits for ISO 11649,
    ``+++`` or ``***`` around digits for OGM/VCS, and exactly 16 digits for the
    betalingskenmerk (no other scheme here has 16 digits). Any other text is
    accepted as it is, because accounting packages also send free references
    such as the invoice number.
    """
    reference = reference.strip()
    compact = normalize_reference(reference)
    if re.match(r"RF[0-9]{2}", compact) and not rf_is_valid(reference):
        raise ValueError(
            f"{reference!r} is not a valid RF creditor reference: the check digits do not match; "
            "copy the reference again or leave it empty to have one generated."
        )
    if ("+++" in reference or "***" in reference) and not ogm_is_valid(reference):
        raise ValueError(
            f"{reference!r} is not a valid structured communication (OGM/VCS): the last two digits "
            "must be the first ten modulo 97; copy it again or leave it empty to have one generated."
        )
    digits = compact.replace("(", "").replace(")", "")
    if _ASCII_DIGITS.fullmatch(digits) and len(digits) == 16 and not betalingskenmerk_is_valid(digits):
        raise ValueError(
            f"{reference!r} is not a valid betalingskenmerk: the first digit is not its check digit; "
            "copy it again or leave it empty to have one generated."
        )
    return reference


# References as payers type them into remittance text: RF with optional spaces, an OGM
# with its plus signs or stars or its slashes, and digit groups separated by spaces or dots.
_TEXT_RF = re.compile(r"\bRF[0-9]{2}(?: ?[0-9A-Z]{1,4}){1,6}\b", re.IGNORECASE)
_TEXT_OGM = re.compile(
    r"[+*]{3}\s*[0-9]{3}\s*/?\s*[0-9]{4}\s*/?\s*[0-9]{5}\s*[+*]{3}|(?<![0-9])[0-9]{3}/[0-9]{4}/[0-9]{5}(?![0-9])"
)
_TEXT_DIGITS = re.compile(r"(?<![0-9A-Za-z])\(?[0-9]\)?(?:[ .]?[0-9]){8,15}(?![0-9])")


def references_in_text(text: str) -> list[tuple[str, ReferenceScheme]]:
    """Return the references with valid check digits found in free text, compact, in order.

    A digit run passes only when its check digits fit, so a date or an account
    number is rarely taken for a reference (about 1 in 11 random 16-digit runs
    passes the betalingskenmerk check).
    """
    if not text:
        return []
    found: list[tuple[str, ReferenceScheme]] = []
    # Digits inside an RF or OGM form, valid or not, belong to that form.
    taken: list[tuple[int, int]] = []
    for pattern in (_TEXT_RF, _TEXT_OGM, _TEXT_DIGITS):
        for match in pattern.finditer(text):
            if any(start < match.end() and match.start() < end for start, end in taken):
                continue
            if pattern is not _TEXT_DIGITS:
                taken.append(match.span())
            for candidate in _shorter_forms(match.group(0)):
                scheme = reference_scheme(candidate)
                if scheme is None:
                    continue
                if (reference_key(candidate), scheme) not in found:
                    found.append((reference_key(candidate), scheme))
                break
    return found


def _shorter_forms(candidate: str) -> list[str]:
    """Return the candidate, then without each trailing space-separated group, longest first.

    "RF18 5390 0754 7034 op 2026" is matched whole; the reference ends before "op".
    """
    groups = candidate.split(" ")
    return [" ".join(groups[:end]) for end in range(len(groups), 0, -1)]


def reference_key(reference: str) -> str:
    """Return the form under which references are compared: no separators, upper case.

    ``+++312/4013/98067+++``, ``***312/4013/98067***`` and ``312401398067`` share one key.
    """
    return normalize_reference(reference).replace("*", "").replace("(", "").replace(")", "")
