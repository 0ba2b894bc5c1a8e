"""The ledger service's composition root: the only place that builds its parts."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from lb_common.messaging.bus import Bus
from lb_common.service.app import create_service_app
from lb_common.service.runtime import ServiceRuntime, build_runtime
from lb_ledger.handlers import build_consumers
from lb_ledger.settings import LedgerSettings
from lb_ledger.tables import metadata

MIGRATIONS = Path(__file__).parent / "migrations"


def build_ledger_runtime(settings: LedgerSettings, bus: Bus | None = None) -> ServiceRuntime:
    return build_runtime(
        name="ledger",
        settings=settings,
        metadata=metadata,
        migrations_dir=MIGRATIONS,
        consumers=build_consumers,
        bus=bus,
    )


def build_ledger_app(runtime: ServiceRuntime, *, manage_runtime: bool = True) -> FastAPI:
    return create_service_app(runtime, title="ledgerbridge ledger", manage_runtime=manage_runtime)
