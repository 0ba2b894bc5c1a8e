"""The ledger service's tables, in schema `ledger` (more come with its workflow)."""

from __future__ import annotations

from lb_common.db.messaging_tables import service_metadata

SCHEMA = "ledger"
metadata = service_metadata(SCHEMA)
