"""Text messages: the provider interface, the local test provider, segment counting and the reminder text.

The provider is chosen by the setting ``SMS_PROVIDER`` (a dotted path to a
class whose instances have ``send(to, text) -> provider_id``). Development
and tests use ``LocalSmsProvider``, which appends each text to a JSON-lines
file instead of sending it.
"""

import datetime as dt
import fcntl
import json
import logging
import math
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext

logger = logging.getLogger(__name__)

MAX_SEGMENTS = 2
# GSM 03.38: the basic alphabet costs one septet, the extension table two.
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = set("^{}\\[~]|€\f")
GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


class SmsProvider(Protocol):
    """Interface of an SMS gateway, as the sender uses it."""

    def send(self, to: str, text: str) -> str:
        """Hand the text to the gateway for ``to`` (E.164) and return the gateway's id for it.

        Raise ``SmsDeliveryError`` when the gateway could not be reached, so the send is retried.
        """
        ...


class SmsDeliveryError(ConnectionError):
    """The gateway did not accept the text; a later try may succeed."""


def sms_provider() -> SmsProvider:
    """Return an instance of the provider class named by ``settings.SMS_PROVIDER``."""
    path = getattr(settings, "SMS_PROVIDER", "")
    if not path:
        raise ImproperlyConfigured(
            "SMS_PROVIDER is not set; name the SMS gateway class (for example dunning.sms.LocalSmsProvider)."
        )
    return import_string(path)()


class LocalSmsProvider:
    """Writes each text as one JSON line to ``settings.SMS_LOCAL_OUTBOX``; nothing leaves the machine."""

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path or settings.SMS_LOCAL_OUTBOX)

    def send(self, to: str, text: str) -> str:
        provider_id = f"local-{uuid.uuid4().hex}"
        record = {"id": provider_id, "to": to, "text": text, "sent_at": timezone.now().isoformat()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as outbox:
            # Workers append concurrently; the lock keeps each line whole.
            fcntl.flock(outbox, fcntl.LOCK_EX)
            outbox.write(json.dumps(record, ensure_ascii=False) + "\n")
        logger.info("Local SMS %s recorded in %s", provider_id, self.path)
        return provider_id


def local_outbox_records(path: Path | str | None = None) -> Iterator[dict]:
    """Yield the texts the local provider recorded, oldest first; nothing when the file does not exist."""
    path = Path(path or settings.SMS_LOCAL_OUTBOX)
    if not path.exists():
        return
    with path.open(encoding="utf-8") as outbox:
        for line in outbox:
            if line.strip():
                record = json.loads(line)
                record["sent_at"] = dt.datetime.fromisoformat(record["sent_at"])
                yield record


def sms_segments(text: str) -> int:
    """Return how many SMS parts ``text`` needs: GSM 7-bit when every character allows it, else UCS-2."""
    if all(char in GSM_BASIC or char in GSM_EXTENSION for char in text):
        septets = sum(2 if char in GSM_EXTENSION else 1 for char in text)
        return 1 if septets <= GSM_SINGLE else math.ceil(septets / GSM_PART)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= UCS2_SINGLE else math.ceil(units / UCS2_PART)


def plain_spaces(text: str) -> str:
    """Replace no-break and other special spaces (which force UCS-2) with a plain space."""
    return "".join(" " if char.isspace() and char not in "\n" else char for char in text)


def reminder_sms_text(*, creditor: str, title: str, numbers: list[str], total: str, portal_url: str) -> str:
    """Return the reminder text in the active language, in at most ``MAX_SEGMENTS`` parts.

    The portal link is always whole. The text drops the invoice numbers,
    then shortens the creditor's name, until it fits.
    """
    link = gettext("Pay or reply: %(url)s") % {"url": portal_url}
    if len(numbers) == 1:
        detail = gettext("invoice %(number)s, open %(total)s.") % {"number": numbers[0], "total": total}
    else:
        detail = gettext("%(count)s invoices, open %(total)s.") % {"count": len(numbers), "total": total}
    short_detail = gettext("open %(total)s.") % {"total": total}

    for body in (detail, short_detail):
        text = plain_spaces(f"{creditor}: {title}, {body} {link}")
        if sms_segments(text) <= MAX_SEGMENTS:
            return text
    for length in range(len(creditor) - 1, 0, -1):
        text = plain_spaces(f"{creditor[:length]}...: {title}, {short_detail} {link}")
        if sms_segments(text) <= MAX_SEGMENTS:
            return text
    raise ValueError(f"The portal link {portal_url!r} is too long for a text of {MAX_SEGMENTS} parts.")
