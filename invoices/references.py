"""The organisation's own payment references for new invoices.

An invoice that arrives without a payment reference gets one in the scheme the
organisation chose, or else the scheme of its country: the Dutch
betalingskenmerk for NL, the Belgian OGM/VCS for BE and the ISO 11649 RF
creditor reference elsewhere. The reference is built from the invoice number
when the number fits the scheme (2026000123 becomes ``5000002026000123``),
otherwise from random digits, and is never one another invoice of the
organisation already carries.
"""

import logging
import secrets
from collections.abc import Iterator

from invoices.models import Invoice
from payt.models import Organization, PaymentReferenceScheme
from payt.references import (
    BETALINGSKENMERK_PAYLOAD_DIGITS,
    OGM_BASE_DIGITS,
    betalingskenmerk_generate,
    ogm_generate,
    rf_generate,
)

logger = logging.getLogger(__name__)

COUNTRY_SCHEMES = {"NL": PaymentReferenceScheme.BETALINGSKENMERK, "BE": PaymentReferenceScheme.OGM}
# Random digits in an RF reference generated for an invoice number that does not fit.
RF_RANDOM_DIGITS = 15
RANDOM_ATTEMPTS = 8


def reference_scheme_of(organization: Organization) -> str:
    """Return the scheme of new references: the organisation's setting, else its country's."""
    if organization.payment_reference_scheme:
        return organization.payment_reference_scheme
    return COUNTRY_SCHEMES.get(organization.country, PaymentReferenceScheme.RF)


def payment_reference_generate(*, organization: Organization, number: str) -> str:
    """Return a new payment reference for invoice ``number``, or "" when the setting is none.

    Call it inside the transaction that registers the invoice. Two invoices
    registered at the same moment can only receive the same reference when
    their numbers map to the same digits (``INV/1`` and ``INV 1`` in RF).
    """
    scheme = reference_scheme_of(organization)
    if scheme == PaymentReferenceScheme.NONE:
        return ""

    invoices = Invoice.objects.for_organization(organization)
    for candidate in _candidates(scheme, number):
        if not invoices.filter(payment_reference=candidate).exists():
            return candidate
    # Eight random 10-digit OGM bases in use out of 10**10 means the table is full.
    raise RuntimeError(f"No unused {scheme} payment reference found for invoice {number!r}.")


def _candidates(scheme: str, number: str) -> Iterator[str]:
    derived = _derived_from_number(scheme, number)
    if derived:
        yield derived
    for _ in range(RANDOM_ATTEMPTS):
        yield _random_reference(scheme)


def _derived_from_number(scheme: str, number: str) -> str:
    try:
        if scheme == PaymentReferenceScheme.BETALINGSKENMERK:
            return betalingskenmerk_generate(number) if number.isascii() and number.isdigit() else ""
        if scheme == PaymentReferenceScheme.OGM:
            return ogm_generate(number) if number.isascii() and number.isdigit() else ""
        return rf_generate(number)
    except ValueError:
        # Too long, or characters the scheme does not allow: a random reference follows.
        return ""


def _random_reference(scheme: str) -> str:
    if scheme == PaymentReferenceScheme.BETALINGSKENMERK:
        return betalingskenmerk_generate(_random_digits(BETALINGSKENMERK_PAYLOAD_DIGITS))
    if scheme == PaymentReferenceScheme.OGM:
        return ogm_generate(_random_digits(OGM_BASE_DIGITS))
    return rf_generate(_random_digits(RF_RANDOM_DIGITS))


def _random_digits(count: int) -> str:
    return "".join(str(secrets.randbelow(10)) for _ in range(count))
