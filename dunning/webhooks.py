"""Inbound endpoint of the dunning engine: bounce reports of reminder e-mails (mounted under /webhooks/)."""

import hmac
import json
import logging

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from dunning.bounces import email_bounce_receive
from payt.api_errors import DomainError, error_body

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Webhook-Secret"
REASON_MAX_LENGTH = 200


@csrf_exempt
@require_POST
def email_bounce_webhook(request: HttpRequest) -> JsonResponse:
    """Apply a bounce report: ``{"message_id": "<dunning-...@...>" or a message id, "reason": "..."}``.

    The caller proves itself with the shared secret in the X-Webhook-Secret
    header. A repeated report returns ``already_recorded`` and changes
    nothing.
    """
    secret = settings.EMAIL_BOUNCE_WEBHOOK_SECRET
    if not secret:
        return _error("disabled", "Bounce reports are switched off; set EMAIL_BOUNCE_WEBHOOK_SECRET.", status=404)
    sent_secret = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(sent_secret.encode(), secret.encode()):
        logger.warning("Bounce report rejected: the %s header is missing or wrong", SECRET_HEADER)
        return _error("unauthorized", f"The {SECRET_HEADER} header is missing or wrong.", status=401)

    try:
        reference, reason = _parse_body(request.body)
        status = email_bounce_receive(reference=reference, reason=reason)
    except DomainError as error:
        fields = {error.field: [error.message]} if error.field else {}
        return JsonResponse(error_body(error.code, error.message, fields), status=error.status_code)
    return JsonResponse({"status": status})


def _parse_body(body: bytes) -> tuple[str, str]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise DomainError('The body is not JSON; send {"message_id": ..., "reason": ...}.', code="invalid") from None
    if not isinstance(data, dict):
        raise DomainError("The body must be a JSON object with message_id and reason.", code="invalid")
    reference = data.get("message_id")
    if not isinstance(reference, str) or not reference.strip():
        raise DomainError(
            f"message_id {reference!r} is missing or not text; send the Message-ID header of the bounced e-mail.",
            code="required",
            field="message_id",
        )
    reason = data.get("reason") or "no reason given"
    if not isinstance(reason, str):
        raise DomainError(f"reason {reason!r} must be text.", code="invalid", field="reason")
    return reference, reason[:REASON_MAX_LENGTH]


def _error(code: str, message: str, *, status: int) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status)
