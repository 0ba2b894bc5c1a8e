"""A service's running parts, built by its `bootstrap.py` and started by the app's lifespan.

Start order: bus → migrations (if asked) → relay → consumers. Stop order is the reverse, so no
consumer runs without a relay to publish what it caused, and nothing publishes to a closed bus.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import MetaData, Table, text
from sqlalchemy.ext.asyncio import AsyncEngine

from lb_common.contracts.registry import ContractRegistry, default_registry
from lb_common.db.engine import asyncpg_dsn, create_engine, create_session_factory
from lb_common.db.migrations import upgrade_async
from lb_common.db.uow import UnitOfWorkFactory
from lb_common.logging import get_logger
from lb_common.messaging.bus import Bus
from lb_common.messaging.consumer import MessageConsumer
from lb_common.messaging.inprocess import InProcessBus
from lb_common.messaging.outbox import CrashPoint, OutboxRelay
from lb_common.messaging.rabbit import RabbitBus
from lb_common.metrics import ServiceMetrics
from lb_common.settings import BusKind, ServiceSettings

log = get_logger(__name__)


@dataclass
class ServiceRuntime:
    name: str
    settings: ServiceSettings
    engine: AsyncEngine
    uow: UnitOfWorkFactory
    bus: Bus
    owns_bus: bool
    relay: OutboxRelay
    metrics: ServiceMetrics
    registry: ContractRegistry
    metadata: MetaData
    migrations_dir: Path
    consumers: list[MessageConsumer] = field(default_factory=list)
    http_clients: list[httpx.AsyncClient] = field(default_factory=list)
    started: bool = False

    async def database_ready(self) -> bool:
        try:
            async with asyncio.timeout(2):
                async with self.engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def readiness(self) -> dict[str, bool]:
        return {
            "database": await self.database_ready(),
            "bus": self.bus.connected,
            "consumers": all(c.consuming for c in self.consumers),
        }

    async def migrate(self) -> None:
        schema = self.metadata.schema
        assert schema is not None
        await upgrade_async(
            migrations_dir=self.migrations_dir,
            dsn=str(self.settings.database_url),
            schema=schema,
        )

    async def start(self) -> None:
        if self.owns_bus:
            await self.bus.start()
        if self.settings.auto_migrate:
            await self.migrate()
        self.relay.start()
        for consumer in self.consumers:
            await consumer.start()
        self.started = True
        log.info(
            "service.started", service=self.name, consumers=[c.spec.name for c in self.consumers]
        )

    async def stop(self) -> None:
        for consumer in self.consumers:
            await consumer.stop()
        await self.relay.stop()
        if self.owns_bus:
            await self.bus.close()
        for client in self.http_clients:
            await client.aclose()
        await self.engine.dispose()
        self.started = False
        log.info("service.stopped", service=self.name)


ConsumerFactory = Callable[[ServiceRuntime], list[MessageConsumer]]


def build_bus(name: str, settings: ServiceSettings, metrics: ServiceMetrics) -> Bus:
    if settings.bus == BusKind.INPROCESS:
        # A private in-process bus only makes sense in tests; standalone passes a shared one.
        return InProcessBus(exchange=settings.exchange)
    return RabbitBus(
        str(settings.amqp_url),
        exchange=settings.exchange,
        connection_name=f"ledgerbridge-{name}",
        metrics=metrics,
    )


def build_runtime(
    *,
    name: str,
    settings: ServiceSettings,
    metadata: MetaData,
    migrations_dir: Path,
    consumers: ConsumerFactory,
    bus: Bus | None = None,
) -> ServiceRuntime:
    """Wire a service. Pass `bus` to share one (standalone); otherwise the service owns its own."""
    metrics = ServiceMetrics(name)
    engine = create_engine(str(settings.database_url), application_name=f"ledgerbridge-{name}")
    outbox: Table = metadata.tables[f"{metadata.schema}.outbox"]
    inbox: Table = metadata.tables[f"{metadata.schema}.inbox"]
    owned_bus = bus is None
    the_bus = bus if bus is not None else build_bus(name, settings, metrics)
    relay = OutboxRelay(
        engine=engine,
        table=outbox,
        bus=the_bus,
        listen_dsn=asyncpg_dsn(str(settings.database_url)),
        metrics=metrics,
        batch_size=settings.relay_batch_size,
        lease=timedelta(seconds=settings.relay_lease_seconds),
        poll_interval=settings.relay_poll_seconds,
        crash_point=CrashPoint(settings.crash_at),
    )
    runtime = ServiceRuntime(
        name=name,
        settings=settings,
        engine=engine,
        uow=UnitOfWorkFactory(create_session_factory(engine), outbox=outbox, inbox=inbox),
        bus=the_bus,
        owns_bus=owned_bus,
        relay=relay,
        metrics=metrics,
        registry=default_registry(),
        metadata=metadata,
        migrations_dir=migrations_dir,
    )
    runtime.consumers = consumers(runtime)
    return runtime
