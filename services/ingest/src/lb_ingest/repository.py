from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from lb_ingest.tables import stream_cursors, sync_requests


class IngestRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record_request(
        self,
        *,
        run_id: UUID,
        tenant_id: str,
        streams: tuple[str, ...],
        window_start: datetime | None,
        window_end: datetime | None,
    ) -> bool:
        """True if this run is new to ingest; False if it was taken on before."""
        result = await self._session.execute(
            insert(sync_requests)
            .values(
                run_id=run_id,
                tenant_id=tenant_id,
                streams=list(streams),
                window_start=window_start,
                window_end=window_end,
            )
            .on_conflict_do_nothing(index_elements=["run_id"])
            .returning(sync_requests.c.run_id)
        )
        return result.first() is not None

    async def cursor(self, tenant_id: str, stream: str) -> datetime | None:
        value: datetime | None = await self._session.scalar(
            select(stream_cursors.c.read_until).where(
                (stream_cursors.c.tenant_id == tenant_id) & (stream_cursors.c.stream == stream)
            )
        )
        return value

    async def advance_cursor(
        self, *, tenant_id: str, stream: str, read_until: datetime, run_id: UUID
    ) -> None:
        """Move the cursor forward only: a late, older run never rewinds it."""
        statement = insert(stream_cursors).values(
            tenant_id=tenant_id, stream=stream, read_until=read_until, last_run_id=run_id
        )
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=["tenant_id", "stream"],
                set_={
                    "read_until": func.greatest(stream_cursors.c.read_until, read_until),
                    "last_run_id": run_id,
                    "updated_at": func.now(),
                },
            )
        )
