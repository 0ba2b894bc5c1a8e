"""How a sync run is going, reported by each service of the pipeline (ingest, ledger, inventory).

Each service reports under its own context (`ingest.sync.progressed.v1`, `ledger.sync.…`), so the
gateway binds `*.sync.*.v1` and knows which service a report came from by the routing key. A service
sends any number of `…progressed` reports (per stage: orders, payouts, settlements…) and then
exactly one `…completed` or `…failed` per run. Reports can arrive twice or out of order:
`sequence` grows per (run, service) and the gateway keeps only what is newer than it has.
"""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from pydantic import Field

from lb_common.contracts.base import Message


class SyncReport(Message):
    run_id: UUID
    sequence: int = Field(ge=0)

    @classmethod
    def source(cls) -> str:
        """The reporting service: the routing key's context."""
        return cls.routing_key.split(".", 1)[0]


class SyncProgressed(SyncReport):
    stage: str = Field(min_length=1, max_length=64, description="e.g. orders, settlements")
    processed: int = Field(ge=0)
    total: int | None = Field(default=None, ge=0)
    failed: int = Field(default=0, ge=0)


class SyncCompleted(SyncReport):
    counts: dict[str, int] = Field(default_factory=dict, description="documents per kind")
    failed: int = Field(default=0, ge=0)


class SyncFailed(SyncReport):
    reason: str = Field(min_length=1, max_length=2000)


class IngestSyncProgressed(SyncProgressed):
    routing_key: ClassVar[str] = "ingest.sync.progressed.v1"


class IngestSyncCompleted(SyncCompleted):
    routing_key: ClassVar[str] = "ingest.sync.completed.v1"


class IngestSyncFailed(SyncFailed):
    routing_key: ClassVar[str] = "ingest.sync.failed.v1"


class LedgerSyncProgressed(SyncProgressed):
    routing_key: ClassVar[str] = "ledger.sync.progressed.v1"


class LedgerSyncCompleted(SyncCompleted):
    routing_key: ClassVar[str] = "ledger.sync.completed.v1"


class LedgerSyncFailed(SyncFailed):
    routing_key: ClassVar[str] = "ledger.sync.failed.v1"


class InventorySyncProgressed(SyncProgressed):
    routing_key: ClassVar[str] = "inventory.sync.progressed.v1"


class InventorySyncCompleted(SyncCompleted):
    routing_key: ClassVar[str] = "inventory.sync.completed.v1"


class InventorySyncFailed(SyncFailed):
    routing_key: ClassVar[str] = "inventory.sync.failed.v1"


#: The binding patterns a run tracker subscribes to, for every service of the pipeline.
SYNC_REPORT_PATTERNS = ("*.sync.progressed.v1", "*.sync.completed.v1", "*.sync.failed.v1")
