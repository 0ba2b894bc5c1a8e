"""Broker connections force-closed mid-consume: nothing lost, nothing applied twice, consumers
resume by themselves (aio-pika robust connection, restored channels and consumers)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess

import pytest

from lb_common.messaging.consumer import ExactlyOnce, MessageConsumer
from lb_common.messaging.outbox import OutboxRelay
from lb_common.messaging.rabbit import RabbitBus
from lb_common.metrics import ServiceMetrics
from tests.conftest import AMQP_VHOST
from tests.integration.messaging.conftest import delete_rabbit_objects
from tests.integration.messaging.kit import REGISTRY, KitDatabase, Ping, eventually, queue_spec
from tests.integration.messaging.kit import unique as kit_unique

pytestmark = [pytest.mark.postgres, pytest.mark.rabbit, pytest.mark.slow]

MESSAGES = 300


def close_all_connections() -> None:
    rabbitmqctl = shutil.which("rabbitmqctl")
    assert rabbitmqctl is not None, "rabbitmqctl is needed to force-close connections"
    subprocess.run(
        [rabbitmqctl, "close_all_connections", "-p", AMQP_VHOST, "chaos test"],
        check=True,
        capture_output=True,
        timeout=60,
    )


class TestBrokerConnectionLoss:
    @pytest.mark.timeout(180)
    async def test_consumers_resume_and_every_message_takes_effect_once(
        self, amqp_url: str, kit_db: KitDatabase
    ) -> None:
        exchange = kit_unique("chaos.exchange.")
        metrics = ServiceMetrics("chaos")
        bus = RabbitBus(
            amqp_url, exchange=exchange, connection_name="ledgerbridge-chaos", metrics=metrics
        )
        await bus.start()
        spec = queue_spec(limit=20, prefetch=10)

        async def slow_effect(message: Ping, uow: object) -> None:
            await asyncio.sleep(0.005)  # long enough that the cut lands mid-consume
            await kit_db.record_effect(message, uow)  # type: ignore[arg-type]

        consumer = MessageConsumer(
            bus=bus,
            spec=spec,
            registry=REGISTRY,
            metrics=metrics,
            handler=ExactlyOnce(
                consumer="kit", uow_factory=kit_db.uow, message_type=Ping, effect=slow_effect
            ),
            retry_base=0.01,
            retry_cap=0.2,
        )
        relay = OutboxRelay(
            engine=kit_db.engine,
            table=kit_db.outbox,
            bus=bus,
            listen_dsn=None,
            metrics=metrics,
            batch_size=25,
            poll_interval=0.05,
        )
        try:
            await consumer.start()
            async with kit_db.uow() as uow:
                for n in range(MESSAGES):
                    await uow.outbox.add(Ping(tenant_id="t1", n=n))
                await uow.commit()
            relay.start()

            async def some_done() -> bool:
                return (await kit_db.effect_count())[0] >= 40

            await eventually(some_done, timeout=30, what="the first effects")
            await asyncio.to_thread(close_all_connections)
            await asyncio.sleep(1)
            await asyncio.to_thread(close_all_connections)  # and once more while recovering

            async def all_done() -> bool:
                return (await kit_db.effect_count())[0] >= MESSAGES

            await eventually(all_done, timeout=90, interval=0.2, what="every effect")
            await asyncio.sleep(1)  # any straggling redelivery would show up now
            rows, distinct = await kit_db.effect_count()
            assert (rows, distinct) == (MESSAGES, MESSAGES)
            assert await kit_db.outbox_rows() == 0
            assert await bus.dead_letters(spec) == []
            assert consumer.consuming and bus.connected
            reconnects = metrics.registry.get_sample_value("lb_bus_reconnects_total")
            assert reconnects is not None and reconnects >= 1
        finally:
            await relay.stop()
            await consumer.stop()
            await bus.close()
            await delete_rabbit_objects(amqp_url, exchange, [spec])
