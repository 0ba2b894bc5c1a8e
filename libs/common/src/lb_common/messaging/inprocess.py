"""In-process bus for standalone mode: the RabbitMQ bus's contract, in memory.

It copies the broker semantics the rest of the system relies on, and the shared contract suite
holds both to them: topic routing with `*` and `#`; unroutable publishes raise; a delivery not
acked (requeued, or its subscription cancelled) comes back with `delivery_count + 1`; after
`delivery_limit + 1` deliveries a message is dead-lettered with reason `delivery_limit`; dead
letters can be listed and replayed to their own queue only.

What it cannot copy is durability: queued messages live in this process. The outbox still holds
every message until `publish` returns, so what a crash can lose is only what was published and not
yet handled; standalone mode is for demos and development, not production.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache

from lb_common.errors import BusError, UnroutableMessageError
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

log = get_logger(__name__)


def topic_matches(binding: str, routing_key: str) -> bool:
    """AMQP topic matching: `*` is exactly one word, `#` is zero or more words."""
    return _words_match(tuple(binding.split(".")), tuple(routing_key.split(".")))


@lru_cache(maxsize=4096)
def _words_match(pattern: tuple[str, ...], words: tuple[str, ...]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_words_match(rest, words[i:]) for i in range(len(words) + 1))
    if not words:
        return False
    return head in ("*", words[0]) and _words_match(rest, words[1:])


@dataclass(slots=True)
class _Stored:
    message: OutgoingMessage
    delivery_count: int = 0
    headers: dict[str, object] = field(default_factory=dict)


@dataclass(slots=True)
class _Queue:
    spec: QueueSpec
    ready: deque[_Stored] = field(default_factory=deque)
    dead: list[tuple[_Stored, str, datetime]] = field(default_factory=list)
    available: asyncio.Condition = field(default_factory=asyncio.Condition)
    active_consumer: object | None = None


class _InProcessDelivery:
    def __init__(self, bus: InProcessBus, queue: _Queue, stored: _Stored, sub: _Subscription):
        self._bus = bus
        self._queue = queue
        self._stored = stored
        self._subscription = sub
        self._settled = False

    @property
    def message_id(self) -> str:
        return self._stored.message.message_id

    @property
    def routing_key(self) -> str:
        return self._stored.message.routing_key

    @property
    def body(self) -> bytes:
        return self._stored.message.body

    @property
    def headers(self) -> Mapping[str, object]:
        return {
            **self._stored.message.headers,
            **self._stored.headers,
            "x-delivery-count": self._stored.delivery_count,
        }

    @property
    def delivery_count(self) -> int:
        return self._stored.delivery_count

    def _settle(self, action: str) -> bool:
        """Like a delivery tag: valid once, and only while its subscription is open."""
        if self._settled or not self._subscription.open:
            log.warning(
                "bus.settle_failed",
                action=action,
                queue=self._queue.spec.name,
                message_id=self.message_id,
                reason="subscription closed or settled",
            )
            return False
        self._settled = True
        self._subscription.unsettled.discard(self)
        self._subscription.credit.release()
        return True

    async def ack(self) -> None:
        self._settle("ack")

    async def requeue(self) -> None:
        if self._settle("requeue"):
            await self._bus._return(self._queue, self._stored)

    async def dead_letter(self, reason: str) -> None:
        if self._settle("dead_letter"):
            self._bus._kill(self._queue, self._stored, reason)

    def abandon(self) -> _Stored:
        self._settled = True
        return self._stored


class _Subscription:
    def __init__(self, bus: InProcessBus, queue: _Queue, on_delivery: DeliveryCallback) -> None:
        self.bus = bus
        self.queue = queue
        self.on_delivery = on_delivery
        self.open = True  # like a channel: deliveries can be settled
        self.delivering = True  # like a consumer tag: new deliveries are handed out
        self.unsettled: set[_InProcessDelivery] = set()
        self.credit = asyncio.Semaphore(queue.spec.prefetch)
        self.tasks: set[asyncio.Task[None]] = set()
        self.loop_task = asyncio.create_task(self._pump(), name=f"inprocess:{queue.spec.name}")

    async def _pump(self) -> None:
        queue = self.queue
        while self.delivering:
            await self.credit.acquire()
            async with queue.available:
                await queue.available.wait_for(
                    lambda: (
                        not self.delivering
                        or (bool(queue.ready) and queue.active_consumer in (None, self))
                    )
                )
                if not self.delivering:
                    self.credit.release()
                    return
                if queue.spec.single_active_consumer:
                    queue.active_consumer = self
                stored = queue.ready.popleft()
            delivery = _InProcessDelivery(self.bus, queue, stored, self)
            self.unsettled.add(delivery)
            task = asyncio.create_task(self._deliver(delivery))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _deliver(self, delivery: _InProcessDelivery) -> None:
        try:
            await self.on_delivery(delivery)
        except Exception as exc:  # a callback must settle; if it blew up, the broker would requeue
            log.error(
                "bus.callback_failed",
                queue=self.queue.spec.name,
                message_id=delivery.message_id,
                reason=str(exc),
            )
            await delivery.requeue()

    async def stop_deliveries(self) -> None:
        if not self.delivering:
            return
        self.delivering = False
        queue = self.queue
        async with queue.available:
            if queue.active_consumer is self:
                queue.active_consumer = None
            queue.available.notify_all()
        self.loop_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.loop_task

    async def cancel(self) -> None:
        if not self.open:
            return
        await self.stop_deliveries()
        self.open = False
        # As when a channel closes: unsettled deliveries return to the queue as failed attempts.
        for delivery in list(self.unsettled):
            await self.bus._return(self.queue, delivery.abandon())
        self.unsettled.clear()


class InProcessBus:
    def __init__(self, *, exchange: str = "ledgerbridge") -> None:
        self._exchange = exchange
        self._queues: dict[str, _Queue] = {}
        self._bindings: list[tuple[str, str]] = []  # (pattern, queue name)
        self._subscriptions: set[_Subscription] = set()
        self._started = False

    async def start(self) -> None:
        self._started = True

    async def close(self) -> None:
        for subscription in list(self._subscriptions):
            await subscription.cancel()
        self._subscriptions.clear()
        self._started = False

    @property
    def connected(self) -> bool:
        return self._started

    async def declare(self, spec: QueueSpec) -> None:
        existing = self._queues.get(spec.name)
        if existing is not None and existing.spec != spec:
            # RabbitMQ answers PRECONDITION_FAILED for a re-declare with other arguments.
            raise BusError(f"queue {spec.name!r} already declared with other arguments")
        if existing is None:
            self._queues[spec.name] = _Queue(spec)
        for pattern in spec.bindings:
            if (pattern, spec.name) not in self._bindings:
                self._bindings.append((pattern, spec.name))

    async def publish(self, message: OutgoingMessage) -> None:
        if not self._started:
            raise BusError("the bus is not started")
        targets = sorted(
            {
                name
                for pattern, name in self._bindings
                if topic_matches(pattern, message.routing_key)
            }
        )
        if not targets:
            raise UnroutableMessageError(
                f"no queue is bound for {message.routing_key!r} on {self._exchange!r}",
                routing_key=message.routing_key,
                message_id=message.message_id,
            )
        for name in targets:
            await self._enqueue(self._queues[name], _Stored(message))

    async def _enqueue(self, queue: _Queue, stored: _Stored, *, front: bool = False) -> None:
        async with queue.available:
            if front:
                queue.ready.appendleft(stored)
            else:
                queue.ready.append(stored)
            queue.available.notify_all()

    async def _return(self, queue: _Queue, stored: _Stored) -> None:
        stored.delivery_count += 1
        if stored.delivery_count > queue.spec.delivery_limit:
            self._kill(queue, stored, "delivery_limit")
            return
        # Quorum queues in 3.10 put a returned message back at the head.
        await self._enqueue(queue, stored, front=True)

    def _kill(self, queue: _Queue, stored: _Stored, reason: str) -> None:
        queue.dead.append((stored, reason, datetime.now(UTC)))

    async def subscribe(self, spec: QueueSpec, on_delivery: DeliveryCallback) -> _Subscription:
        await self.declare(spec)
        subscription = _Subscription(self, self._queues[spec.name], on_delivery)
        self._subscriptions.add(subscription)
        return subscription

    def _queue(self, spec: QueueSpec) -> _Queue:
        try:
            return self._queues[spec.name]
        except KeyError:
            raise BusError(f"queue {spec.name!r} is not declared") from None

    async def dead_letters(self, spec: QueueSpec, limit: int = 100) -> list[DeadLetter]:
        return [
            DeadLetter(
                queue=spec.name,
                message_id=stored.message.message_id,
                routing_key=stored.message.routing_key,
                body=stored.message.body,
                reason=reason,
                headers={
                    **stored.message.headers,
                    **stored.headers,
                    REASON_HEADER: reason,
                    ORIGINAL_KEY_HEADER: stored.message.routing_key,
                },
                dead_lettered_at=when,
            )
            for stored, reason, when in self._queue(spec).dead[:limit]
        ]

    async def replay_dead_letter(self, spec: QueueSpec, message_id: str) -> bool:
        queue = self._queue(spec)
        for index, (stored, _reason, _when) in enumerate(queue.dead):
            if stored.message.message_id == message_id:
                del queue.dead[index]
                replayed = _Stored(replace(stored.message), headers={REPLAYED_HEADER: "true"})
                await self._enqueue(queue, replayed)
                return True
        return False

    async def queue_depth(self, spec: QueueSpec) -> int:
        return len(self._queue(spec).ready)
