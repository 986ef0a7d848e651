"""Writes of debtors and their timeline."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from debtors.models import Debtor, DebtorKind, TimelineEvent, TimelineKind
from payt.models import DEBTOR_LANGUAGE_CHOICES, Organization
from payt.phones import InvalidPhoneNumber, normalize_phone

DEBTOR_FIELDS = (
    "kind", "name", "email", "phone", "language", "address_line", "postal_code",
    "city", "country", "kvk_number", "vat_number", "external_id",
)
COUNTRY_LANGUAGE = {"NL": "nl", "BE": "nl", "FR": "fr", "DE": "de", "AT": "de", "GB": "en", "IE": "en"}


def default_language_for(organization: Organization, country: str) -> str:
    """Return the language a new debtor gets: its country's, else the organisation's default."""
    country = (country or "").upper()
    if not country or country == organization.country:
        return organization.default_language
    return COUNTRY_LANGUAGE.get(country, "en")


@transaction.atomic
def debtor_create(*, organization: Organization, **fields) -> Debtor:
    """Create a debtor after full validation; unknown field names are a programming error."""
    unknown = set(fields) - set(DEBTOR_FIELDS)
    if unknown:
        raise TypeError(f"Unknown debtor fields: {', '.join(sorted(unknown))}")
    if fields.get("external_id") and Debtor.objects.for_organization(organization).filter(
        external_id=fields["external_id"]
    ).exists():
        raise ValidationError(
            {"external_id": f"A debtor with external id {fields['external_id']!r} already exists."}
        )

    debtor = Debtor(organization=organization, **fields)
    if not fields.get("language"):
        debtor.language = default_language_for(organization, fields.get("country", ""))
    if debtor.language not in dict(DEBTOR_LANGUAGE_CHOICES):
        raise ValidationError({"language": f"Language {debtor.language!r} is not supported; use nl, en, fr or de."})
    if debtor.kind not in DebtorKind.values:
        raise ValidationError({"kind": f"Kind {debtor.kind!r} is unknown; use company or consumer."})
    debtor.country = (debtor.country or "").upper()
    debtor.full_clean(exclude=["organization"])
    debtor.save()
    return debtor


def timeline_record(
    *,
    debtor: Debtor,
    kind: str,
    summary: str,
    invoice=None,
    data: dict | None = None,
    occurred_at: dt.datetime | None = None,
) -> TimelineEvent:
    """Append an event to the debtor's timeline (called inside the caller's transaction)."""
    return TimelineEvent.objects.create(
        organization_id=debtor.organization_id,
        debtor=debtor,
        invoice=invoice,
        kind=kind,
        summary=summary[:300],
        data=data or {},
        occurred_at=occurred_at or timezone.now(),
    )


@transaction.atomic
def debtor_contact_update(*, debtor: Debtor, email: str, phone: str, user=None) -> Debtor:
    """Change the debtor's e-mail address and phone number; a new e-mail address is no longer doubtful.

    The phone number is stored in E.164 form. The change is on the
    debtor's timeline.
    """
    email = email.strip()
    phone = phone.strip()
    if phone:
        try:
            phone = normalize_phone(phone, debtor.country or debtor.organization.country)
        except InvalidPhoneNumber as error:
            raise ValidationError({"phone": str(error)}) from None
    debtor = Debtor.objects.select_for_update().get(pk=debtor.pk)
    changes = {
        field: [getattr(debtor, field), value]
        for field, value in (("email", email), ("phone", phone))
        if getattr(debtor, field) != value
    }
    if not changes:
        return debtor

    debtor.email = email
    debtor.phone = phone
    if "email" in changes:
        debtor.email_doubtful = False
    debtor.full_clean(exclude=["organization"])
    debtor.save(update_fields=["email", "phone", "email_doubtful"])
    timeline_record(
        debtor=debtor,
        kind=TimelineKind.NOTE,
        summary="Contact details changed: "
        + ", ".join(f"{field} {old or '-'} -> {new or '-'}" for field, (old, new) in changes.items()),
        data={"event": "contact_changed", "changes": changes, "by": getattr(user, "email", "")},
    )
    return debtor
