"""Local development and test runner: `python -m payt.devserver {prepare|run|test|services}`.

`cli` has the commands and the environment variables they export, `database` the embedded
PostgreSQL and the app role, `embedded_redis` the embedded Redis, and `processes` the child
processes (manage.py, pytest, the processes of Procfile.dev).
"""

import time
from pathlib import Path

import psutil

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
DATA_DIR = REPO_ROOT / ".data"


class DevserverError(Exception):
    """A failure that stops the command. Its message names the fix."""


def process_is_alive(pid: int) -> bool:
    """Return whether `pid` runs. A zombie counts as stopped.

    Daemons such as postgres and redis-server are reparented to pid 1, and on machines
    whose pid 1 does not reap children they stay behind as zombies after exiting.
    """
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_for_exit(pid: int, timeout_seconds: float = 15) -> bool:
    """Wait until `pid` has stopped and return True, or return False after the timeout."""
    deadline = time.monotonic() + timeout_seconds
    while process_is_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True
