"""Writes of the debtor portal: links and questions."""

import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from debtors.models import Debtor, TimelineKind
from debtors.services import timeline_record
from invoices.models import Invoice
from payt.api_errors import DomainError
from portal.models import PortalLink, Question
from portal.tokens import derive_token, hash_token, new_nonce

QUESTION_MAX_LENGTH = 4000
TIMELINE_QUESTION_EXCERPT = 200


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
    subject = f" about {invoice.number}" if invoice is not None else ""
    timeline_record(
        debtor=debtor,
        invoice=invoice,
        kind=TimelineKind.QUESTION,
        summary=f"Question{subject} from the portal: {text[:TIMELINE_QUESTION_EXCERPT]}",
        data={"question_id": str(question.pk), "text": text[:TIMELINE_QUESTION_EXCERPT]},
    )
    return question
