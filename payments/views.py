"""Mollie's webhook endpoint."""

import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payments.services import mollie_webhook_receive
from payt.api_errors import DomainError

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def mollie_webhook(request: HttpRequest) -> HttpResponse:
    """Receive Mollie's ``id=tr_...`` call and apply the payment it names.

    Known and unknown ids get the same empty 200, so the response does not
    tell whether an id exists. Only a failure to reach Mollie gets a 503,
    which makes Mollie deliver the call again later.
    """
    try:
        mollie_webhook_receive(mollie_id=request.POST.get("id", ""))
    except DomainError as error:
        logger.warning("Mollie webhook not applied (%s); Mollie will retry", error.code)
        return HttpResponse(status=503)
    return HttpResponse(status=200)
