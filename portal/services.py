"""Writes of the debtor portal: links and questions."""

import uuid

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from debtors.models import Debtor
from portal.models import PortalLink
from portal.tokens import derive_token, hash_token, new_nonce


def _active_link(debtor: Debtor) -> PortalLink | None:
    now = timezone.now()
    links = PortalLink.objects.filter(debtor=debtor, revoked_at__isnull=True).order_by("-created_at")
    for link in links:
        if link.expires_at is None or link.expires_at > now:
            return link
    return None


@transaction.atomic
def portal_link_ensure(*, debtor: Debtor) -> tuple[PortalLink, str]:
    """Return the debtor's active portal link and its token, creating one if needed."""
    link = _active_link(debtor)
    if link is not None:
        return link, derive_token(link.pk, link.nonce)

    link_id = uuid.uuid4()
    nonce = new_nonce()
    token = derive_token(link_id, nonce)
    link = PortalLink.objects.create(
        id=link_id, organization_id=debtor.organization_id, debtor=debtor, nonce=nonce, token_hash=hash_token(token)
    )
    return link, token


def portal_url_for_debtor(debtor: Debtor) -> str:
    _, token = portal_link_ensure(debtor=debtor)
    return settings.BASE_URL + reverse("portal:home", kwargs={"token": token})


def portal_url_for_invoice(invoice) -> str:
    return f"{portal_url_for_debtor(invoice.debtor)}?invoice={invoice.pk}"
