"""Writes of the tenancy core: organisations, memberships, API keys, audit."""

import secrets

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from stdnum import iban as iban_module

from payt.api_auth import API_KEY_PREFIX, hash_api_key
from payt.models import COUNTRY_CHOICES, ApiKey, AuditEntry, Membership, Organization, Role
from payt.tenancy import tenant_context

COUNTRY_TIME_ZONES = {
    "NL": "Europe/Amsterdam",
    "BE": "Europe/Brussels",
    "FR": "Europe/Paris",
    "DE": "Europe/Berlin",
    "GB": "Europe/London",
}
COUNTRY_LANGUAGES = {"NL": "nl", "BE": "nl", "FR": "fr", "DE": "de", "GB": "en"}


@transaction.atomic
def organization_create(
    *,
    slug: str,
    name: str,
    country: str = "NL",
    time_zone: str | None = None,
    default_language: str | None = None,
    payment_term_days: int = 30,
    email: str = "",
    iban: str = "",
) -> Organization:
    """Create an organisation with its default dunning workflow."""
    from dunning.services import workflow_create_default

    country = country.upper()
    if country not in dict(COUNTRY_CHOICES):
        allowed = ", ".join(dict(COUNTRY_CHOICES))
        raise ValidationError({"country": f"Country {country!r} is not supported; use one of {allowed}."})
    if slugify(slug) != slug:
        raise ValidationError({"slug": f"Slug {slug!r} is invalid; use lower-case letters, digits and hyphens."})
    if iban:
        if not iban_module.is_valid(iban):
            raise ValidationError({"iban": f"IBAN {iban!r} is invalid; check the digits and the country code."})
        iban = iban_module.compact(iban)
    if Organization.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"An organisation with slug {slug!r} already exists; choose another."})

    organization = Organization(
        slug=slug,
        name=name,
        country=country,
        time_zone=time_zone or COUNTRY_TIME_ZONES[country],
        default_language=default_language or COUNTRY_LANGUAGES[country],
        payment_term_days=payment_term_days,
        email=email,
        iban=iban,
    )
    organization.full_clean()
    organization.save()
    with tenant_context(organization):
        workflow_create_default(organization=organization)
    return organization


@transaction.atomic
def membership_add(*, organization: Organization, user: User, role: str = Role.CREDIT_CONTROLLER) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": f"Role {role!r} is unknown; use one of {', '.join(Role.values)}."})
    with tenant_context(organization):
        membership, _ = Membership.objects.update_or_create(
            organization=organization, user=user, defaults={"role": role}
        )
    return membership


@transaction.atomic
def user_create_in_organization(
    *, organization: Organization, email: str, password: str, role: str, actor: User | None = None
) -> User:
    """Create a dashboard user (or reuse the one with this e-mail) and add a membership."""
    user = User.objects.filter(username=email).first()
    if user is None:
        user = User.objects.create_user(username=email, email=email, password=password)
    membership_add(organization=organization, user=user, role=role)
    audit_record(organization=organization, actor=actor, action="user.added", target=email, data={"role": role})
    return user


@transaction.atomic
def api_key_create(*, organization: Organization, name: str, actor: User | None = None) -> tuple[ApiKey, str]:
    """Create an API key and return it with the plain key, which is shown only once."""
    plain_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    with tenant_context(organization):
        if ApiKey.objects.filter(name=name, revoked_at__isnull=True).exists():
            raise ValidationError({"name": f"An active API key named {name!r} already exists; choose another name."})
        api_key = ApiKey.objects.create(
            organization=organization, name=name, prefix=plain_key[:12], key_hash=hash_api_key(plain_key)
        )
    audit_record(organization=organization, actor=actor, action="api_key.created", target=name)
    return api_key, plain_key


@transaction.atomic
def api_key_revoke(*, organization: Organization, name: str, actor: User | None = None) -> ApiKey:
    """Revoke the organisation's active key with this name; requests with it then get 401."""
    with tenant_context(organization):
        api_key = ApiKey.objects.filter(name=name, revoked_at__isnull=True).first()
        if api_key is None:
            raise ValidationError({"name": f"No active API key named {name!r}; check the name."})
        api_key.revoked_at = timezone.now()
        ApiKey.objects.filter(pk=api_key.pk).update(revoked_at=api_key.revoked_at)
    audit_record(organization=organization, actor=actor, action="api_key.revoked", target=name)
    return api_key


def audit_record(*, organization: Organization, actor: User | None, action: str, target: str = "", data=None) -> None:
    with tenant_context(organization):
        AuditEntry.objects.create(
            organization=organization, actor=actor, action=action, target=target, data=data or {}
        )
