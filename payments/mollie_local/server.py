"""Run the local Mollie server in a background thread, for tests.

    server = LocalMollieServer()
    server.start()
    client = Client(api_endpoint=server.url)
    ...
    server.stop()

The server is threaded, because a webhook receiver may call back into it (to
GET the payment) while the checkout request that triggered the webhook waits.
"""

import logging
import threading

from werkzeug.serving import BaseWSGIServer, make_server

from .app import create_app
from .store import MollieStore
from .webhooks import WebhookCall, WebhookDispatcher

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"

# How often serve_forever checks for shutdown(). Werkzeug's default of 0.5 s
# would make every stop() take half a second.
SHUTDOWN_POLL_SECONDS = 0.05


class LocalMollieServer:
    """A local Mollie server on 127.0.0.1, on a free port unless ``port`` is given.

    ``store`` and ``webhooks`` give tests direct access to the state.
    """

    def __init__(self, port: int = 0, base_url: str | None = None) -> None:
        self.port = port
        self.store = MollieStore()
        self.webhooks = WebhookDispatcher()
        self.app = create_app(base_url, store=self.store, webhooks=self.webhooks)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL such as http://127.0.0.1:54321, to pass as the client's ``api_endpoint``."""
        if self._server is None:
            raise RuntimeError("LocalMollieServer is not running: call start() first.")
        return f"http://{HOST}:{self._server.server_port}"

    def start(self) -> "LocalMollieServer":
        if self._server is not None:
            raise RuntimeError(f"LocalMollieServer already runs at {self.url}.")
        self._server = make_server(HOST, self.port, self.app, threaded=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS},
            name="mollie-local-server",
            daemon=True,
        )
        self._thread.start()
        logger.info("Local Mollie server started at %s", self.url)
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        url = self.url
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None
        self._thread = None
        logger.info("Local Mollie server at %s stopped", url)

    def reset(self) -> None:
        """Delete all payments and the webhook log and restore the default settings."""
        self.store.reset()
        self.webhooks.clear()

    def webhook_calls(self, payment_id: str | None = None) -> list[WebhookCall]:
        return self.webhooks.calls(payment_id)

    def wait_for_webhook_calls(
        self, count: int, timeout: float = 5.0, payment_id: str | None = None
    ) -> list[WebhookCall]:
        """Wait for webhooks sent in the background, such as the one for a new refund."""
        return self.webhooks.wait_for_calls(count, timeout=timeout, payment_id=payment_id)

    def __enter__(self) -> "LocalMollieServer":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
