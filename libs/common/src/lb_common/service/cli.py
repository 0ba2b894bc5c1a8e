"""`lb-<service> serve | migrate`: the console entry point of each service."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from typing import TypeVar

import uvicorn
from fastapi import FastAPI

from lb_common.db.migrations import upgrade
from lb_common.logging import configure_logging
from lb_common.service.runtime import ServiceRuntime
from lb_common.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


def run_cli(
    *,
    name: str,
    settings_type: type[S],
    build_runtime: Callable[[S], ServiceRuntime],
    build_app: Callable[[ServiceRuntime], FastAPI],
    argv: list[str] | None = None,
) -> None:
    parser = argparse.ArgumentParser(prog=f"lb-{name}", description=f"ledgerbridge {name} service")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the service (HTTP API, consumers, relay)")
    serve.add_argument("--host", help="override <PREFIX>HTTP_HOST")
    serve.add_argument("--port", type=int, help="override <PREFIX>HTTP_PORT")
    commands.add_parser("migrate", help="apply this service's database migrations, then exit")
    args = parser.parse_args(argv)

    settings = settings_type()
    configure_logging(json=settings.json_logs, level=settings.log_level)
    runtime = build_runtime(settings)
    if args.command == "migrate":
        schema = runtime.metadata.schema
        assert schema is not None
        upgrade(
            migrations_dir=runtime.migrations_dir, dsn=str(settings.database_url), schema=schema
        )
        asyncio.run(runtime.engine.dispose())
        return
    app = build_app(runtime)
    uvicorn.run(
        app,
        host=args.host or settings.http_host,
        port=args.port or settings.http_port,
        log_config=None,  # our structlog handler renders uvicorn's records too
        lifespan="on",
    )
