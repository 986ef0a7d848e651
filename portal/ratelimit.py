"""Rate limit of failed portal look-ups per client IP, counted in the Django cache (Redis).

Every unknown, revoked or expired token and every wrong short code counts
as one failure. Once an address reaches ``FAILURE_LIMIT`` failures within
``FAILURE_WINDOW_SECONDS`` of its first one, every portal look-up from it
gets a 429 until the window ends, so guessing stops there whether or not
the next guess would have been right.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

FAILURE_LIMIT = getattr(settings, "PORTAL_FAILURE_LIMIT", 20)
FAILURE_WINDOW_SECONDS = getattr(settings, "PORTAL_FAILURE_WINDOW_SECONDS", 15 * 60)
KEY_PREFIX = "portal-failures"


def client_ip(request: HttpRequest) -> str:
    # NOTE: REMOTE_ADDR is the proxy's address behind a reverse proxy; the
    # proxy must pass the client's address on (for example gunicorn's
    # --forwarded-allow-ips with a proxy that sets it) or all visitors share one counter.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


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
