"""RabbitMQ bus on aio-pika.

What each choice relies on (RabbitMQ 3.10):
- publisher confirms + `mandatory` + `on_return_raises`: `publish` returns only once the broker has
  the message and raises if no queue is bound (https://www.rabbitmq.com/confirms.html). Without
  `on_return_raises`, aio-pika hands back the returned message, which looks like success.
- quorum queues with an explicit `x-delivery-limit` (3.10 has no default), a dead-letter exchange,
  `x-dead-letter-strategy=at-least-once`, which needs `x-overflow=reject-publish`
  (https://www.rabbitmq.com/quorum-queues.html#dead-lettering).
- `connect_robust` re-opens channels, re-declares and re-consumes after a connection loss. Delivery
  tags die with their channel: an ack after a reconnect fails and the broker redelivers, which the
  inbox makes harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)
from aio_pika.exceptions import (
    AMQPError,
    ChannelInvalidStateError,
    DeliveryError,
    PublishError,
)

from lb_common.errors import BusError, PublishNotConfirmedError, UnroutableMessageError
from lb_common.logging import get_logger
from lb_common.messaging.envelope import (
    ORIGINAL_KEY_HEADER,
    REASON_HEADER,
    REPLAYED_HEADER,
    DeadLetter,
    DeliveryCallback,
    OutgoingMessage,
    QueueSpec,
)
from lb_common.metrics import ServiceMetrics

log = get_logger(__name__)


def work_queue_arguments(spec: QueueSpec) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "x-queue-type": "quorum",
        "x-delivery-limit": spec.delivery_limit,
        "x-dead-letter-exchange": spec.dead_letter_exchange,
        "x-dead-letter-routing-key": spec.name,
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }
    if spec.single_active_consumer:
        arguments["x-single-active-consumer"] = True
    return arguments


DEAD_LETTER_QUEUE_ARGUMENTS: dict[str, Any] = {"x-queue-type": "quorum"}


class _RabbitDelivery:
    def __init__(
        self,
        message: AbstractIncomingMessage,
        queue: str,
        metrics: ServiceMetrics,
        dead_letter_exchange: AbstractExchange,
    ) -> None:
        self._message = message
        self._queue = queue
        self._metrics = metrics
        self._dlx = dead_letter_exchange

    @property
    def message_id(self) -> str:
        return self._message.message_id or ""

    @property
    def routing_key(self) -> str:
        # A replayed dead letter arrives through the default exchange, keyed by queue name.
        original = (self._message.headers or {}).get(ORIGINAL_KEY_HEADER)
        return original if isinstance(original, str) else (self._message.routing_key or "")

    @property
    def body(self) -> bytes:
        return self._message.body

    @property
    def headers(self) -> Mapping[str, object]:
        return dict(self._message.headers or {})

    @property
    def delivery_count(self) -> int:
        count = (self._message.headers or {}).get("x-delivery-count", 0)
        return int(count) if isinstance(count, int | str) else 0

    async def _settle(self, action: str, coro: Any) -> None:
        try:
            await coro
        except (ChannelInvalidStateError, AMQPError, ConnectionError) as exc:
            # The channel this delivery came on is gone; the broker will redeliver the message
            # and the inbox makes that a no-op.
            self._metrics.ack_failures.labels(queue=self._queue).inc()
            log.warning(
                "bus.settle_failed",
                action=action,
                queue=self._queue,
                message_id=self.message_id,
                reason=str(exc),
            )

    async def ack(self) -> None:
        await self._settle("ack", self._message.ack())

    async def requeue(self) -> None:
        await self._settle("requeue", self._message.nack(requeue=True))

    async def dead_letter(self, reason: str) -> None:
        """Publish to the dead-letter route with the reason, confirmed, then ack the original.

        A crash between the two leaves the original unacked: it is redelivered and dead-lettered
        again, so the dead letter is never lost (it may appear twice; replay is idempotent).
        """
        headers = dict(self._message.headers or {})
        headers[REASON_HEADER] = reason[:1000]
        headers[ORIGINAL_KEY_HEADER] = self.routing_key
        try:
            await self._dlx.publish(
                aio_pika.Message(
                    self._message.body,
                    headers=headers,
                    message_id=self._message.message_id,
                    correlation_id=self._message.correlation_id,
                    content_type=self._message.content_type,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    timestamp=datetime.now(),
                ),
                routing_key=self._queue,
                mandatory=True,
                timeout=10,
            )
        except (TimeoutError, AMQPError, ConnectionError) as exc:
            log.error(
                "bus.dead_letter_publish_failed",
                queue=self._queue,
                message_id=self.message_id,
                reason=str(exc),
            )
            await self.requeue()
            return
        await self.ack()


class _RabbitSubscription:
    def __init__(self, channel: AbstractChannel, queue: AbstractQueue, tag: str) -> None:
        self._channel = channel
        self._queue = queue
        self._tag = tag

    async def stop_deliveries(self) -> None:
        # basic.cancel: the broker sends nothing more; unacked deliveries stay on the channel.
        with contextlib.suppress(AMQPError, ConnectionError, asyncio.TimeoutError):
            await self._queue.cancel(self._tag)

    async def cancel(self) -> None:
        await self.stop_deliveries()
        # Closing the channel hands unsettled deliveries back to the queue.
        with contextlib.suppress(AMQPError, ConnectionError, asyncio.TimeoutError):
            await self._channel.close()


class RabbitBus:
    def __init__(
        self,
        url: str,
        *,
        exchange: str,
        connection_name: str,
        metrics: ServiceMetrics,
        publish_timeout: float = 10.0,
        heartbeat: int = 15,
    ) -> None:
        self._url = url
        self._exchange_name = exchange
        self._connection_name = connection_name
        self._metrics = metrics
        self._publish_timeout = publish_timeout
        self._heartbeat = heartbeat
        # Strong references: robust objects restored after a reconnect must stay alive.
        self._connection: AbstractRobustConnection | None = None
        self._publish_channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._closing = False

    async def start(self) -> None:
        self._connection = await aio_pika.connect_robust(
            self._url,
            heartbeat=self._heartbeat,
            client_properties={"connection_name": self._connection_name},
        )
        self._connection.reconnect_callbacks.add(self._on_reconnect)
        self._connection.close_callbacks.add(self._on_close)
        self._publish_channel = await self._connection.channel(
            publisher_confirms=True, on_return_raises=True
        )
        self._exchange = await self._publish_channel.declare_exchange(
            self._exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )

    def _on_reconnect(self, *_args: object) -> None:
        self._metrics.bus_reconnects.inc()
        log.info("bus.reconnected", connection=self._connection_name)

    def _on_close(self, *_args: object) -> None:
        if not self._closing:  # aio-pika calls this on our own close() too
            log.warning("bus.connection_lost", connection=self._connection_name)

    async def close(self) -> None:
        if self._connection is not None:
            self._closing = True
            await self._connection.close()
            self._connection = None

    @property
    def connected(self) -> bool:
        connection = self._connection
        return connection is not None and not connection.is_closed and connection.connected.is_set()

    def _require_connection(self) -> AbstractRobustConnection:
        if self._connection is None:
            raise BusError("the bus is not started")
        return self._connection

    async def declare(self, spec: QueueSpec) -> None:
        connection = self._require_connection()
        channel = await connection.channel()
        try:
            exchange = await channel.declare_exchange(
                self._exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
            )
            dlx = await channel.declare_exchange(
                spec.dead_letter_exchange, aio_pika.ExchangeType.DIRECT, durable=True
            )
            dlq = await channel.declare_queue(
                spec.dead_letter_queue, durable=True, arguments=DEAD_LETTER_QUEUE_ARGUMENTS
            )
            await dlq.bind(dlx, routing_key=spec.name)
            queue = await channel.declare_queue(
                spec.name, durable=True, arguments=work_queue_arguments(spec)
            )
            for pattern in spec.bindings:
                await queue.bind(exchange, routing_key=pattern)
        finally:
            await channel.close()

    async def publish(self, message: OutgoingMessage) -> None:
        if self._exchange is None:
            raise BusError("the bus is not started")
        amqp_message = aio_pika.Message(
            message.body,
            headers=dict(message.headers),
            message_id=message.message_id,
            correlation_id=message.correlation_id,
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            timestamp=datetime.now(),
        )
        try:
            await self._exchange.publish(
                amqp_message,
                routing_key=message.routing_key,
                mandatory=True,
                timeout=self._publish_timeout,
            )
        except PublishError as exc:
            raise UnroutableMessageError(
                f"no queue is bound for {message.routing_key!r} on {self._exchange_name!r}",
                routing_key=message.routing_key,
                message_id=message.message_id,
            ) from exc
        except DeliveryError as exc:
            raise PublishNotConfirmedError(
                f"broker refused {message.routing_key!r}: {exc}",
                message_id=message.message_id,
            ) from exc
        except (TimeoutError, AMQPError, ConnectionError, RuntimeError) as exc:
            raise PublishNotConfirmedError(
                f"publish of {message.routing_key!r} not confirmed: {type(exc).__name__} {exc}",
                message_id=message.message_id,
            ) from exc

    async def subscribe(
        self, spec: QueueSpec, on_delivery: DeliveryCallback
    ) -> _RabbitSubscription:
        connection = self._require_connection()
        # Confirms and raising returns here too: dead letters are published on this channel,
        # and one the broker cannot route must not be acked away.
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        await channel.set_qos(prefetch_count=spec.prefetch)
        dlx = await channel.declare_exchange(
            spec.dead_letter_exchange, aio_pika.ExchangeType.DIRECT, durable=True
        )
        queue = await channel.declare_queue(
            spec.name, durable=True, arguments=work_queue_arguments(spec)
        )

        async def deliver(message: AbstractIncomingMessage) -> None:
            await on_delivery(_RabbitDelivery(message, spec.name, self._metrics, dlx))

        tag = await queue.consume(deliver, no_ack=False)
        return _RabbitSubscription(channel, queue, tag)

    async def _drain(
        self, channel: AbstractChannel, spec: QueueSpec, limit: int
    ) -> list[AbstractIncomingMessage]:
        """Take up to `limit` dead letters unacked; closing the channel returns them all."""
        queue = await channel.declare_queue(
            spec.dead_letter_queue, durable=True, arguments=DEAD_LETTER_QUEUE_ARGUMENTS
        )
        taken: list[AbstractIncomingMessage] = []
        while len(taken) < limit:
            message = await queue.get(no_ack=False, fail=False, timeout=5)
            if message is None:
                break
            taken.append(message)
        return taken

    async def dead_letters(self, spec: QueueSpec, limit: int = 100) -> list[DeadLetter]:
        channel = await self._require_connection().channel()
        try:
            return [_to_dead_letter(spec, m) for m in await self._drain(channel, spec, limit)]
        finally:
            await channel.close()

    async def replay_dead_letter(self, spec: QueueSpec, message_id: str) -> bool:
        channel = await self._require_connection().channel(
            publisher_confirms=True, on_return_raises=True
        )
        try:
            for message in await self._drain(channel, spec, limit=10_000):
                if message.message_id != message_id:
                    continue
                headers = {
                    k: v
                    for k, v in (message.headers or {}).items()
                    if not k.startswith("x-death")
                    and not k.startswith("x-first-death")
                    and not k.startswith("x-last-death")
                    and k not in (REASON_HEADER, "x-delivery-count")
                }
                headers[ORIGINAL_KEY_HEADER] = _original_routing_key(message)
                headers[REPLAYED_HEADER] = "true"
                # The default exchange routes by queue name: only the queue that failed gets it
                # again, not every queue bound to the original routing key.
                await channel.default_exchange.publish(
                    aio_pika.Message(
                        message.body,
                        headers=headers,
                        message_id=message.message_id,
                        correlation_id=message.correlation_id,
                        content_type=message.content_type,
                        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    ),
                    routing_key=spec.name,
                    mandatory=True,
                    timeout=self._publish_timeout,
                )
                await message.ack()
                return True
            return False
        finally:
            await channel.close()

    async def queue_depth(self, spec: QueueSpec) -> int:
        channel = await self._require_connection().channel()
        try:
            queue = await channel.declare_queue(spec.name, passive=True)
            return int(queue.declaration_result.message_count or 0)
        finally:
            await channel.close()


def _original_routing_key(message: AbstractIncomingMessage) -> str:
    headers = message.headers or {}
    explicit = headers.get(ORIGINAL_KEY_HEADER)
    if isinstance(explicit, str):
        return explicit
    deaths = headers.get("x-death")
    if isinstance(deaths, list) and deaths and isinstance(deaths[0], dict):
        keys = deaths[0].get("routing-keys")
        if isinstance(keys, list) and keys:
            return str(keys[0])
    return message.routing_key or ""


def _to_dead_letter(spec: QueueSpec, message: AbstractIncomingMessage) -> DeadLetter:
    headers = dict(message.headers or {})
    reason = headers.get(REASON_HEADER) or headers.get("x-first-death-reason") or "unknown"
    deaths = headers.get("x-death")
    when = None
    if isinstance(deaths, list) and deaths and isinstance(deaths[0], dict):
        time = deaths[0].get("time")
        when = time if isinstance(time, datetime) else None
    return DeadLetter(
        queue=spec.name,
        message_id=message.message_id or "",
        routing_key=_original_routing_key(message),
        body=message.body,
        reason=str(reason),
        headers=headers,
        dead_lettered_at=when or message.timestamp,
    )
