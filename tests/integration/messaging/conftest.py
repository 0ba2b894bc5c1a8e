from __future__ import annotations

from collections.abc import AsyncIterator

import aio_pika
import pytest

from lb_common.messaging.bus import Bus
from lb_common.messaging.envelope import QueueSpec
from lb_common.messaging.inprocess import InProcessBus
from lb_common.messaging.rabbit import RabbitBus
from lb_common.metrics import ServiceMetrics
from tests.integration.messaging.kit import (
    KitDatabase,
    create_kit_database,
    drop_kit_database,
    unique,
)


class TrackingBus:
    """Records what a test declared so the fixture can delete it from the broker afterwards."""

    def __init__(self, bus: Bus, kind: str) -> None:
        self.inner = bus
        self.kind = kind
        self.declared: list[QueueSpec] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    async def declare(self, spec: QueueSpec) -> None:
        self.declared.append(spec)
        await self.inner.declare(spec)


async def delete_rabbit_objects(amqp_url: str, exchange: str, specs: list[QueueSpec]) -> None:
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        for spec in specs:
            for queue in (spec.name, spec.dead_letter_queue):
                await channel.queue_delete(queue)
            await channel.exchange_delete(spec.dead_letter_exchange)
        await channel.exchange_delete(exchange)
    finally:
        await connection.close()


@pytest.fixture(params=["inprocess", pytest.param("rabbitmq", marks=pytest.mark.rabbit)])
async def bus(request: pytest.FixtureRequest) -> AsyncIterator[TrackingBus]:
    exchange = unique("kit.exchange.")
    inner: Bus
    if request.param == "inprocess":
        inner = InProcessBus(exchange=exchange)
    else:
        amqp_url: str = request.getfixturevalue("amqp_url")
        inner = RabbitBus(
            amqp_url,
            exchange=exchange,
            connection_name="ledgerbridge-tests",
            metrics=ServiceMetrics("tests"),
        )
    tracking = TrackingBus(inner, request.param)
    await inner.start()
    try:
        yield tracking
    finally:
        await inner.close()
        if request.param == "rabbitmq":
            await delete_rabbit_objects(
                request.getfixturevalue("amqp_url"), exchange, tracking.declared
            )


@pytest.fixture
async def kit_db(sqlalchemy_dsn: str) -> AsyncIterator[KitDatabase]:
    kit = await create_kit_database(sqlalchemy_dsn)
    try:
        yield kit
    finally:
        await drop_kit_database(kit)
