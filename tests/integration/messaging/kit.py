"""Test kit for the bus contract: a test message, a Postgres schema with outbox/inbox/effects."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy import Column, Integer, MetaData, String, Table, func, select
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncEngine

from lb_common.contracts.base import Message
from lb_common.contracts.registry import ContractRegistry
from lb_common.db.engine import create_engine, create_session_factory
from lb_common.db.messaging_tables import service_metadata
from lb_common.db.uow import UnitOfWork, UnitOfWorkFactory
from lb_common.messaging.envelope import QueueSpec


class Ping(Message):
    routing_key: ClassVar[str] = "kit.ping.sent.v1"
    n: int


class Pong(Message):
    routing_key: ClassVar[str] = "kit.pong.sent.v1"
    n: int


REGISTRY = ContractRegistry([Ping, Pong])


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def queue_spec(
    *bindings: str, limit: int = 2, prefetch: int = 8, service: str | None = None
) -> QueueSpec:
    svc = service or unique("kit")
    return QueueSpec(
        name=f"{svc}.work",
        service=svc,
        bindings=bindings or (Ping.routing_key,),
        delivery_limit=limit,
        prefetch=prefetch,
    )


async def eventually(
    check: Callable[[], Awaitable[bool]] | Callable[[], bool],
    *,
    timeout: float = 10.0,
    interval: float = 0.02,
    what: str = "condition",
) -> None:
    """Poll until `check` holds, or fail saying what did not happen."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(interval)


@dataclass
class KitDatabase:
    engine: AsyncEngine
    metadata: MetaData
    uow: UnitOfWorkFactory
    effects: Table

    @property
    def outbox(self) -> Table:
        return self.metadata.tables[f"{self.metadata.schema}.outbox"]

    async def effect_count(self) -> tuple[int, int]:
        """(rows, distinct message ids) in the effects table."""
        async with self.engine.connect() as c:
            rows = await c.scalar(select(func.count()).select_from(self.effects))
            distinct = await c.scalar(select(func.count(func.distinct(self.effects.c.message_id))))
        return int(rows or 0), int(distinct or 0)

    async def outbox_rows(self) -> int:
        async with self.engine.connect() as c:
            return int(await c.scalar(select(func.count()).select_from(self.outbox)) or 0)

    async def record_effect(self, message: Message, uow: UnitOfWork) -> None:
        await uow.session.execute(
            self.effects.insert().values(
                message_id=message.message_id, consumer="kit", n=getattr(message, "n", 0)
            )
        )


async def create_kit_database(dsn: str) -> KitDatabase:
    schema = unique("kit_")
    metadata = service_metadata(schema)
    effects = Table(
        "effects",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("message_id", UUID(as_uuid=True), nullable=False),
        Column("consumer", String(64), nullable=False),
        Column("n", Integer, nullable=False),
    )
    engine = create_engine(dsn, application_name="ledgerbridge-tests")
    async with engine.begin() as connection:
        await connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        await connection.run_sync(metadata.create_all)
    factory = UnitOfWorkFactory(
        create_session_factory(engine),
        outbox=metadata.tables[f"{schema}.outbox"],
        inbox=metadata.tables[f"{schema}.inbox"],
    )
    return KitDatabase(engine, metadata, factory, effects)


async def drop_kit_database(kit: KitDatabase) -> None:
    async with kit.engine.begin() as connection:
        await connection.exec_driver_sql(f'DROP SCHEMA "{kit.metadata.schema}" CASCADE')
    await kit.engine.dispose()
