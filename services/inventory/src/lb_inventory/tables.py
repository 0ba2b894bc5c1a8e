"""The inventory service's tables, in schema `inventory` (its own arrive with its workflow issue)."""

from __future__ import annotations

from lb_common.db.messaging_tables import service_metadata

SCHEMA = "inventory"
metadata = service_metadata(SCHEMA)
