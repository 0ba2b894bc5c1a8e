"""What makes a service itself: its name, settings, tables, migrations, consumers and routes.

Each service's `bootstrap.py` declares one `ServiceDefinition`; building the runtime, the app and
the console entry point is the same for all of them and lives here once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from fastapi import APIRouter, FastAPI
from sqlalchemy import MetaData

from lb_common.messaging.bus import Bus
from lb_common.service.app import create_service_app
from lb_common.service.cli import run_cli
from lb_common.service.runtime import ConsumerFactory, ServiceRuntime, build_runtime
from lb_common.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


@dataclass(frozen=True)
class ServiceDefinition(Generic[S]):
    name: str
    settings_type: type[S]
    metadata: MetaData
    migrations_dir: Path
    consumers: ConsumerFactory
    routers: Sequence[APIRouter] = field(default_factory=tuple)

    def build_runtime(self, settings: S, bus: Bus | None = None) -> ServiceRuntime:
        """Wire the service; pass `bus` to share one (standalone mode)."""
        return build_runtime(
            name=self.name,
            settings=settings,
            metadata=self.metadata,
            migrations_dir=self.migrations_dir,
            consumers=self.consumers,
            bus=bus,
        )

    def build_app(self, runtime: ServiceRuntime, *, manage_runtime: bool = True) -> FastAPI:
        return create_service_app(
            runtime,
            title=f"ledgerbridge {self.name}",
            routers=self.routers,
            manage_runtime=manage_runtime,
        )

    def main(self, argv: list[str] | None = None) -> None:
        """`lb-<name> serve | migrate`."""
        run_cli(
            name=self.name,
            settings_type=self.settings_type,
            build_runtime=self.build_runtime,
            build_app=self.build_app,
            argv=argv,
        )
