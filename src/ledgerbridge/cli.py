"""`ledgerbridge standalone`: the whole system in one process (what `make run` calls)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ledgerbridge.standalone import (
    DEFAULT_DATA_DIR,
    DEFAULT_HOST,
    DEFAULT_PORT_BASE,
    SERVICE_NAMES,
    StandaloneOptions,
    run_standalone,
)


def _port_base(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from None
    if not 1 <= port <= 65535 - len(SERVICE_NAMES) + 1:
        raise argparse.ArgumentTypeError(f"port base must leave room for 4 ports: {port}")
    return port


def _api_key(value: str) -> str:
    if not value.strip():
        raise argparse.ArgumentTypeError("the API key must not be empty")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ledgerbridge", description="ledgerbridge: Amazon SP-API to QuickBooks Online"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    standalone = commands.add_parser(
        "standalone",
        help="run all four services in one process on embedded PostgreSQL (demo, development)",
    )
    standalone.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="where the embedded database lives, kept across restarts (default: %(default)s)",
    )
    standalone.add_argument(
        "--host", default=DEFAULT_HOST, help="address the HTTP APIs bind (default: %(default)s)"
    )
    standalone.add_argument(
        "--port-base",
        type=_port_base,
        default=DEFAULT_PORT_BASE,
        help="gateway port; ingest, ledger, inventory take the next three (default: %(default)s)",
    )
    standalone.add_argument(
        "--api-key", type=_api_key, help="the gateway's API key (default: a new random one)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "standalone":
        options = StandaloneOptions(
            data_dir=args.data_dir, host=args.host, port_base=args.port_base, api_key=args.api_key
        )
        return run_standalone(options)
    raise AssertionError(f"unhandled command {args.command!r}")


if __name__ == "__main__":
    sys.exit(main())
