"""The inventory service's tables, in schema `inventory` (more come with its workflow)."""

from __future__ import annotations

from lb_common.db.messaging_tables import service_metadata

SCHEMA = "inventory"
metadata = service_metadata(SCHEMA)
