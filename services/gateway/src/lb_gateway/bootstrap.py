"""The gateway's composition root: the only place that builds its parts."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from lb_common.messaging.bus import Bus
from lb_common.service.app import create_service_app
from lb_common.service.runtime import ServiceRuntime, build_runtime
from lb_gateway.api import router
from lb_gateway.handlers import build_consumers
from lb_gateway.settings import GatewaySettings
from lb_gateway.tables import metadata

MIGRATIONS = Path(__file__).parent / "migrations"


def build_gateway_runtime(settings: GatewaySettings, bus: Bus | None = None) -> ServiceRuntime:
    return build_runtime(
        name="gateway",
        settings=settings,
        metadata=metadata,
        migrations_dir=MIGRATIONS,
        consumers=build_consumers,
        bus=bus,
    )


def build_gateway_app(runtime: ServiceRuntime, *, manage_runtime: bool = True) -> FastAPI:
    return create_service_app(
        runtime, title="ledgerbridge gateway", routers=[router], manage_runtime=manage_runtime
    )
