"""PostgreSQL unreachable under a consumer: it pauses instead of burning delivery attempts, and
resumes by itself when the database answers again; every message still takes effect once."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest

from lb_common.db.engine import create_engine, create_session_factory
from lb_common.db.uow import UnitOfWorkFactory
from lb_common.messaging.consumer import ExactlyOnce, MessageConsumer
from lb_common.messaging.envelope import OutgoingMessage
from lb_common.messaging.inprocess import InProcessBus
from lb_common.metrics import ServiceMetrics
from lb_common.testing.tcpproxy import TcpProxy
from tests.integration.messaging.kit import REGISTRY, KitDatabase, Ping, eventually, queue_spec

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

MESSAGES = 60


class TestDatabaseOutage:
    async def test_consumer_pauses_while_postgres_is_away_and_nothing_is_dead_lettered(
        self, kit_db: KitDatabase, sqlalchemy_dsn: str
    ) -> None:
        real = urlsplit(sqlalchemy_dsn)
        proxy = await TcpProxy(real.hostname or "127.0.0.1", real.port or 5432).start()
        proxied_dsn = sqlalchemy_dsn.replace(real.netloc, f"{real.username}@127.0.0.1:{proxy.port}")
        engine = create_engine(proxied_dsn, application_name="lb-chaos")
        uow = UnitOfWorkFactory(
            create_session_factory(engine),
            outbox=kit_db.outbox,
            inbox=kit_db.metadata.tables[f"{kit_db.metadata.schema}.inbox"],
        )

        async def database_probe() -> bool:
            async with engine.connect() as connection:
                await connection.exec_driver_sql("SELECT 1")
            return True

        async def slow_effect(message: Ping, unit: object) -> None:
            await asyncio.sleep(0.01)
            await kit_db.record_effect(message, unit)  # type: ignore[arg-type]

        bus = InProcessBus()
        await bus.start()
        spec = queue_spec(limit=3, prefetch=4)
        consumer = MessageConsumer(
            bus=bus,
            spec=spec,
            registry=REGISTRY,
            metrics=ServiceMetrics("chaos"),
            handler=ExactlyOnce(
                consumer="kit", uow_factory=uow, message_type=Ping, effect=slow_effect
            ),
            health_probes=(database_probe,),
            probe_interval=0.1,
        )
        try:
            await consumer.start()
            for n in range(MESSAGES):
                await bus.publish(OutgoingMessage.from_contract(Ping(tenant_id="t", n=n)))

            async def some_done() -> bool:
                return (await kit_db.effect_count())[0] >= 10

            await eventually(some_done, what="the first effects")
            proxy.refusing = True
            proxy.cut()
            await eventually(lambda: not consumer.consuming, what="the consumer to pause")
            await asyncio.sleep(1.0)  # ten probe intervals with the database away
            assert not consumer.consuming
            proxy.refusing = False
            await eventually(lambda: consumer.consuming, what="the consumer to resume")

            async def all_done() -> bool:
                return (await kit_db.effect_count())[0] >= MESSAGES

            await eventually(all_done, timeout=30, what="every effect")
            assert await kit_db.effect_count() == (MESSAGES, MESSAGES)
            # A limit of 3 would have dead-lettered messages had attempts been burned.
            assert await bus.dead_letters(spec) == []
        finally:
            await consumer.stop()
            await bus.close()
            await engine.dispose()
            await proxy.stop()
