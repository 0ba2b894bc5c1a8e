"""Message contracts: frozen pydantic models, one routing key each (see `base.Message`)."""

from lb_common.contracts.base import Message
from lb_common.contracts.common.sync_reports import (
    SYNC_REPORT_PATTERNS,
    IngestSyncCompleted,
    IngestSyncFailed,
    IngestSyncProgressed,
    InventorySyncCompleted,
    InventorySyncFailed,
    InventorySyncProgressed,
    LedgerSyncCompleted,
    LedgerSyncFailed,
    LedgerSyncProgressed,
    SyncCompleted,
    SyncFailed,
    SyncProgressed,
    SyncReport,
)
from lb_common.contracts.gateway.sync_requested import SyncRequested, SyncTrigger, Workflow
from lb_common.contracts.ingest.orders import OrderReceived, OrderUpdated
from lb_common.contracts.ingest.payouts import PayoutClosed
from lb_common.contracts.ingest.settlements import SettlementReceived
from lb_common.contracts.registry import ContractRegistry, default_registry

ALL_CONTRACTS: tuple[type[Message], ...] = (
    SyncRequested,
    IngestSyncProgressed,
    IngestSyncCompleted,
    IngestSyncFailed,
    LedgerSyncProgressed,
    LedgerSyncCompleted,
    LedgerSyncFailed,
    InventorySyncProgressed,
    InventorySyncCompleted,
    InventorySyncFailed,
    OrderReceived,
    OrderUpdated,
    PayoutClosed,
    SettlementReceived,
)

__all__ = [
    "ALL_CONTRACTS",
    "SYNC_REPORT_PATTERNS",
    "ContractRegistry",
    "IngestSyncCompleted",
    "IngestSyncFailed",
    "IngestSyncProgressed",
    "InventorySyncCompleted",
    "InventorySyncFailed",
    "InventorySyncProgressed",
    "LedgerSyncCompleted",
    "LedgerSyncFailed",
    "LedgerSyncProgressed",
    "Message",
    "OrderReceived",
    "OrderUpdated",
    "PayoutClosed",
    "SettlementReceived",
    "SyncRequested",
    "SyncCompleted",
    "SyncFailed",
    "SyncProgressed",
    "SyncReport",
    "SyncTrigger",
    "Workflow",
    "default_registry",
]
