"""Flask app factory of the local Mollie-compatible server (a test double, not Mollie).

Point the real client at it with ``Client(api_endpoint=server_url)``. The
client adds ``/v2`` itself.
"""

import logging

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from . import api, checkout, control
from .context import EXTENSION_KEY, LocalMollie, json_response
from .errors import MollieError
from .store import MollieStore
from .webhooks import WebhookDispatcher

logger = logging.getLogger(__name__)

# Paths under which every response, errors included, is JSON.
JSON_PATH_PREFIXES = ("/v2/", "/_local/")


def create_app(
    base_url: str | None = None,
    *,
    store: MollieStore | None = None,
    webhooks: WebhookDispatcher | None = None,
) -> Flask:
    """Build the app.

    ``base_url`` is the public URL for the checkout, dashboard and image links
    that a browser opens, for when that differs from the host the product
    calls (for example inside Docker). None uses the host of each request.
    """
    app = Flask(__name__)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.extensions[EXTENSION_KEY] = LocalMollie(
        store=store or MollieStore(),
        webhooks=webhooks or WebhookDispatcher(),
        public_url=base_url.rstrip("/") if base_url else None,
    )
    app.register_blueprint(api.blueprint)
    app.register_blueprint(checkout.blueprint)
    app.register_blueprint(control.blueprint)
    app.register_error_handler(MollieError, _mollie_error)
    app.register_error_handler(HTTPException, _http_error)
    return app


def _mollie_error(error: MollieError) -> Response:
    logger.info(
        "Rejected %s %s with %s: %s", request.method, request.path, error.status, error.detail
    )
    return json_response(error.to_json(), status=error.status)


def _http_error(error: HTTPException) -> Response | HTTPException:
    """Return routing errors (404, 405, ...) on API paths in Mollie's JSON shape."""
    if not request.path.startswith(JSON_PATH_PREFIXES):
        return error
    detail = f"{error.name} for {request.method} {request.path}."
    if error.code == 404:
        detail = f"No route matches {request.method} {request.path}."
    return _mollie_error(MollieError(error.code or 500, detail))
