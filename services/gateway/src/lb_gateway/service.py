"""Gateway use cases: request a sync, follow it. Each runs inside one unit of work."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

from lb_common.contracts import SyncCompleted, SyncFailed, SyncProgressed, SyncReport, SyncRequested
from lb_common.contracts.gateway.sync_requested import SyncTrigger, Workflow
from lb_common.db.uow import UnitOfWork
from lb_common.errors import NotFoundError
from lb_common.logging import get_logger
from lb_gateway.domain.sync_runs import Completed, Failed, Progressed, Report, SyncRun, apply_report
from lb_gateway.repository import SyncRunRepository

log = get_logger(__name__)


async def request_sync(
    uow: UnitOfWork,
    *,
    tenant_id: str,
    trigger: SyncTrigger,
    workflows: tuple[Workflow, ...],
    window_start: datetime | None,
    window_end: datetime | None,
    expected_sources: tuple[str, ...],
    now: datetime,
) -> SyncRun:
    """Record the run and the message asking for it in one transaction."""
    run = SyncRun(
        id=uuid4(),
        tenant_id=tenant_id,
        trigger=trigger.value,
        workflows=tuple(w.value for w in workflows),
        expected_sources=expected_sources,
        requested_at=now,
    )
    await SyncRunRepository(uow.session).add(run)
    await uow.outbox.add(
        SyncRequested(
            tenant_id=tenant_id,
            run_id=run.id,
            trigger=trigger,
            workflows=workflows,
            window_start=window_start,
            window_end=window_end,
            occurred_at=now,
        )
    )
    await uow.commit()
    log.info("gateway.sync.requested", tenant_id=tenant_id, run_id=str(run.id))
    return run


def to_report(message: SyncReport) -> Report:
    source = message.source()
    if isinstance(message, SyncProgressed):
        return Progressed(
            source,
            message.sequence,
            message.stage,
            message.processed,
            message.total,
            message.failed,
        )
    if isinstance(message, SyncCompleted):
        return Completed(source, message.sequence, dict(message.counts), message.failed)
    if isinstance(message, SyncFailed):
        return Failed(source, message.sequence, message.reason)
    raise TypeError(f"not a sync report: {type(message).__name__}")


async def record_report(uow: UnitOfWork, message: SyncReport, now: datetime) -> UUID:
    """Apply a pipeline report to its run (the caller's unit of work commits).

    A report for a run we never recorded cannot succeed by retrying: it is dead-lettered with
    the run id, where an operator can see it, rather than dropped.
    """
    repository = SyncRunRepository(uow.session)
    run = await repository.get_for_update(message.run_id)
    if run is None:
        raise NotFoundError(
            f"{message.routing_key} names sync run {message.run_id}, which the gateway never "
            "recorded",
            run_id=str(message.run_id),
        )
    updated = apply_report(run, to_report(message), now)
    if updated != run:
        await repository.save(updated)
        if updated.finished and not run.finished:
            log.info("gateway.sync.finished", run_id=str(run.id), state=updated.state.value)
    return run.id
