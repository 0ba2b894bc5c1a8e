"""What only the real broker can show: the queue arguments it actually holds, and that a dead
letter it cannot route is kept on the work queue rather than acked away."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from collections.abc import AsyncIterator

import aio_pika
import pytest

from lb_common.messaging.envelope import Delivery, OutgoingMessage
from lb_common.messaging.rabbit import RabbitBus
from lb_common.metrics import ServiceMetrics
from tests.conftest import AMQP_VHOST
from tests.integration.messaging.conftest import delete_rabbit_objects
from tests.integration.messaging.kit import Ping, eventually, queue_spec, unique

pytestmark = pytest.mark.rabbit


@pytest.fixture
async def rabbit(amqp_url: str) -> AsyncIterator[RabbitBus]:
    bus = RabbitBus(
        amqp_url,
        exchange=unique("kit.exchange."),
        connection_name="lb-tests",
        metrics=ServiceMetrics("tests"),
    )
    await bus.start()
    yield bus
    await bus.close()


def queue_properties(name: str) -> dict[str, object]:
    """The queue as the broker holds it (type, durability, arguments), via rabbitmqctl."""
    rabbitmqctl = shutil.which("rabbitmqctl")
    assert rabbitmqctl is not None
    listed = subprocess.run(
        [
            rabbitmqctl,
            "-q",
            "list_queues",
            "-p",
            AMQP_VHOST,
            "--formatter",
            "json",
            "name",
            "type",
            "durable",
            "arguments",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    queue: dict[str, object] = next(q for q in json.loads(listed) if q["name"] == name)
    return queue


class TestRabbitTopology:
    async def test_work_queues_are_durable_quorum_queues_with_fuse_and_dead_letter_route(
        self, rabbit: RabbitBus, amqp_url: str
    ) -> None:
        spec = queue_spec(limit=13)
        await rabbit.declare(spec)
        try:
            queue = await asyncio.to_thread(queue_properties, spec.name)
            assert (queue["type"], queue["durable"]) == ("quorum", True)
            arguments = {key: value for key, _type, value in queue["arguments"]}  # type: ignore[attr-defined]
            assert arguments == {
                "x-queue-type": "quorum",
                "x-delivery-limit": 13,
                "x-dead-letter-exchange": f"{spec.service}.dlx",
                "x-dead-letter-routing-key": spec.name,
                "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish",
            }
            dlq = await asyncio.to_thread(queue_properties, spec.dead_letter_queue)
            assert (dlq["type"], dlq["durable"]) == ("quorum", True)
        finally:
            await delete_rabbit_objects(amqp_url, "unused", [spec])

    async def test_a_dead_letter_the_broker_cannot_route_stays_on_the_work_queue(
        self, rabbit: RabbitBus, amqp_url: str
    ) -> None:
        spec = queue_spec(limit=50)
        await rabbit.declare(spec)
        connection = await aio_pika.connect(amqp_url)
        channel = await connection.channel()
        await channel.queue_delete(spec.dead_letter_queue)  # the route to the DLQ is gone
        attempts: list[int] = []

        async def refuse(delivery: Delivery) -> None:
            attempts.append(delivery.delivery_count)
            await delivery.dead_letter("invalid_message: for the test")

        try:
            subscription = await rabbit.subscribe(spec, refuse)
            await rabbit.publish(OutgoingMessage.from_contract(Ping(tenant_id="t", n=1)))
            await eventually(lambda: len(attempts) >= 2, what="the message to come back")
            await subscription.cancel()
            await rabbit.declare(spec)  # the route is back
            again = await rabbit.subscribe(spec, refuse)

            async def dead() -> bool:
                return len(await rabbit.dead_letters(spec)) == 1

            await eventually(dead, what="the dead letter once its route exists")
            await again.cancel()
        finally:
            await connection.close()
            await delete_rabbit_objects(amqp_url, "unused", [spec])
