"""Standalone mode: all four services in one process, on embedded PostgreSQL and one in-process bus.

For demos and development (`make run`): nothing to install but this package. Start-up order:
embedded PostgreSQL → database → shared bus → each service's runtime (migrations, relay,
consumers) → the four HTTP servers. Ctrl-C or SIGTERM stops them in the reverse order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import shlex
import signal
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr

from lb_common.logging import configure_logging, get_logger
from lb_common.messaging.inprocess import InProcessBus
from lb_common.service.definition import ServiceDefinition
from lb_common.service.runtime import ServiceRuntime
from lb_common.settings import BusKind, Environment, ServiceSettings
from lb_gateway.bootstrap import SERVICE as GATEWAY
from lb_ingest.bootstrap import SERVICE as INGEST
from lb_inventory.bootstrap import SERVICE as INVENTORY
from lb_ledger.bootstrap import SERVICE as LEDGER
from ledgerbridge.embedded_db import (
    DATABASE,
    EmbeddedPostgres,
    EmbeddedPostgresError,
    start_embedded_postgres,
)

log = get_logger(__name__)

S = TypeVar("S", bound=ServiceSettings)

DEFAULT_DATA_DIR = Path(".ledgerbridge")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT_BASE = 8000
#: Services in start order; each listens on port_base + its index.
DEFINITIONS: tuple[ServiceDefinition[Any], ...] = (GATEWAY, INGEST, LEDGER, INVENTORY)
SERVICE_NAMES = tuple(definition.name for definition in DEFINITIONS)
#: The gateway API key `make run` generated, kept so the demo's key survives restarts.
API_KEY_FILE = "api-key"
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass(frozen=True)
class StandaloneOptions:
    data_dir: Path = DEFAULT_DATA_DIR
    host: str = DEFAULT_HOST
    port_base: int = DEFAULT_PORT_BASE
    api_key: str | None = None


@dataclass(frozen=True)
class _Service:
    name: str
    runtime: ServiceRuntime
    app: FastAPI
    port: int


class _SharedLoopServer(uvicorn.Server):
    """A uvicorn server that leaves signals to standalone mode, which runs four in one loop.

    uvicorn's own capture would re-raise the signal after serving, turning a clean stop into a
    KeyboardInterrupt (and a non-zero exit).
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def run_standalone(options: StandaloneOptions) -> int:
    """Run until Ctrl-C or SIGTERM; 0 after a clean stop, 1 if anything failed."""
    configure_logging(json=False, level="INFO")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    api_key, generated = _api_key(options)
    # Until the event loop takes over, both signals interrupt: also when the parent left SIGINT
    # ignored (`cmd &` in a script), and for SIGTERM, whose default would skip all clean-up.
    previous = {sig: signal.signal(sig, _interrupt) for sig in _STOP_SIGNALS}
    log.info("standalone.starting", data_dir=str(options.data_dir), port_base=options.port_base)
    try:
        return _run_with_database(options, api_key, generated)
    except KeyboardInterrupt:
        log.info("standalone.interrupted")
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _api_key(options: StandaloneOptions) -> tuple[str, bool]:
    """The key given, else the one kept in the data dir, else a new one kept there (0600)."""
    if options.api_key:
        return options.api_key, False
    path = options.data_dir / API_KEY_FILE
    if path.is_file():
        return path.read_text().strip(), True
    options.data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(24)
    path.touch(mode=0o600)
    path.write_text(key + "\n")
    return key, True


def _run_with_database(options: StandaloneOptions, api_key: str, generated: bool) -> int:
    try:
        database = start_embedded_postgres(options.data_dir)
    except EmbeddedPostgresError as exc:
        log.error("standalone.database_failed", reason=str(exc))
        return 1
    log.info("standalone.database_started", pgdata=str(database.pgdata))
    try:
        return asyncio.run(_run(database, options, api_key, generated=generated))
    except Exception:
        log.exception("standalone.failed")
        return 1
    finally:
        database.stop()  # stops the server unless another live process still holds it
        log.info("standalone.database_released", pgdata=str(database.pgdata))


async def _run(
    database: EmbeddedPostgres, options: StandaloneOptions, api_key: str, *, generated: bool
) -> int:
    stop = asyncio.Event()
    servers: list[uvicorn.Server] = []
    with _stop_signals(stop, servers):
        if await database.ensure_database(DATABASE):
            log.info("standalone.database_created", database=DATABASE)
        bus = InProcessBus()
        services = _build_services(database.dsn(DATABASE), options, api_key, bus)
        started: list[_Service] = []
        try:
            await bus.start()
            for service in services:
                await service.runtime.start()
                started.append(service)
            if stop.is_set():
                return 0
            return await _serve_http(services, options, api_key, generated, stop, servers)
        finally:
            await _stop_runtimes(started)
            await bus.close()


@contextlib.contextmanager
def _stop_signals(stop: asyncio.Event, servers: Sequence[uvicorn.Server]) -> Iterator[None]:
    """First signal: stop gracefully. Second: stop without waiting for open connections."""
    loop = asyncio.get_running_loop()

    def on_signal() -> None:
        if stop.is_set():
            for server in servers:
                server.force_exit = True
        stop.set()
        for server in servers:
            server.should_exit = True

    for sig in _STOP_SIGNALS:
        loop.add_signal_handler(sig, on_signal)
    try:
        yield
    finally:
        for sig in _STOP_SIGNALS:
            loop.remove_signal_handler(sig)
            signal.signal(sig, _interrupt)  # back to interrupting while the database stops


def _settings(kind: type[S], dsn: str, host: str, port: int, **extra: Any) -> S:
    """Each service's settings from its environment, with standalone's wiring on top."""
    return kind(
        environment=Environment.DEV,
        database_url=dsn,
        bus=BusKind.INPROCESS,
        auto_migrate=True,
        http_host=host,
        http_port=port,
        **extra,
    )


def _build_services(
    dsn: str, options: StandaloneOptions, api_key: str, bus: InProcessBus
) -> list[_Service]:
    services = []
    for index, definition in enumerate(DEFINITIONS):
        port = options.port_base + index
        extra = {"api_key": SecretStr(api_key)} if definition is GATEWAY else {}
        settings = _settings(definition.settings_type, dsn, options.host, port, **extra)
        runtime = definition.build_runtime(settings, bus=bus)
        app = definition.build_app(runtime, manage_runtime=False)
        services.append(_Service(definition.name, runtime, app, port))
    return services


async def _stop_runtimes(started: Sequence[_Service]) -> None:
    for service in reversed(started):
        try:
            await service.runtime.stop()
        except Exception:
            log.exception("standalone.runtime_stop_failed", service=service.name)


async def _serve_http(
    services: Sequence[_Service],
    options: StandaloneOptions,
    api_key: str,
    generated: bool,
    stop: asyncio.Event,
    servers: list[uvicorn.Server],
) -> int:
    """Serve the four apps until `stop`; 1 if a server failed (e.g. its port was taken)."""
    servers.extend(_http_server(service, options.host) for service in services)
    tasks = [
        asyncio.create_task(_serve(server, service.name), name=f"http:{service.name}")
        for server, service in zip(servers, services, strict=True)
    ]
    stopped = asyncio.create_task(stop.wait())
    if await _all_started(servers, tasks, stop):
        _print_banner(services, options, api_key, generated=generated)
    await asyncio.wait([*tasks, stopped], return_when=asyncio.FIRST_COMPLETED)
    for server in servers:
        server.should_exit = True
    results = await asyncio.gather(*tasks, return_exceptions=True)
    stopped.cancel()
    failed = [r for r in results if isinstance(r, BaseException)]
    for failure in failed:
        log.error("standalone.http_failed", reason=str(failure))
    return 0 if stop.is_set() and not failed else 1


def _http_server(service: _Service, host: str) -> uvicorn.Server:
    config = uvicorn.Config(
        service.app, host=host, port=service.port, log_config=None, lifespan="on"
    )
    return _SharedLoopServer(config)


async def _serve(server: uvicorn.Server, name: str) -> None:
    try:
        await server.serve()
    except SystemExit as exc:  # uvicorn exits the process when it cannot bind
        raise RuntimeError(f"{name} could not start on port {server.config.port}") from exc


async def _all_started(
    servers: Sequence[uvicorn.Server], tasks: Sequence[asyncio.Task[None]], stop: asyncio.Event
) -> bool:
    while not all(server.started for server in servers):
        if stop.is_set() or any(task.done() for task in tasks):
            return False
        await asyncio.sleep(0.05)
    return True


def _print_banner(
    services: Sequence[_Service], options: StandaloneOptions, api_key: str, *, generated: bool
) -> None:
    host = _url_host(options.host)
    gateway = f"http://{host}:{options.port_base}"
    lines = ["", "ledgerbridge standalone is running (embedded PostgreSQL, in-process bus)"]
    lines += [f"  {s.name:<10} http://{host}:{s.port}" for s in services]
    lines += [f"  data       {options.data_dir.expanduser().resolve() / 'pgdata'}"]
    note = f"  (kept in {options.data_dir / API_KEY_FILE}; or --api-key)" if generated else ""
    lines += [f"  API key    {api_key}{note}", "", "Start a sync:"]
    lines += [
        f"  curl -X POST -H {shlex.quote('X-API-Key: ' + api_key)} {gateway}/v1/tenants/demo/syncs",
        "Then follow it:",
        f"  curl -H {shlex.quote('X-API-Key: ' + api_key)} {gateway}/v1/tenants/demo/syncs/<id>",
        "",
        "Press Ctrl-C to stop.",
        "",
    ]
    print("\n".join(lines), flush=True)


def _url_host(host: str) -> str:
    if host in ("", "0.0.0.0", "::"):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host
