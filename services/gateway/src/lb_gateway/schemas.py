"""HTTP shapes of the gateway API (kept apart from tables and domain objects)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from lb_common.contracts.gateway.sync_requested import Workflow
from lb_gateway.domain.sync_runs import RunState, SyncRun


class SyncRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    workflows: list[Workflow] = Field(default_factory=lambda: list(Workflow), min_length=1)
    window_start: AwareDatetime | None = None
    window_end: AwareDatetime | None = None

    @model_validator(mode="after")
    def _window_in_order(self) -> SyncRequestIn:
        if self.window_start and self.window_end and self.window_start >= self.window_end:
            raise ValueError("window_start must be before window_end")
        return self


class StagePublic(BaseModel):
    processed: int
    total: int | None
    failed: int


class SourcePublic(BaseModel):
    state: str
    stages: dict[str, StagePublic]
    counts: dict[str, int]
    failed: int
    reason: str | None


class SyncRunPublic(BaseModel):
    id: UUID
    tenant_id: str
    trigger: str
    state: RunState
    workflows: list[str]
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    counts: dict[str, int]
    sources: dict[str, SourcePublic]

    @classmethod
    def of(cls, run: SyncRun) -> SyncRunPublic:
        return cls(
            id=run.id,
            tenant_id=run.tenant_id,
            trigger=run.trigger,
            state=run.state,
            workflows=list(run.workflows),
            requested_at=run.requested_at,
            started_at=run.started_at,
            finished_at=run.finished_at,
            counts=run.counts,
            sources={
                name: SourcePublic(
                    state=s.state.value,
                    stages={
                        k: StagePublic(processed=p.processed, total=p.total, failed=p.failed)
                        for k, p in s.stages.items()
                    },
                    counts=dict(s.counts),
                    failed=s.failed,
                    reason=s.reason,
                )
                for name, s in run.sources.items()
            },
        )


class SyncRunList(BaseModel):
    items: list[SyncRunPublic]
