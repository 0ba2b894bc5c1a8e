"""Transactional outbox: the writer (inside a unit of work) and the relay (its own loop).

Invariants:
- A message exists in the outbox iff the change that caused it committed (same transaction).
- The relay deletes a row only after the broker confirmed its publish, so a crash at any point
  re-publishes (at least once); consumers' inboxes turn that into exactly-once effects.
- Rows are claimed with `FOR UPDATE SKIP LOCKED` plus a lease, never an id cursor: ids are taken at
  insert time but become visible at commit, so a cursor would skip a row that commits late.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg
from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from lb_common.contracts.base import Message
from lb_common.errors import BusError
from lb_common.logging import get_logger
from lb_common.messaging.bus import Bus
from lb_common.messaging.envelope import OutgoingMessage
from lb_common.metrics import ServiceMetrics

log = get_logger(__name__)


def notify_channel(table: Table) -> str:
    """The LISTEN/NOTIFY channel that wakes a relay when a row commits."""
    return f"{table.schema or 'public'}_outbox"


class OutboxWriter:
    def __init__(self, session: AsyncSession, table: Table) -> None:
        self._session = session
        self._table = table

    async def add(self, message: Message) -> None:
        """Queue `message` for publishing when (and only if) this transaction commits."""
        outgoing = OutgoingMessage.from_contract(message)
        await self._session.execute(
            insert(self._table).values(
                id=message.message_id,
                routing_key=outgoing.routing_key,
                body=outgoing.body,
                headers={**outgoing.headers, "correlation_id": outgoing.correlation_id},
            )
        )
        # NOTIFY is delivered at commit, never for a rolled-back transaction; Postgres folds
        # identical notifications of one transaction into one, so one round trip is enough.
        notified: set[str] = self._session.info.setdefault("lb_outbox_notified", set())
        channel = notify_channel(self._table)
        if channel not in notified:
            await self._session.execute(select(func.pg_notify(channel, "")))
            notified.add(channel)


@dataclass(frozen=True, slots=True)
class _Claimed:
    id: UUID
    routing_key: str
    body: bytes
    headers: dict[str, Any]


class CrashPoint:
    """A named place where a chaos test can kill the process (SIGKILL-like, no cleanup)."""

    def __init__(self, crash_at: str | None) -> None:
        self._crash_at = crash_at

    def __call__(self, name: str) -> None:
        if self._crash_at == name:
            log.warning("crash_point.triggered", crash_point=name)
            os._exit(137)


class OutboxRelay:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        table: Table,
        bus: Bus,
        listen_dsn: str | None,
        metrics: ServiceMetrics,
        batch_size: int = 100,
        lease: timedelta = timedelta(seconds=30),
        poll_interval: float = 1.0,
        retry_backoff: timedelta = timedelta(seconds=2),
        crash_point: CrashPoint | None = None,
    ) -> None:
        self._engine = engine
        self._table = table
        self._bus = bus
        self._listen_dsn = listen_dsn
        self._metrics = metrics
        self._batch_size = batch_size
        self._lease = lease
        self._poll_interval = poll_interval
        self._retry_backoff = retry_backoff
        self._crash_point = crash_point or CrashPoint(None)
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._listener: asyncpg.Connection | None = None

    async def _claim(self, token: UUID) -> list[_Claimed]:
        t = self._table
        claimable = (
            select(t.c.id)
            .where((t.c.claimed_until.is_(None)) | (t.c.claimed_until < func.now()))
            .order_by(t.c.created_at)
            .limit(self._batch_size)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        statement = (
            update(t)
            .where(t.c.id.in_(claimable))
            .values(
                claim_token=token,
                claimed_until=func.now() + self._lease,
                attempts=t.c.attempts + 1,
            )
            .returning(t.c.id, t.c.routing_key, t.c.body, t.c.headers)
        )
        async with self._engine.begin() as connection:
            rows = (await connection.execute(statement)).all()
        return [_Claimed(r.id, r.routing_key, r.body, dict(r.headers)) for r in rows]

    async def _publish_one(self, row: _Claimed) -> str | None:
        """Publish one row; None when the broker confirmed it, else why not."""
        headers = {k: str(v) for k, v in row.headers.items() if v is not None}
        message = OutgoingMessage(
            message_id=str(row.id),
            routing_key=row.routing_key,
            body=row.body,
            headers=headers,
            correlation_id=headers.get("correlation_id"),
        )
        try:
            await self._bus.publish(message)
        except (TimeoutError, BusError, OSError, RuntimeError) as exc:
            reason = f"{type(exc).__name__}: {exc}"
            log.error(
                "outbox.publish_failed",
                message_id=str(row.id),
                routing_key=row.routing_key,
                reason=reason,
            )
            self._metrics.outbox_publish_failures.labels(routing_key=row.routing_key).inc()
            return reason
        self._metrics.outbox_published.labels(routing_key=row.routing_key).inc()
        return None

    async def relay_once(self) -> int:
        """Claim one batch, publish it, delete what was confirmed. Returns rows published."""
        token = uuid4()
        claimed = await self._claim(token)
        if not claimed:
            return 0
        failures = await asyncio.gather(*(self._publish_one(row) for row in claimed))
        confirmed = [row.id for row, failure in zip(claimed, failures, strict=True) if not failure]
        self._crash_point("relay_after_publish_before_delete")
        t = self._table
        # One transaction per batch: only rows still holding our token, so a row whose lease
        # expired and that another relay re-claimed is left to that relay.
        async with self._engine.begin() as connection:
            if confirmed:
                await connection.execute(
                    delete(t).where((t.c.claim_token == token) & (t.c.id.in_(confirmed)))
                )
            for row, failure in zip(claimed, failures, strict=True):
                if failure:
                    # The row stays; its lease becomes a back-off before the next attempt.
                    await connection.execute(
                        update(t)
                        .where((t.c.id == row.id) & (t.c.claim_token == token))
                        .values(
                            claim_token=None,
                            claimed_until=func.now() + self._retry_backoff,
                            last_error=failure[:2000],
                        )
                    )
        return len(confirmed)

    async def backlog(self) -> int:
        async with self._engine.connect() as connection:
            count = await connection.scalar(select(func.count()).select_from(self._table))
        return int(count or 0)

    def wake(self) -> None:
        self._wakeup.set()

    async def _listen(self) -> None:
        if self._listen_dsn is None:
            return
        try:
            self._listener = await asyncpg.connect(self._listen_dsn)
            await self._listener.add_listener(
                notify_channel(self._table), lambda *_args: self._wakeup.set()
            )
        except (OSError, asyncpg.PostgresError) as exc:
            # Polling still relays everything; NOTIFY only makes it faster.
            log.warning("outbox.listen_unavailable", reason=str(exc))
            self._listener = None

    async def _run(self) -> None:
        await self._listen()
        while True:
            # Cleared before relaying, not after: a NOTIFY that lands while a batch is being
            # relayed must wake the next round, not be thrown away until the next poll.
            self._wakeup.clear()
            try:
                published = await self.relay_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a database blip must not end the relay
                log.error("outbox.relay_failed", reason=f"{type(exc).__name__}: {exc}")
                published = 0
                if self._listener is not None and self._listener.is_closed():
                    await self._listen()
            if published >= self._batch_size:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=self._poll_interval)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"outbox-relay:{self._table.schema}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.close()
            self._listener = None
