"""SQL for sync runs. Rows ↔ domain objects; nothing here decides anything."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any
from uuid import UUID

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from lb_gateway.domain.sync_runs import (
    RunState,
    SourceProgress,
    SourceState,
    StageProgress,
    SyncRun,
)
from lb_gateway.tables import sync_runs


def _sources_to_json(sources: Mapping[str, SourceProgress]) -> dict[str, Any]:
    return {
        name: {
            "state": s.state.value,
            "stages": {
                stage: {
                    "processed": p.processed,
                    "total": p.total,
                    "failed": p.failed,
                    "sequence": p.sequence,
                }
                for stage, p in s.stages.items()
            },
            "counts": dict(s.counts),
            "failed": s.failed,
            "reason": s.reason,
        }
        for name, s in sources.items()
    }


def _sources_from_json(data: Mapping[str, Any]) -> Mapping[str, SourceProgress]:
    return MappingProxyType(
        {
            name: SourceProgress(
                state=SourceState(s["state"]),
                stages=MappingProxyType(
                    {
                        stage: StageProgress(
                            int(p["processed"]), p["total"], int(p["failed"]), int(p["sequence"])
                        )
                        for stage, p in s["stages"].items()
                    }
                ),
                counts=MappingProxyType({k: int(v) for k, v in s["counts"].items()}),
                failed=int(s["failed"]),
                reason=s["reason"],
            )
            for name, s in data.items()
        }
    )


def _from_row(row: RowMapping) -> SyncRun:
    return SyncRun(
        id=row["id"],
        tenant_id=row["tenant_id"],
        trigger=row["trigger"],
        workflows=tuple(row["workflows"]),
        expected_sources=tuple(row["expected_sources"]),
        requested_at=row["requested_at"],
        state=RunState(row["state"]),
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        sources=_sources_from_json(row["sources"]),
    )


class SyncRunRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, run: SyncRun) -> None:
        await self._session.execute(
            insert(sync_runs).values(
                id=run.id,
                tenant_id=run.tenant_id,
                trigger=run.trigger,
                state=run.state.value,
                workflows=list(run.workflows),
                expected_sources=list(run.expected_sources),
                sources=_sources_to_json(run.sources),
                requested_at=run.requested_at,
                started_at=run.started_at,
                finished_at=run.finished_at,
            )
        )

    async def get(self, tenant_id: str, run_id: UUID) -> SyncRun | None:
        row = (
            (
                await self._session.execute(
                    select(sync_runs).where(
                        (sync_runs.c.id == run_id) & (sync_runs.c.tenant_id == tenant_id)
                    )
                )
            )
            .mappings()
            .first()
        )
        return _from_row(row) if row else None

    async def get_for_update(self, run_id: UUID) -> SyncRun | None:
        """Locks the run: reports for one run are applied one after another."""
        row = (
            (
                await self._session.execute(
                    select(sync_runs).where(sync_runs.c.id == run_id).with_for_update()
                )
            )
            .mappings()
            .first()
        )
        return _from_row(row) if row else None

    async def list_for_tenant(self, tenant_id: str, limit: int) -> Sequence[SyncRun]:
        rows = (
            (
                await self._session.execute(
                    select(sync_runs)
                    .where(sync_runs.c.tenant_id == tenant_id)
                    .order_by(sync_runs.c.requested_at.desc())
                    .limit(limit)
                )
            )
            .mappings()
            .all()
        )
        return [_from_row(r) for r in rows]

    async def save(self, run: SyncRun) -> None:
        await self._session.execute(
            update(sync_runs)
            .where(sync_runs.c.id == run.id)
            .values(
                state=run.state.value,
                sources=_sources_to_json(run.sources),
                started_at=run.started_at,
                finished_at=run.finished_at,
            )
        )
