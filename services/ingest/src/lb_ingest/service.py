"""Ingest use cases."""

from __future__ import annotations

from datetime import datetime

from lb_common.contracts import IngestSyncCompleted, IngestSyncProgressed, SyncRequested
from lb_common.db.uow import UnitOfWork
from lb_common.logging import get_logger
from lb_ingest.domain.sync_plan import streams_for
from lb_ingest.repository import IngestRepository

log = get_logger(__name__)


async def take_sync_request(uow: UnitOfWork, request: SyncRequested, now: datetime) -> None:
    """Take a sync run on: record it, read each stream it asks for, report progress and completion.

    Reading from SP-API arrives with the Amazon issue; today each stream's window is recorded and
    reported with what was read (nothing yet), so the run's life cycle is real end to end.
    All of it, reports included, commits in the caller's transaction.
    """
    repository = IngestRepository(uow.session)
    streams = streams_for(request.workflows)
    is_new = await repository.record_request(
        run_id=request.run_id,
        tenant_id=request.tenant_id,
        streams=streams,
        window_start=request.window_start,
        window_end=request.window_end,
    )
    if not is_new:
        # Same run under another message id (a replay): the business key says it is done.
        log.info("ingest.sync.already_taken", run_id=str(request.run_id))
        return
    read_until = request.window_end or now
    counts: dict[str, int] = {}
    for sequence, stream in enumerate(streams):
        read = 0
        await repository.advance_cursor(
            tenant_id=request.tenant_id,
            stream=stream,
            read_until=read_until,
            run_id=request.run_id,
        )
        counts[stream] = read
        await uow.outbox.add(
            request.caused(
                IngestSyncProgressed,
                run_id=request.run_id,
                sequence=sequence,
                stage=stream,
                processed=read,
                total=read,
            )
        )
    await uow.outbox.add(
        request.caused(
            IngestSyncCompleted, run_id=request.run_id, sequence=len(streams), counts=counts
        )
    )
    log.info("ingest.sync.taken", run_id=str(request.run_id), streams=list(streams))
