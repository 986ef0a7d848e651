"""Reads of the tenancy core."""

from django.contrib.auth.models import User

from payt.models import Membership, Organization
from payt.tenancy import lookup_key


def memberships_of_user(user: User) -> list[Membership]:
    """Return the user's memberships in every organisation, before a tenant is chosen."""
    with lookup_key("user_id", str(user.pk)):
        return list(
            Membership.objects_unscoped.filter(user=user).select_related("organization").order_by("organization__name")
        )


def get_organization_by_slug(slug: str) -> Organization:
    return Organization.objects.get(slug=slug)
