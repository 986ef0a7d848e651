"""Per-app state of the local Mollie server and helpers that the views share."""

import json
from dataclasses import dataclass

from flask import Response, current_app, request

from .representations import Links
from .store import MollieStore
from .webhooks import WebhookDispatcher

EXTENSION_KEY = "mollie_local"


@dataclass
class LocalMollie:
    """State of one app instance: its store, its webhook log and the public URL."""

    store: MollieStore
    webhooks: WebhookDispatcher
    # Base URL for the checkout, dashboard and image links that a browser
    # opens. None means the host of the current request.
    public_url: str | None = None


def local_mollie() -> LocalMollie:
    return current_app.extensions[EXTENSION_KEY]


def request_links() -> Links:
    """Build links for the current request.

    API links use the host the client called, because mollie-api-python only
    follows a ``_links`` URL (for example ``next``) that starts with its own
    ``api_endpoint``.
    """
    api_base = request.host_url.rstrip("/")
    return Links(api_base=api_base, public_base=local_mollie().public_url or api_base)


def json_response(
    body: dict, status: int = 200, mimetype: str = "application/hal+json"
) -> Response:
    """Serialize keys in insertion order, because Flask's jsonify would sort them."""
    return Response(json.dumps(body), status=status, mimetype=mimetype)
