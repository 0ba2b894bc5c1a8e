"""The bus port. `RabbitBus` and `InProcessBus` both implement it and pass one contract suite
(tests/integration/messaging/test_bus_contract.py).
"""

from __future__ import annotations

from typing import Protocol

from lb_common.messaging.envelope import DeadLetter, DeliveryCallback, OutgoingMessage, QueueSpec


class Subscription(Protocol):
    async def stop_deliveries(self) -> None:
        """Receive nothing new; deliveries already handed out can still be settled."""
        ...

    async def cancel(self) -> None:
        """Stop consuming; unsettled deliveries go back to the queue (and count as attempts)."""
        ...


class Bus(Protocol):
    async def start(self) -> None: ...

    async def close(self) -> None: ...

    @property
    def connected(self) -> bool:
        """Readiness: the bus can take a publish right now."""
        ...

    async def declare(self, spec: QueueSpec) -> None:
        """Create the queue, its bindings and its dead-letter route (idempotent)."""
        ...

    async def publish(self, message: OutgoingMessage) -> None:
        """Return only once the broker has taken the message durably.

        Raises `UnroutableMessageError` when no queue is bound for the routing key, and
        `PublishNotConfirmedError` when the broker refuses or the confirm does not come in time.
        """
        ...

    async def subscribe(self, spec: QueueSpec, on_delivery: DeliveryCallback) -> Subscription: ...

    async def dead_letters(self, spec: QueueSpec, limit: int = 100) -> list[DeadLetter]: ...

    async def replay_dead_letter(self, spec: QueueSpec, message_id: str) -> bool:
        """Put one dead letter back on its work queue (only that queue); False if not found."""
        ...

    async def queue_depth(self, spec: QueueSpec) -> int: ...
