"""The ingest service's composition root: the only place that builds its parts."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from lb_common.messaging.bus import Bus
from lb_common.service.app import create_service_app
from lb_common.service.runtime import ServiceRuntime, build_runtime
from lb_ingest.handlers import build_consumers
from lb_ingest.settings import IngestSettings
from lb_ingest.tables import metadata

MIGRATIONS = Path(__file__).parent / "migrations"


def build_ingest_runtime(settings: IngestSettings, bus: Bus | None = None) -> ServiceRuntime:
    return build_runtime(
        name="ingest",
        settings=settings,
        metadata=metadata,
        migrations_dir=MIGRATIONS,
        consumers=build_consumers,
        bus=bus,
    )


def build_ingest_app(runtime: ServiceRuntime, *, manage_runtime: bool = True) -> FastAPI:
    return create_service_app(runtime, title="ledgerbridge ingest", manage_runtime=manage_runtime)
