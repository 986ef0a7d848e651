"""Writes of the debtor portal: links, their short codes, and questions."""

import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from debtors.models import Debtor, TimelineKind
from debtors.services import timeline_record
from invoices.models import Invoice
from payt.api_errors import DomainError
from payt.services import audit_record
from portal.models import PortalLink, Question
from portal.outbox import controller_notify
from portal.tokens import derive_code, derive_token, format_code, hash_code, hash_token, new_nonce

QUESTION_MAX_LENGTH = 4000
TIMELINE_QUESTION_EXCERPT = 200


def _active_links(organization_id, debtor_ids) -> dict:
    """Return each debtor's newest link that is neither revoked nor expired, in one query."""
    now = timezone.now()
    links = (
        PortalLink.objects.filter(organization_id=organization_id, debtor_id__in=debtor_ids, revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .order_by("debtor_id", "-created_at")
        .distinct("debtor_id")
    )
    return {link.debtor_id: link for link in links}


def _new_link(organization_id, debtor_id) -> PortalLink:
    link_id = uuid.uuid4()
    nonce = new_nonce()
    return PortalLink(
        id=link_id,
        organization_id=organization_id,
        debtor_id=debtor_id,
        nonce=nonce,
        token_hash=hash_token(derive_token(link_id, nonce)),
        code_hash=hash_code(derive_code(link_id, nonce)),
    )


def _url_of(link: PortalLink) -> str:
    return settings.BASE_URL + reverse("portal:home", kwargs={"token": derive_token(link.pk, link.nonce)})


def portal_links_ensure(*, organization_id, debtor_ids) -> dict:
    """Return ``{debtor_id: link}`` with an active link for every debtor, creating missing ones in one insert."""
    links = _active_links(organization_id, set(debtor_ids))
    missing = [debtor_id for debtor_id in set(debtor_ids) if debtor_id not in links]
    if missing:
        created = PortalLink.objects.bulk_create([_new_link(organization_id, debtor_id) for debtor_id in missing])
        links.update({link.debtor_id: link for link in created})
    return links


def portal_link_ensure(*, debtor: Debtor) -> tuple[PortalLink, str]:
    """Return the debtor's active portal link and its token, creating one if needed."""
    link = portal_links_ensure(organization_id=debtor.organization_id, debtor_ids=[debtor.pk])[debtor.pk]
    return link, derive_token(link.pk, link.nonce)


def portal_urls_for_debtors(*, organization_id, debtor_ids) -> dict:
    """Return ``{debtor_id: portal URL}`` for a page of debtors in two queries at most."""
    links = portal_links_ensure(organization_id=organization_id, debtor_ids=debtor_ids)
    return {debtor_id: _url_of(link) for debtor_id, link in links.items()}


def portal_url_for_debtor(debtor: Debtor) -> str:
    link, _ = portal_link_ensure(debtor=debtor)
    return _url_of(link)


def portal_url_for_invoice(invoice) -> str:
    return f"{portal_url_for_debtor(invoice.debtor)}?invoice={invoice.pk}"


def portal_letter_code(debtor: Debtor) -> str:
    """Return the short code of the debtor's active link, grouped for printing (ABCD-EFGH-JK).

    A link made before short codes existed gets its code hash stored here.
    """
    link, _ = portal_link_ensure(debtor=debtor)
    code = derive_code(link.pk, link.nonce)
    if not link.code_hash:
        link.code_hash = hash_code(code)
        PortalLink.objects.filter(pk=link.pk, code_hash="").update(code_hash=link.code_hash)
    return format_code(code)


@transaction.atomic
def portal_link_expire(*, debtor: Debtor, user) -> int:
    """End every active link of the debtor now and return how many ended.

    Old links then get the neutral not-found page. The next invoice or
    reminder carries a new link, made when it is rendered.
    """
    now = timezone.now()
    ended = (
        PortalLink.objects.filter(debtor=debtor, revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .update(revoked_at=now)
    )
    audit_record(
        organization=debtor.organization,
        actor=user,
        action="portal_link.expired",
        target=str(debtor.pk),
        data={"links_ended": ended},
    )
    return ended


@transaction.atomic
def portal_link_rotate(*, debtor: Debtor, user) -> tuple[PortalLink, str]:
    """End the debtor's active links and make a new one; return it with its token."""
    portal_link_expire(debtor=debtor, user=user)
    link = _new_link(debtor.organization_id, debtor.pk)
    link.save(force_insert=True)
    audit_record(
        organization=debtor.organization,
        actor=user,
        action="portal_link.rotated",
        target=str(debtor.pk),
        data={"link_id": str(link.pk)},
    )
    return link, derive_token(link.pk, link.nonce)


def portal_payment_return_url(
    *, debtor: Debtor, mollie_payment_id: uuid.UUID, language: str | None = None
) -> str:
    """Return the absolute URL of the page a debtor lands on after Mollie's checkout."""
    _, token = portal_link_ensure(debtor=debtor)
    kwargs = {"token": token, "payment_id": mollie_payment_id}
    path = reverse("portal:payment_return", kwargs=kwargs)
    query = f"?{urlencode({'lang': language})}" if language else ""
    return f"{settings.BASE_URL}{path}{query}"


@transaction.atomic
def question_ask(*, debtor: Debtor, text: str, invoice: Invoice | None = None) -> Question:
    """Record a debtor's question and put it on the debtor's timeline.

    An open question about an invoice pauses its reminders until a credit
    controller answers (the dunning planner reads the open questions).
    """
    text = (text or "").strip()
    if not text:
        message = gettext("The question is empty; write what you want to ask.")
        raise DomainError(message, code="required", field="text")
    if len(text) > QUESTION_MAX_LENGTH:
        raise DomainError(
            gettext("The question has %(length)d characters; the maximum is %(maximum)d.")
            % {"length": len(text), "maximum": QUESTION_MAX_LENGTH},
            code="too_long",
            field="text",
        )
    if invoice is not None and invoice.debtor_id != debtor.pk:
        message = f"Invoice {invoice.pk} is not one of this debtor's invoices."
        raise DomainError(message, code="invalid", field="invoice")

    question = Question.objects.create(
        organization_id=debtor.organization_id, debtor=debtor, invoice=invoice, text=text
    )
    controller_notify(
        organization=debtor.organization,
        template="portal/email/controller_question",
        context={"debtor": debtor, "question": question},
    )
    subject = f" about {invoice.number}" if invoice is not None else ""
    timeline_record(
        debtor=debtor,
        invoice=invoice,
        kind=TimelineKind.QUESTION,
        summary=f"Question{subject} from the portal: {text[:TIMELINE_QUESTION_EXCERPT]}",
        data={"question_id": str(question.pk), "text": text[:TIMELINE_QUESTION_EXCERPT]},
    )
    return question
