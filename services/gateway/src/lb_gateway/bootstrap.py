"""The gateway service's composition root: everything it is made of, declared once."""

from __future__ import annotations

from pathlib import Path

from lb_common.service.definition import ServiceDefinition
from lb_gateway.api import router
from lb_gateway.handlers import build_consumers
from lb_gateway.settings import GatewaySettings
from lb_gateway.tables import metadata

SERVICE = ServiceDefinition(
    name="gateway",
    settings_type=GatewaySettings,
    metadata=metadata,
    migrations_dir=Path(__file__).parent / "migrations",
    consumers=build_consumers,
    routers=(router,),
)
MIGRATIONS = SERVICE.migrations_dir
build_gateway_runtime = SERVICE.build_runtime
build_gateway_app = SERVICE.build_app
