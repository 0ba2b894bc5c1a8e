"""Which Amazon streams a sync request asks ingest to read, in a stable order. Pure."""

from __future__ import annotations

from lb_common.contracts.gateway.sync_requested import Workflow

#: The streams ingest reads from SP-API, per workflow (inventory is read by its own service).
INGEST_STREAMS: dict[Workflow, str] = {
    Workflow.ORDERS: "orders",
    Workflow.PAYOUTS: "financial_event_groups",
    Workflow.SETTLEMENTS: "settlement_reports",
}


def streams_for(workflows: tuple[Workflow, ...]) -> tuple[str, ...]:
    """The streams to read, in `INGEST_STREAMS` order whatever order the request listed."""
    wanted = set(workflows)
    return tuple(stream for workflow, stream in INGEST_STREAMS.items() if workflow in wanted)
