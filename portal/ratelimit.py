"""Rate limit of failed portal look-ups per client IP, counted in the Django cache (Redis).

Every unknown, revoked or expired token and every wrong short code counts
as one failure. Once an address reaches ``FAILURE_LIMIT`` failures within
``FAILURE_WINDOW_SECONDS`` of its first one, every portal look-up from it
gets a 429 until the window ends, so guessing stops there whether or not
the next guess would have been right.

Behind reverse proxies, ``PAYT_TRUSTED_PROXY_COUNT`` is the number of them
that append to X-Forwarded-For. The client address is then the one that the
outermost trusted proxy appended, the Nth from the right. With 0 the header
is ignored, because any client can send it.
"""

import ipaddress
import logging

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

FAILURE_LIMIT = getattr(settings, "PORTAL_FAILURE_LIMIT", 20)
FAILURE_WINDOW_SECONDS = getattr(settings, "PORTAL_FAILURE_WINDOW_SECONDS", 15 * 60)
KEY_PREFIX = "portal-failures"
_warned_kinds: set[str] = set()


def client_ip(request: HttpRequest) -> str:
    """Return the client's address: REMOTE_ADDR, or the trusted proxies' entry of X-Forwarded-For."""
    remote_addr = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxy_count = settings.PAYT_TRUSTED_PROXY_COUNT
    if proxy_count <= 0:
        return remote_addr
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxy_count:
        # Fewer entries than trusted proxies: the request skipped a proxy or
        # one is misconfigured, so no entry can be trusted.
        _warn_once(
            "short",
            "X-Forwarded-For has %d entries but PAYT_TRUSTED_PROXY_COUNT is %d; counting REMOTE_ADDR",
            len(forwarded),
            proxy_count,
        )
        return remote_addr
    candidate = forwarded[-proxy_count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        _warn_once("invalid", "X-Forwarded-For entry %r is not an IP address; counting REMOTE_ADDR", candidate[:64])
        return remote_addr


def _warn_once(kind: str, message: str, *args) -> None:
    """Log a proxy misconfiguration once per process and kind, since every request would repeat it."""
    if kind in _warned_kinds:
        return
    _warned_kinds.add(kind)
    logger.warning(message, *args)


def _key(request: HttpRequest) -> str:
    return f"{KEY_PREFIX}:{client_ip(request)}"


def is_blocked(request: HttpRequest) -> bool:
    """Return whether the client has used up its failures; a cache outage blocks nobody."""
    try:
        failures = cache.get(_key(request), 0)
    except RedisError as error:
        logger.warning("Portal rate limit not checked, the cache failed: %s", error)
        return False
    return failures >= FAILURE_LIMIT


def failure_record(request: HttpRequest) -> None:
    """Count one failed look-up for the client; the window starts at its first failure."""
    key = _key(request)
    try:
        cache.add(key, 0, timeout=FAILURE_WINDOW_SECONDS)
        failures = cache.incr(key)
    except (RedisError, ValueError) as error:
        # ValueError: the key expired between add and incr; the next failure starts a new window.
        logger.warning("Portal failure not counted: %s", error)
        return
    if failures == FAILURE_LIMIT:
        logger.warning("Portal look-ups from one address blocked after %d failures", failures)
