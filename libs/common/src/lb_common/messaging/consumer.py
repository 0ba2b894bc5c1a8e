"""Where a delivery is settled: ack after commit, requeue, dead-letter, or pause (STYLE.md).

The decision is made here and nowhere else:
- handler returned            → ack (its unit of work has committed by then);
- `PermanentError` or a body that fails its contract → dead-letter with the reason, at once;
- `DependencyUnavailableError` (or a lost database connection) → requeue, stop consuming, probe the
  dependency, resume when it answers: attempts are not burned while QBO or Postgres is down;
- anything else               → wait a little (growing with the attempt), then requeue; the
  queue's delivery limit dead-letters a message that keeps failing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from time import perf_counter
from typing import Generic, TypeVar

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from lb_common.contracts.base import Message
from lb_common.contracts.registry import ContractRegistry
from lb_common.db.uow import UnitOfWork
from lb_common.errors import DependencyUnavailableError, PermanentError, RateLimitedError
from lb_common.logging import bind_context, get_logger
from lb_common.messaging.bus import Bus, Subscription
from lb_common.messaging.envelope import Delivery, QueueSpec
from lb_common.metrics import ServiceMetrics

log = get_logger(__name__)

M = TypeVar("M", bound=Message)
Handler = Callable[[Message], Awaitable[None]]
HealthProbe = Callable[[], Awaitable[bool]]


def as_dependency_failure(error: BaseException) -> DependencyUnavailableError | None:
    """Lost database connections mean 'Postgres is down', not 'this message is bad'."""
    if isinstance(error, DependencyUnavailableError):
        return error
    if isinstance(error, OperationalError | InterfaceError) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    ):
        return DependencyUnavailableError(f"database unavailable: {error}", dependency="database")
    if isinstance(error, ConnectionError | OSError) and not isinstance(error, TimeoutError):
        return DependencyUnavailableError(f"connection failed: {error}", dependency="network")
    return None


def retry_delay(delivery_count: int, base: float, cap: float) -> float:
    """Back-off before a requeue: base, 2·base, 4·base … capped."""
    return float(min(cap, base * (2 ** min(delivery_count, 16))))


class MessageConsumer:
    def __init__(
        self,
        *,
        bus: Bus,
        spec: QueueSpec,
        handler: Handler,
        registry: ContractRegistry,
        metrics: ServiceMetrics,
        health_probes: tuple[HealthProbe, ...] = (),
        probe_interval: float = 2.0,
        retry_base: float = 0.2,
        retry_cap: float = 10.0,
    ) -> None:
        self.spec = spec
        self._bus = bus
        self._handler = handler
        self._registry = registry
        self._metrics = metrics
        self._probes = health_probes
        self._probe_interval = probe_interval
        self._retry_base = retry_base
        self._retry_cap = retry_cap
        self._subscription: Subscription | None = None
        self._resume_task: asyncio.Task[None] | None = None
        self._pause_lock = asyncio.Lock()
        self._closing: asyncio.Task[None] | None = None
        self._stopped = True

    @property
    def consuming(self) -> bool:
        return self._subscription is not None

    async def start(self) -> None:
        self._stopped = False
        await self._bus.declare(self.spec)
        await self._subscribe()

    async def _subscribe(self) -> None:
        self._subscription = await self._bus.subscribe(self.spec, self._on_delivery)
        self._metrics.consumer_paused.labels(queue=self.spec.name).set(0)
        log.info("consumer.started", queue=self.spec.name)

    async def stop(self) -> None:
        self._stopped = True
        if self._resume_task is not None:
            self._resume_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._resume_task
            self._resume_task = None
        if self._subscription is not None:
            await self._subscription.cancel()
            self._subscription = None

    async def _on_delivery(self, delivery: Delivery) -> None:
        queue = self.spec.name
        with bind_context(message_id=delivery.message_id, routing_key=delivery.routing_key):
            started = perf_counter()
            try:
                message = self._registry.decode(delivery.routing_key, delivery.body)
                with bind_context(
                    tenant_id=message.tenant_id, correlation_id=message.correlation_id
                ):
                    await self._handler(message)
            except PermanentError as exc:
                log.error(
                    "consumer.dead_lettered",
                    queue=queue,
                    reason=exc.message,
                    error=exc.code,
                    details=exc.details,
                )
                await delivery.dead_letter(f"{exc.code}: {exc.message}")
                self._metrics.messages_consumed.labels(queue=queue, outcome="dead_lettered").inc()
            except Exception as exc:
                dependency = as_dependency_failure(exc)
                if dependency is not None:
                    # Stop new deliveries before handing this one back, or it would come
                    # straight back to us and burn an attempt per bounce.
                    await self._pause(dependency, delivery)
                    self._metrics.messages_consumed.labels(queue=queue, outcome="requeued").inc()
                    return
                delay = (
                    exc.retry_after
                    if isinstance(exc, RateLimitedError) and exc.retry_after is not None
                    else retry_delay(delivery.delivery_count, self._retry_base, self._retry_cap)
                )
                log.warning(
                    "consumer.retrying",
                    queue=queue,
                    attempt=delivery.delivery_count + 1,
                    limit=self.spec.delivery_limit + 1,
                    delay=delay,
                    reason=f"{type(exc).__name__}: {exc}",
                )
                await asyncio.sleep(min(delay, self._retry_cap))
                await delivery.requeue()
                self._metrics.messages_consumed.labels(queue=queue, outcome="requeued").inc()
            else:
                await delivery.ack()
                self._metrics.messages_consumed.labels(queue=queue, outcome="acked").inc()
            finally:
                self._metrics.handler_seconds.labels(queue=queue).observe(perf_counter() - started)

    async def _pause(self, cause: DependencyUnavailableError, delivery: Delivery) -> None:
        async with self._pause_lock:
            subscription, self._subscription = self._subscription, None
            if subscription is not None:
                await subscription.stop_deliveries()
            await delivery.requeue()
            if subscription is None or self._stopped:
                return  # already paused by another delivery, or shutting down
            log.warning("consumer.paused", queue=self.spec.name, reason=cause.message)
            self._metrics.consumer_paused.labels(queue=self.spec.name).set(1)
            # Close in the background: this very delivery runs inside the subscription, and
            # the others in flight may still settle until it closes.
            self._closing = asyncio.create_task(subscription.cancel())
            self._resume_task = asyncio.create_task(self._resume_when_healthy())

    async def healthy(self) -> bool:
        for probe in self._probes:
            try:
                if not await probe():
                    return False
            except Exception:
                return False
        return True

    async def _resume_when_healthy(self) -> None:
        while not self._stopped:
            await asyncio.sleep(self._probe_interval)
            if await self.healthy():
                try:
                    await self._subscribe()
                except Exception as exc:
                    log.warning("consumer.resume_failed", queue=self.spec.name, reason=str(exc))
                    continue
                log.info("consumer.resumed", queue=self.spec.name)
                return


class ExactlyOnce(Generic[M]):
    """Wraps an effect so it happens once per message: inbox claim, effect, commit in one UoW.

    A duplicate delivery finds its inbox row and returns without touching anything; the consumer
    then acks it.
    """

    def __init__(
        self,
        *,
        consumer: str,
        uow_factory: Callable[[], UnitOfWork],
        message_type: type[M],
        effect: Callable[[M, UnitOfWork], Awaitable[None]],
    ) -> None:
        self._consumer = consumer
        self._uow_factory = uow_factory
        self._message_type = message_type
        self._effect = effect

    async def __call__(self, message: Message) -> None:
        if not isinstance(message, self._message_type):
            raise PermanentError(
                f"{self._consumer} handles {self._message_type.__name__}, "
                f"not {message.routing_key}",
            )
        async with self._uow_factory() as uow:
            first_time = await uow.inbox.claim(
                self._consumer, message.message_id, message.routing_key
            )
            if not first_time:
                log.info("consumer.duplicate_skipped", consumer=self._consumer)
                return
            await self._effect(message, uow)
            await uow.commit()


def dispatch(handlers: dict[type[Message], Handler]) -> Handler:
    """One queue, several message types: pick the handler by the decoded message's type."""

    async def handle(message: Message) -> None:
        handler = handlers.get(type(message))
        if handler is None:
            raise PermanentError(
                f"no handler for {message.routing_key} on this queue",
                routing_key=message.routing_key,
            )
        await handler(message)

    return handle
