"""The embedded PostgreSQL server and the app role `payt_app`.

The app connects as a role that is neither superuser nor BYPASSRLS, because such roles skip
row-level security policies. It has CREATEDB so that pytest-django can create its test
database.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import psutil
import psycopg2
from psycopg2 import sql

from payt.devserver import DATA_DIR, DevserverError, process_is_alive, wait_for_exit

logger = logging.getLogger(__name__)

PGDATA_DIR = DATA_DIR / "pg"
APP_ROLE = "payt_app"
APP_DATABASE = "payt"
# Databases that exist for administration, so the app gets its own database instead.
SYSTEM_DATABASES = {"", "postgres", "template0", "template1", "test", "root"}
# Local development only: production sets PAYT_APP_DB_PASSWORD or its own DATABASE_URL.
DEV_APP_PASSWORD = "payt_app"


def _prune_stale_pgserver_state(pgdata: Path) -> None:
    """Remove pgserver bookkeeping left behind by processes that were killed.

    pgserver stops the server when the last process in `.handle_pids.json` exits, so a
    dead pid in that list would keep it running forever. A `postmaster.pid` whose pid is a
    zombie or now belongs to another program makes pgserver think the server runs when it
    does not, and PostgreSQL refuses to start while that file names a live pid.
    """
    handles_file = pgdata / ".handle_pids.json"
    if handles_file.exists():
        pids = json.loads(handles_file.read_text() or "[]")
        live_pids = [pid for pid in pids if process_is_alive(pid)]
        if live_pids != pids:
            logger.info("Removed dead pids %s from %s", sorted(set(pids) - set(live_pids)),
                        handles_file)
            handles_file.write_text(json.dumps(live_pids))

    postmaster_file = pgdata / "postmaster.pid"
    if not postmaster_file.exists():
        return
    lines = postmaster_file.read_text().splitlines()
    if not lines or not lines[0].strip().isdigit():
        return
    pid = int(lines[0])
    try:
        name = psutil.Process(pid).name()
    except psutil.NoSuchProcess:
        return  # PostgreSQL itself replaces a lock file whose process is gone.
    if not process_is_alive(pid):
        logger.warning("Removed stale %s: its pid %d is a zombie.", postmaster_file, pid)
        postmaster_file.unlink()
    elif name not in {"postgres", "postmaster"}:
        logger.warning("Removed stale %s: its pid %d now belongs to %r.", postmaster_file, pid,
                       name)
        postmaster_file.unlink()


def start_embedded_postgres(pgdata: Path = PGDATA_DIR):
    """Start (or attach to) the pgserver instance in `pgdata` and return its handle.

    The server keeps running while this process lives. `stop_embedded_postgres`, or the exit
    of this process, stops it when no other process has a handle open.
    """
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (as for root) and uses /tmp.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        import pgserver

    # pgserver logs every pg_ctl call at INFO level.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    if pgdata.exists():
        _prune_stale_pgserver_state(pgdata)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    info = server.get_postmaster_info()
    logger.info("Embedded PostgreSQL is ready on the unix socket in %s (pid %d).",
                info.socket_dir, info.pid)
    return server


def stop_embedded_postgres(server) -> None:
    """Release this process's handle. pgserver stops the server when it was the last one."""
    pid = server.get_pid()
    server.cleanup()  # With cleanup_mode="stop" this stops the server and keeps the data.
    if not wait_for_exit(pid, timeout_seconds=1):
        logger.info("Left the embedded PostgreSQL (pid %d) running because another process"
                    " still has a handle open in %s.", pid, server.pgdata / ".handle_pids.json")
    else:
        logger.info("Stopped the embedded PostgreSQL in %s.", server.pgdata)


def embedded_admin_url(server) -> str:
    info = server.get_postmaster_info()
    return socket_database_url("postgres", "postgres", info.socket_dir, info.port)


def socket_database_url(user: str, database: str, socket_dir: Path, port: int | None) -> str:
    """Build a URL for a unix socket that libpq, psycopg2 and dj-database-url all read.

    The socket directory goes in the `host` query parameter because dj-database-url
    lowercases a host written in the netloc, which would break mixed-case paths.
    """
    query = f"host={quote(str(socket_dir), safe='/')}"
    if port:
        query += f"&port={port}"
    return f"postgresql://{quote(user)}@/{quote(database)}?{query}"


def connect_admin(url: str):
    """Connect with `url`, falling back to the `postgres` database if its own is missing."""
    try:
        connection = psycopg2.connect(url, connect_timeout=10)
    except psycopg2.OperationalError as first_error:
        try:
            connection = psycopg2.connect(url, dbname="postgres", connect_timeout=10)
        except psycopg2.OperationalError:
            raise DevserverError(
                f"Could not connect to {redact_url(url)}: {str(first_error).strip()}"
            ) from first_error
    connection.autocommit = True  # CREATE DATABASE cannot run inside a transaction.
    return connection


def fetch_current_role(connection) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolname, rolsuper, rolbypassrls, rolcreatedb, rolcreaterole"
            " FROM pg_roles WHERE rolname = current_user"
        )
        name, superuser, bypassrls, createdb, createrole = cursor.fetchone()
    return {"name": name, "superuser": superuser, "bypassrls": bypassrls,
            "createdb": createdb, "createrole": createrole}


def ensure_app_role(connection, password: str | None) -> None:
    """Create or correct role payt_app: LOGIN, CREATEDB, NOSUPERUSER, NOBYPASSRLS.

    With `password` None the role gets no password, which suits a server whose pg_hba.conf
    trusts local connections, and an existing password is left as it is.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE])
        verb = "ALTER" if cursor.fetchone() else "CREATE"
        statement = sql.SQL("{} ROLE {} LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS").format(
            sql.SQL(verb), sql.Identifier(APP_ROLE)
        )
        if password is None:
            cursor.execute(statement)
        else:
            cursor.execute(statement + sql.SQL(" PASSWORD %s"), [password])


def ensure_database(connection, name: str, owner: str) -> None:
    """Create database `name` owned by `owner`, or hand an existing one to `owner`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", [name]
        )
        row = cursor.fetchone()
        if row is None:
            cursor.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(name), sql.Identifier(owner)))
            logger.info("Created database %s owned by %s.", name, owner)
        elif row[0] != owner:
            cursor.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                sql.Identifier(name), sql.Identifier(owner)))
            logger.warning("Changed the owner of database %s from %s to %s. Tables that %s"
                           " created there earlier keep their owner.", name, row[0], owner,
                           row[0])


def verify_app_connection(url: str) -> None:
    """Connect with `url` and check that its role is subject to row-level security."""
    try:
        connection = psycopg2.connect(url, connect_timeout=10)
    except psycopg2.OperationalError as error:
        raise DevserverError(
            f"Could not connect as the app role with {redact_url(url)}: {str(error).strip()}"
        ) from error
    try:
        role = fetch_current_role(connection)
    finally:
        connection.close()
    if role["superuser"] or role["bypassrls"]:
        raise DevserverError(f"Role {role['name']} is a superuser or has BYPASSRLS, so"
                             " row-level security would not apply to the app.")
    if not role["createdb"]:
        logger.warning("Role %s lacks CREATEDB, so pytest-django cannot create the test"
                       " database. Fix it as a superuser: ALTER ROLE %s CREATEDB;",
                       role["name"], role["name"])


def prepare_embedded_database(server) -> str:
    """Create payt_app and database payt on the embedded server and return the app's URL."""
    connection = connect_admin(embedded_admin_url(server))
    try:
        ensure_app_role(connection, password=None)
        ensure_database(connection, APP_DATABASE, APP_ROLE)
    finally:
        connection.close()
    info = server.get_postmaster_info()
    return socket_database_url(APP_ROLE, APP_DATABASE, info.socket_dir, info.port)


def prepare_external_database(url: str) -> str:
    """Return a DATABASE_URL for the app on the server that `url` names.

    A superuser or BYPASSRLS role only administers: it creates payt_app and a database
    for it. A plain role is used as it is, and gets its database if that is missing.
    """
    parts = urlsplit(url)
    database = unquote(parts.path.lstrip("/"))
    connection = connect_admin(url)
    try:
        role = fetch_current_role(connection)
        if not (role["superuser"] or role["bypassrls"]):
            ensure_plain_role_database(connection, role, database)
            return url

        if not (role["superuser"] or role["createrole"]):
            raise DevserverError(
                f"Role {role['name']} in DATABASE_URL has BYPASSRLS but cannot create roles."
                f" Point DATABASE_URL at a role without BYPASSRLS, or at a superuser so that"
                f" the devserver can create {APP_ROLE}."
            )
        app_database = APP_DATABASE if database in SYSTEM_DATABASES else database
        password = os.environ.get("PAYT_APP_DB_PASSWORD", DEV_APP_PASSWORD)
        ensure_app_role(connection, password=password)
        ensure_database(connection, app_database, APP_ROLE)
    except psycopg2.Error as error:
        message = (f"Preparing the database failed: {str(error).strip()}. Check that the"
                   f" DATABASE_URL role may create roles and databases.")
        raise DevserverError(message) from error
    finally:
        connection.close()

    app_url = replace_url_credentials(url, APP_ROLE, password, app_database)
    logger.info("DATABASE_URL names role %s, which bypasses row-level security, so the app"
                " connects as %s to database %s on the same server (password from"
                " PAYT_APP_DB_PASSWORD, else the local-development default).",
                role["name"], APP_ROLE, app_database)
    return app_url


def ensure_plain_role_database(connection, role: dict, database: str) -> None:
    if not database:
        # libpq then uses the database named after the role, and verify_app_connection
        # reports it if that one is missing.
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
        if cursor.fetchone():
            return
    if not role["createdb"]:
        raise DevserverError(f"Database {database} does not exist and role {role['name']}"
                             " lacks CREATEDB. Create the database or grant CREATEDB.")
    ensure_database(connection, database, role["name"])


def replace_url_credentials(url: str, user: str, password: str, database: str) -> str:
    """Swap user, password and database in a PostgreSQL URL, keeping host, port and query."""
    parts = urlsplit(url)
    host_and_port = parts.netloc.rpartition("@")[2]
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host_and_port}"
    return urlunsplit((parts.scheme, netloc, "/" + quote(database), parts.query, ""))


def redact_url(url: str) -> str:
    """Return `url` with its password replaced by ***, for log lines."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    userinfo, _, host_and_port = parts.netloc.rpartition("@")
    user = userinfo.partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host_and_port}"))
