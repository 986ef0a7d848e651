"""Webhook calls in the form Mollie sends them, and a log of every attempt.

Mollie POSTs only ``id=<payment id>`` as application/x-www-form-urlencoded,
with no status and no signature, and the receiver fetches the payment itself
(docs.mollie.com/docs/webhooks). Refund and chargeback events also carry the
payment id.

NOTE: Mollie retries a call that did not get a 2xx response, but this server
tries once. Use ``POST /_local/payments/<id>/webhook`` to deliver again.
"""

import logging
import threading
from dataclasses import dataclass

import requests

from .representations import timestamp
from .store import utc_now

logger = logging.getLogger(__name__)

# The User-Agent in the webhook example on docs.mollie.com/docs/webhooks.
USER_AGENT = "Mollie HTTP client/1.0"

# A receiver that responds later than this counts as failed.
TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class WebhookCall:
    """One delivery attempt, with the HTTP status of the response or the error."""

    payment_id: str
    url: str
    trigger: str
    sent_at: str
    status_code: int | None
    error: str | None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    def to_json(self) -> dict:
        return {
            "paymentId": self.payment_id,
            "url": self.url,
            "trigger": self.trigger,
            "sentAt": self.sent_at,
            "statusCode": self.status_code,
            "error": self.error,
            "succeeded": self.succeeded,
        }


class WebhookDispatcher:
    """Send webhook calls and keep a thread-safe log of them."""

    def __init__(self, timeout: float = TIMEOUT_SECONDS) -> None:
        self.timeout = timeout
        self._calls: list[WebhookCall] = []
        self._condition = threading.Condition()

    def dispatch(
        self, *, payment_id: str, url: str | None, trigger: str, mode: str
    ) -> WebhookCall | None:
        """Send a call now ("sync"), from a thread ("async"), or not at all ("none").

        Returns the call for "sync". Returns None for the other modes and when
        the payment has no webhook URL, because Mollie then calls nothing.
        """
        if url is None or mode == "none":
            return None
        if mode == "async":
            self.send_in_background(payment_id=payment_id, url=url, trigger=trigger)
            return None
        return self.send(payment_id=payment_id, url=url, trigger=trigger)

    def send(self, *, payment_id: str, url: str, trigger: str) -> WebhookCall:
        """POST ``id=<payment_id>`` and log the outcome. A failed request is logged, not raised."""
        sent_at = timestamp(utc_now())
        status_code, error = self._post(payment_id, url)
        call = WebhookCall(payment_id, url, trigger, sent_at, status_code, error)
        self._log(call)
        with self._condition:
            self._calls.append(call)
            self._condition.notify_all()
        return call

    def send_in_background(self, *, payment_id: str, url: str, trigger: str) -> threading.Thread:
        thread = threading.Thread(
            target=self.send,
            kwargs={"payment_id": payment_id, "url": url, "trigger": trigger},
            name=f"mollie-local-webhook-{payment_id}",
            daemon=True,
        )
        thread.start()
        return thread

    def calls(self, payment_id: str | None = None) -> list[WebhookCall]:
        with self._condition:
            return self._matching(payment_id)

    def wait_for_calls(
        self, count: int, timeout: float = 5.0, payment_id: str | None = None
    ) -> list[WebhookCall]:
        """Wait until at least ``count`` calls are logged.

        Raises TimeoutError when they are not there after ``timeout`` seconds.
        """

        def enough() -> bool:
            return len(self._matching(payment_id)) >= count

        with self._condition:
            if not self._condition.wait_for(enough, timeout=timeout):
                found = len(self._matching(payment_id))
                raise TimeoutError(
                    f"Expected {count} webhook calls within {timeout} s, found {found}."
                )
            return self._matching(payment_id)

    def clear(self) -> None:
        with self._condition:
            self._calls.clear()

    def _matching(self, payment_id: str | None) -> list[WebhookCall]:
        return [call for call in self._calls if payment_id is None or call.payment_id == payment_id]

    def _post(self, payment_id: str, url: str) -> tuple[int | None, str | None]:
        # trust_env=False keeps proxy settings from the environment out of
        # calls that are meant for a local receiver.
        with requests.Session() as session:
            session.trust_env = False
            try:
                response = session.post(
                    url,
                    data={"id": payment_id},
                    headers={"User-Agent": USER_AGENT},
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except requests.RequestException as error:
                return None, f"{type(error).__name__}: {error}"
        return response.status_code, None

    @staticmethod
    def _log(call: WebhookCall) -> None:
        if call.succeeded:
            logger.info(
                "Webhook for %s (%s) to %s returned HTTP %s",
                call.payment_id,
                call.trigger,
                call.url,
                call.status_code,
            )
        elif call.status_code is not None:
            logger.warning(
                "Webhook for %s (%s) to %s failed: HTTP %s",
                call.payment_id,
                call.trigger,
                call.url,
                call.status_code,
            )
        else:
            logger.warning(
                "Webhook for %s (%s) to %s failed: %s",
                call.payment_id,
                call.trigger,
                call.url,
                call.error,
            )
