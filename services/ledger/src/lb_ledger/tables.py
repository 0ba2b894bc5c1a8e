"""The ledger service's tables, in schema `ledger` (its own arrive with its workflow issue)."""

from __future__ import annotations

from lb_common.db.messaging_tables import service_metadata

SCHEMA = "ledger"
metadata = service_metadata(SCHEMA)
