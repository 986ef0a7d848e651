"""Reads of debtors: lookups within an organisation and matching of e-invoice parties."""

import re
import uuid

from django.db.models import QuerySet, Value
from django.db.models.functions import Replace, Upper

from debtors.models import Debtor
from payt.models import Organization

# ISO 6523 ICD of the Dutch Chamber of Commerce (KvK) number, used as a Peppol endpoint scheme.
KVK_SCHEME_ID = "0106"
# VAT numbers start with a two-letter country prefix (EL for Greece); other
# identifiers used as Peppol endpoints (KvK, GLN, organisation numbers) are digits.
_VAT_SHAPE = re.compile(r"[A-Z]{2}[0-9A-Z+*]{2,13}")
_SEPARATORS = (" ", ".", "-")


def debtors_of(organization: Organization) -> QuerySet[Debtor]:
    """Return the organisation's debtors in a stable order for paging."""
    return Debtor.objects.for_organization(organization).order_by("name", "id")


def get_debtor_in_organization(debtor_id: uuid.UUID | str, organization: Organization) -> Debtor | None:
    """Return the debtor with this id in the organisation, or None (also for a malformed id)."""
    try:
        debtor_id = uuid.UUID(str(debtor_id))
    except ValueError:
        return None
    return Debtor.objects.for_organization(organization).filter(pk=debtor_id).first()


def compact_identifier(value: str) -> str:
    """Return a VAT or registration number without spaces, dots and dashes, upper-case."""
    for separator in _SEPARATORS:
        value = value.replace(separator, "")
    return value.strip().upper()


def _compacted(field: str):
    expression = Upper(field)
    for separator in _SEPARATORS:
        expression = Replace(expression, Value(separator), Value(""))
    return expression


def debtor_match_party(
    organization: Organization,
    *,
    name: str,
    vat_number: str = "",
    kvk_number: str = "",
    endpoint_id: str = "",
    endpoint_scheme: str = "",
) -> Debtor | None:
    """Return the organisation's debtor that is this e-invoice party, or None.

    Tries, in order: the VAT number, the KvK number, the Peppol endpoint id,
    then the exact name. Identifiers are compared without spaces, dots and
    dashes. A debtor found by name is skipped when its own VAT or KvK number
    contradicts the party's, because then it is another company with the
    same name. When several debtors match one step, the oldest wins.
    """
    debtors = Debtor.objects.for_organization(organization).order_by("created_at", "id")
    vat_number = compact_identifier(vat_number)
    kvk_number = compact_identifier(kvk_number)

    if vat_number:
        match = debtors.annotate(vat_compact=_compacted("vat_number")).filter(vat_compact=vat_number).first()
        if match is not None:
            return match
    if kvk_number:
        match = debtors.annotate(kvk_compact=_compacted("kvk_number")).filter(kvk_compact=kvk_number).first()
        if match is not None:
            return match

    match = _match_endpoint(debtors, compact_identifier(endpoint_id), endpoint_scheme)
    if match is not None:
        return match

    if name:
        for candidate in debtors.filter(name=name):
            if not _contradicts(candidate, vat_number=vat_number, kvk_number=kvk_number):
                return candidate
    return None


def _match_endpoint(debtors: QuerySet[Debtor], endpoint_id: str, endpoint_scheme: str) -> Debtor | None:
    # NOTE: a debtor stores no Peppol endpoint of its own. An endpoint id therefore
    # matches only a debtor's KvK number (scheme 0106) or VAT number, and
    # endpoints under other schemes match nothing.
    if not endpoint_id:
        return None
    if endpoint_scheme == KVK_SCHEME_ID:
        return debtors.annotate(kvk_compact=_compacted("kvk_number")).filter(kvk_compact=endpoint_id).first()
    if _VAT_SHAPE.fullmatch(endpoint_id):
        return debtors.annotate(vat_compact=_compacted("vat_number")).filter(vat_compact=endpoint_id).first()
    return None


def _contradicts(debtor: Debtor, *, vat_number: str, kvk_number: str) -> bool:
    own_vat = compact_identifier(debtor.vat_number)
    own_kvk = compact_identifier(debtor.kvk_number)
    return bool(
        (vat_number and own_vat and own_vat != vat_number) or (kvk_number and own_kvk and own_kvk != kvk_number)
    )
