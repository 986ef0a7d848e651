"""Phone numbers: read as people write them, stored and dialled in E.164 form (``phonenumbers``)."""

import phonenumbers

SMS_CAPABLE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


class InvalidPhoneNumber(ValueError):
    """A phone number that cannot be parsed, is not a valid number, or cannot receive texts."""


def normalize_phone(number: str, default_country: str, *, sms: bool = False) -> str:
    """Return ``number`` in E.164 form (+31612345678), read as a ``default_country`` number unless it has a +.

    With ``sms`` the number must be able to receive texts (a mobile number).
    Raises ``InvalidPhoneNumber`` with a message that names the number.
    """
    try:
        parsed = phonenumbers.parse(number, (default_country or "").upper() or None)
    except phonenumbers.NumberParseException:
        raise InvalidPhoneNumber(
            f"Phone number {number!r} cannot be read; write it with its country code, such as +31 6 12345678."
        ) from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumber(
            f"Phone number {number!r} is not a valid number; check the digits and the country code."
        )
    if sms and phonenumbers.number_type(parsed) not in SMS_CAPABLE_TYPES:
        raise InvalidPhoneNumber(f"Phone number {number!r} is not a mobile number and cannot receive texts.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def format_phone(number: str, default_country: str = "") -> str:
    """Return the number written for reading (+31 6 12345678); text that is no valid number stays as it is."""
    try:
        parsed = phonenumbers.parse(number, (default_country or "").upper() or None)
    except phonenumbers.NumberParseException:
        return number
    if not phonenumbers.is_valid_number(parsed):
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
