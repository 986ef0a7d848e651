"""Run the local Mollie server: ``python -m payments.mollie_local --host 127.0.0.1 --port 8765``."""

import argparse
import logging
import os
import signal
import sys

from werkzeug.serving import make_server

from .app import create_app

logger = logging.getLogger("payments.mollie_local")

DEFAULT_PORT = 8765


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m payments.mollie_local",
        description="Local Mollie-compatible test server. It is not Mollie and moves no money.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=None,
        help=f"TCP port to listen on (default: $MOLLIE_LOCAL_PORT, else {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--public-url",
        default=os.environ.get("MOLLIE_LOCAL_PUBLIC_URL"),
        help="base URL that browsers use for the checkout page, when it differs from the URL "
        "the product calls (default: $MOLLIE_LOCAL_PUBLIC_URL, else the host of each request)",
    )
    arguments = parser.parse_args(argv)
    if arguments.port is None:
        arguments.port = _port_from_environment(parser)
    return arguments


def _port(raw: str) -> int:
    """Parse a TCP port. Port 0 lets the system pick a free one."""
    if not raw.isdigit() or not 0 <= int(raw) < 65536:
        raise argparse.ArgumentTypeError(f"invalid port {raw!r}: use a number from 0 to 65535")
    return int(raw)


def _port_from_environment(parser: argparse.ArgumentParser) -> int:
    raw = os.environ.get("MOLLIE_LOCAL_PORT", str(DEFAULT_PORT))
    try:
        return _port(raw)
    except argparse.ArgumentTypeError:
        parser.error(f"invalid MOLLIE_LOCAL_PORT {raw!r}: set a port number from 0 to 65535")


def main(argv: list[str] | None = None) -> None:
    arguments = parse_arguments(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    server = make_server(
        arguments.host, arguments.port, create_app(arguments.public_url), threaded=True
    )
    logger.info(
        "Local Mollie server (not Mollie) listening on http://%s:%s. "
        "Set MOLLIE_API_ENDPOINT to this URL.",
        arguments.host,
        server.server_port,
    )
    # Process managers such as honcho stop with SIGTERM. Exiting through
    # SystemExit runs the finally block below.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        logger.info("Local Mollie server stopped")


if __name__ == "__main__":
    main()
