"""Writes of debtors and their timeline."""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import iban as stdnum_iban

from debtors.models import Debtor, DebtorKind, TimelineEvent, TimelineKind
from payt.models import DEBTOR_LANGUAGE_CHOICES, Organization
from payt.phones import InvalidPhoneNumber, normalize_phone
from payt.services import audit_record

DEBTOR_FIELDS = (
    "kind", "name", "email", "phone", "language", "address_line", "postal_code",
    "city", "country", "kvk_number", "vat_number", "external_id", "iban",
)
TAG_MAX_LENGTH = Debtor._meta.get_field("tags").base_field.max_length
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
    debtor.iban = stdnum_iban.compact(debtor.iban or "")
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


def tags_normalize(tags: Iterable[str]) -> list[str]:
    """Return the tags trimmed, without empty ones and duplicates, in their first order.

    Raises ValidationError on ``tags`` for a tag longer than the column
    allows or containing a comma, because the dashboard separates tags by commas.
    """
    normalized: list[str] = []
    for tag in (tag.strip() for tag in tags):
        if not tag or tag in normalized:
            continue
        if len(tag) > TAG_MAX_LENGTH:
            message = _("The tag “%(tag)s” is %(length)d characters long; shorten it to %(max)d characters or fewer.")
            raise ValidationError({"tags": message % {"tag": tag, "length": len(tag), "max": TAG_MAX_LENGTH}})
        if "," in tag:
            message = _("The tag “%(tag)s” contains a comma; commas separate tags, so split it into two tags.")
            raise ValidationError({"tags": message % {"tag": tag}})
        normalized.append(tag)
    return normalized


@transaction.atomic
def debtor_dunning_settings_update(*, debtor: Debtor, tags: Iterable[str], workflow=None, user=None) -> Debtor:
    """Set the debtor's tags and the workflow chosen by hand (None lets the workflow rules decide).

    Tags are normalised by ``tags_normalize``. A change goes on the debtor's
    timeline and into the audit log, in the same transaction.
    """
    tags = tags_normalize(tags)
    if workflow is not None and workflow.organization_id != debtor.organization_id:
        message = _("Workflow %(workflow)s is not one of this organisation's workflows; choose one from the list.")
        raise ValidationError({"workflow": message % {"workflow": workflow.pk}})
    debtor = Debtor.objects.select_for_update().get(pk=debtor.pk)
    changes = _dunning_settings_changes(debtor, tags, workflow)
    if not changes:
        return debtor

    debtor.tags = tags
    debtor.workflow = workflow
    debtor.save(update_fields=["tags", "workflow"])
    timeline_record(
        debtor=debtor,
        kind=TimelineKind.NOTE,
        summary="Dunning settings changed: "
        + ", ".join(f"{field} {_change_text(old)} -> {_change_text(new)}" for field, (old, new) in changes.items()),
        data={"event": "dunning_settings_changed", "changes": changes, "by": getattr(user, "email", "")},
    )
    audit_record(
        organization=debtor.organization,
        actor=user,
        action="debtor.dunning_settings_changed",
        target=debtor.name,
        data={"debtor_id": str(debtor.pk), "changes": changes},
    )
    return debtor


def _dunning_settings_changes(debtor: Debtor, tags: list[str], workflow) -> dict:
    """Return {field: [before, after]} for the tags and the workflow name, leaving out what stays the same."""
    changes = {}
    if debtor.tags != tags:
        changes["tags"] = [list(debtor.tags), tags]
    if debtor.workflow_id != (workflow.pk if workflow else None):
        changes["workflow"] = [debtor.workflow.name if debtor.workflow else "", workflow.name if workflow else ""]
    return changes


def _change_text(value) -> str:
    if isinstance(value, list):
        return ", ".join(value) or "-"
    return value or "-"


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
    changes = debtor_contact_change(debtor=debtor, email=email, phone=phone)
    if not changes:
        return debtor

    timeline_record(
        debtor=debtor,
        kind=TimelineKind.NOTE,
        summary="Contact details changed: "
        + ", ".join(f"{field} {old or '-'} -> {new or '-'}" for field, (old, new) in changes.items()),
        data={"event": "contact_changed", "changes": changes, "by": getattr(user, "email", "")},
    )
    return debtor


def debtor_iban_remember(*, debtor: Debtor, iban: str) -> bool:
    """Store ``iban`` as the debtor's account when it has none and no other debtor uses it.

    Bank-statement matching calls it after a payment from this account was
    matched to the debtor's invoices, so that the next payment is recognised
    by its account. Returns whether the IBAN was stored.
    """
    iban = stdnum_iban.compact(iban or "")
    if not iban or not stdnum_iban.is_valid(iban):
        return False
    debtors = Debtor.objects.for_organization(debtor.organization_id)
    if debtors.filter(iban=iban).exclude(pk=debtor.pk).exists():
        return False
    return debtors.filter(pk=debtor.pk, iban="").update(iban=iban) == 1


@transaction.atomic
def debtor_contact_change(*, debtor: Debtor, email: str, phone: str) -> dict:
    """Store contact details a debtor gave in the portal, already checked; return ``{field: (old, new)}``.

    A new e-mail address clears the doubt a bounce left on the old one.
    """
    locked = Debtor.objects.select_for_update().get(pk=debtor.pk)
    changes = {
        name: (getattr(locked, name), value)
        for name, value in (("email", email), ("phone", phone))
        if getattr(locked, name) != value
    }
    if not changes:
        return {}

    for name, (_old, new) in changes.items():
        setattr(locked, name, new)
    if "email" in changes:
        locked.email_doubtful = False
    locked.full_clean(exclude=["organization"])
    locked.save(update_fields=[*changes, "email_doubtful"])
    for name, (_old, new) in changes.items():
        setattr(debtor, name, new)
    debtor.email_doubtful = locked.email_doubtful
    return changes
