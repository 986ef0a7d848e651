"""Recognise a bank file by its content and hand it to the CAMT or MT940 reader."""

from django.utils.translation import gettext as _

from payments.bank_files import MAX_BANK_FILE_BYTES, BankFileError, ParsedBankFile
from payments.camt import looks_like_xml, parse_camt
from payments.mt940_reader import looks_like_mt940, parse_mt940


def parse_bank_file(content: bytes) -> ParsedBankFile:
    """Read a CAMT.053, CAMT.054 or MT940 file, chosen by its content rather than its name.

    Raises BankFileError when the file as a whole cannot be used.
    """
    if not isinstance(content, (bytes, bytearray)):
        raise TypeError(f"parse_bank_file() expects bytes, got {type(content).__name__}.")
    if len(content) > MAX_BANK_FILE_BYTES:
        raise BankFileError(
            _("The file is %(size)s bytes and the maximum is %(max)s bytes; export a shorter period.")
            % {"size": f"{len(content):,}", "max": f"{MAX_BANK_FILE_BYTES:,}"},
            "too_large",
        )
    if looks_like_xml(content):
        return parse_camt(bytes(content))
    if looks_like_mt940(content):
        return parse_mt940(bytes(content))
    raise BankFileError(
        _(
            "The file is empty or neither CAMT XML nor MT940; upload a CAMT.053 or CAMT.054 XML file "
            "or an MT940 file as your bank exports it."
        ),
        "unknown_format",
    )
