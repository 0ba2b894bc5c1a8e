"""Inbox: `(consumer, message_id)` recorded in the handler's own transaction.

The insert and the handler's effect commit together, and the delivery is acked only after that
commit, so a redelivered message finds its row and becomes a no-op.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession


class InboxWriter:
    def __init__(self, session: AsyncSession, table: Table) -> None:
        self._session = session
        self._table = table

    async def claim(self, consumer: str, message_id: UUID, routing_key: str) -> bool:
        """True the first time this consumer sees the message; False for a duplicate."""
        statement = (
            insert(self._table)
            .values(consumer=consumer, message_id=message_id, routing_key=routing_key)
            .on_conflict_do_nothing(index_elements=["consumer", "message_id"])
            .returning(self._table.c.message_id)
        )
        result = await self._session.execute(statement)
        return result.first() is not None
