"""What travels on the bus, independent of which bus carries it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from lb_common.contracts.base import Message

#: Headers ledgerbridge sets itself; stripped when a dead letter is replayed.
REASON_HEADER = "x-lb-dead-letter-reason"
ORIGINAL_KEY_HEADER = "x-lb-original-routing-key"
REPLAYED_HEADER = "x-lb-replayed"


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    message_id: str
    routing_key: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    correlation_id: str | None = None

    @classmethod
    def from_contract(cls, message: Message) -> OutgoingMessage:
        return cls(
            message_id=str(message.message_id),
            routing_key=message.routing_key,
            body=message.to_body(),
            headers={"tenant_id": message.tenant_id},
            correlation_id=str(message.correlation_id),
        )


@dataclass(frozen=True, slots=True)
class QueueSpec:
    """A durable work queue: its bindings, its poison-message fuse and its dead-letter route.

    `delivery_limit` counts *unsuccessful* deliveries: a message is delivered at most
    `delivery_limit + 1` times, then dead-lettered (RabbitMQ 3.10 quorum queue semantics, which the
    in-process bus copies). Connection loss counts too, so this is a fuse, not a retry policy.
    """

    name: str
    service: str
    bindings: tuple[str, ...]
    delivery_limit: int = 15
    prefetch: int = 16
    single_active_consumer: bool = False

    @property
    def dead_letter_exchange(self) -> str:
        return f"{self.service}.dlx"

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.name}.dlq"


class Delivery(Protocol):
    """One delivery of a message to a consumer; settle it exactly once."""

    @property
    def message_id(self) -> str: ...
    @property
    def routing_key(self) -> str: ...
    @property
    def body(self) -> bytes: ...
    @property
    def headers(self) -> Mapping[str, object]: ...
    @property
    def delivery_count(self) -> int:
        """How many earlier deliveries of this message failed (0 on the first)."""
        ...

    async def ack(self) -> None: ...
    async def requeue(self) -> None: ...
    async def dead_letter(self, reason: str) -> None: ...


DeliveryCallback = Callable[[Delivery], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class DeadLetter:
    queue: str
    message_id: str
    routing_key: str
    body: bytes
    reason: str
    headers: Mapping[str, object]
    dead_lettered_at: datetime | None = None
