"""Child processes: manage.py commands, pytest and the processes of Procfile.dev."""

from __future__ import annotations

import contextlib
import logging
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence

from payt.devserver import REPO_ROOT, DevserverError

logger = logging.getLogger(__name__)

PROCFILE_DEV = REPO_ROOT / "Procfile.dev"
CHILD_STOP_TIMEOUT_SECONDS = 10


def install_sigterm_handler() -> None:
    """Turn SIGTERM into SystemExit so that `finally` blocks stop the embedded servers."""
    def raise_system_exit(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, raise_system_exit)


def run_child(command: Sequence[str], env: dict[str, str]) -> int:
    """Run `command` in the repository root and return its exit code.

    On Ctrl-C the terminal has already sent SIGINT to the child too, so the child gets
    some time to finish before it is terminated.
    """
    child = subprocess.Popen(list(command), env=env, cwd=REPO_ROOT)
    try:
        return child.wait()
    except (KeyboardInterrupt, SystemExit):
        stop_child(child)
        raise


def stop_child(child: subprocess.Popen) -> None:
    try:
        child.wait(timeout=CHILD_STOP_TIMEOUT_SECONDS)
        return
    except subprocess.TimeoutExpired:
        child.terminate()
    try:
        child.wait(timeout=CHILD_STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        logger.warning("Killing %s (pid %d) because it ignored SIGTERM.", child.args[0],
                       child.pid)
        child.kill()
        child.wait()


def manage(env: dict[str, str], *args: str) -> None:
    """Run a manage.py command and raise DevserverError if it fails."""
    returncode = run_child([sys.executable, "manage.py", *args], env)
    if returncode != 0:
        raise DevserverError(f"manage.py {' '.join(args)} failed with exit code {returncode}.")


def compile_messages(env: dict[str, str]) -> None:
    if shutil.which("msgfmt", path=env["PATH"]) is None:
        logger.info("Skipped compilemessages because gettext's msgfmt is not installed, so"
                    " the committed .mo files are used.")
        return
    manage(env, "compilemessages", "--ignore", ".venv", "--ignore", ".data",
           "--ignore", "node_modules", "--verbosity", "0")


def prepare(env: dict[str, str]) -> None:
    """Migrate the database, compile translations and load the demo data."""
    manage(env, "migrate", "--noinput")
    compile_messages(env)
    manage(env, "load_demo")


def fetch_demo_info(env: dict[str, str]) -> str:
    """Return the dashboard URL, demo login and portal link that `manage.py demo_info` prints."""
    result = subprocess.run([sys.executable, "manage.py", "demo_info"], env=env, cwd=REPO_ROOT,
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        last_line = (result.stderr.strip().splitlines() or ["no output"])[-1]
        logger.warning("manage.py demo_info failed with exit code %d: %s", result.returncode,
                       last_line)
        return f"Dashboard: {env['BASE_URL']}/\n"
    return result.stdout


def write_banner(text: str) -> None:
    rule = "=" * 72
    sys.stdout.write(f"\n{rule}\n{text.rstrip()}\n{rule}\n\n")
    sys.stdout.flush()


def check_port_free(port: str, variable: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", int(port)))
        except OSError as error:
            message = (f"Port {port} on 127.0.0.1 is not free ({error.strerror})."
                       f" Stop what uses it or set {variable} to another port.")
            raise DevserverError(message) from error


def announce_when_listening(port: int, text: str, timeout_seconds: float = 120) -> None:
    """Write `text` as a banner once something accepts connections on 127.0.0.1:`port`."""
    def wait_and_write() -> None:
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                write_banner(text)
                return
            time.sleep(0.5)
        logger.warning("The web server did not accept connections on port %d within %d s.",
                       port, timeout_seconds)

    threading.Thread(target=wait_and_write, name="announce", daemon=True).start()


def run_processes(env: dict[str, str]) -> int:
    """Run the processes of Procfile.dev with honcho until one stops or Ctrl-C is pressed."""
    from honcho.environ import parse_procfile
    from honcho.manager import Manager
    from honcho.printer import Printer

    procfile = parse_procfile(PROCFILE_DEV.read_text())
    manager = Manager(Printer(sys.stdout, colour=sys.stdout.isatty()))
    # Added one by one rather than through honcho's expand_processes, which would give
    # every process type its own PORT (base + 100 per type).
    for name, command in procfile.processes.items():
        manager.add_process(name, command, env=env, cwd=str(REPO_ROOT))
    manager.loop()  # Handles SIGINT and SIGTERM itself by stopping every process.
    install_sigterm_handler()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    return manager.returncode or 0
