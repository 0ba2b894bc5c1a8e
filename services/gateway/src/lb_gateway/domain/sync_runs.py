"""A sync run and how reports from the pipeline move it. Pure: no I/O, `now` is passed in.

Reports arrive at least once and in any order. A stage keeps the report with the highest sequence
it has seen, and a source only moves forward (running → completed | failed), so applying the same
report twice, or an old one late, changes nothing, and a late progress report still fills in its
stage after the source completed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from uuid import UUID


class RunState(StrEnum):
    REQUESTED = "requested"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class SourceState(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class StageProgress:
    processed: int
    total: int | None
    failed: int
    sequence: int


@dataclass(frozen=True, slots=True)
class SourceProgress:
    state: SourceState
    stages: Mapping[str, StageProgress] = field(default_factory=lambda: MappingProxyType({}))
    counts: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    failed: int = 0
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class SyncRun:
    id: UUID
    tenant_id: str
    trigger: str
    workflows: tuple[str, ...]
    expected_sources: tuple[str, ...]
    requested_at: datetime
    state: RunState = RunState.REQUESTED
    started_at: datetime | None = None
    finished_at: datetime | None = None
    sources: Mapping[str, SourceProgress] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def finished(self) -> bool:
        return self.state in (RunState.SUCCEEDED, RunState.FAILED)

    @property
    def counts(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for source in self.sources.values():
            for kind, n in source.counts.items():
                totals[kind] = totals.get(kind, 0) + n
        return totals


@dataclass(frozen=True, slots=True)
class Progressed:
    source: str
    sequence: int
    stage: str
    processed: int
    total: int | None
    failed: int


@dataclass(frozen=True, slots=True)
class Completed:
    source: str
    sequence: int
    counts: Mapping[str, int]
    failed: int


@dataclass(frozen=True, slots=True)
class Failed:
    source: str
    sequence: int
    reason: str


Report = Progressed | Completed | Failed


def _with_stage(current: SourceProgress | None, report: Progressed) -> SourceProgress:
    stages = dict(current.stages) if current else {}
    known = stages.get(report.stage)
    if known is None or known.sequence < report.sequence:
        stages[report.stage] = StageProgress(
            report.processed, report.total, report.failed, report.sequence
        )
    if current is None:
        return SourceProgress(SourceState.RUNNING, MappingProxyType(stages))
    return replace(current, stages=MappingProxyType(stages))


def _finished(current: SourceProgress | None, report: Completed | Failed) -> SourceProgress:
    stages = current.stages if current else MappingProxyType({})
    if current is not None and current.state != SourceState.RUNNING:
        return current  # the first word on how a source ended is final
    if isinstance(report, Completed):
        return SourceProgress(
            SourceState.COMPLETED, stages, MappingProxyType(dict(report.counts)), report.failed
        )
    return SourceProgress(SourceState.FAILED, stages, reason=report.reason)


def _overall(sources: Mapping[str, SourceProgress], expected: tuple[str, ...]) -> RunState:
    if any(s.state == SourceState.FAILED for s in sources.values()):
        return RunState.FAILED
    if all(
        sources.get(name) is not None and sources[name].state == SourceState.COMPLETED
        for name in expected
    ):
        return RunState.SUCCEEDED
    return RunState.RUNNING


def apply_report(run: SyncRun, report: Report, now: datetime) -> SyncRun:
    """The run after `report` (equal to `run` when the report adds nothing new)."""
    current = run.sources.get(report.source)
    source = (
        _with_stage(current, report)
        if isinstance(report, Progressed)
        else _finished(current, report)
    )
    if source == current:
        return run
    sources = {**run.sources, report.source: source}
    state = run.state if run.finished else _overall(sources, run.expected_sources)
    return replace(
        run,
        sources=MappingProxyType(sources),
        state=state,
        started_at=run.started_at or now,
        finished_at=run.finished_at
        or (now if state in (RunState.SUCCEEDED, RunState.FAILED) else None),
    )
