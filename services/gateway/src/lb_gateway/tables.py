"""The gateway's tables, in schema `gateway`."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, String, Table
from sqlalchemy.dialects.postgresql import JSONB, UUID

from lb_common.db.messaging_tables import service_metadata

SCHEMA = "gateway"
metadata = service_metadata(SCHEMA)

sync_runs = Table(
    "sync_runs",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("trigger", String(32), nullable=False),
    Column("state", String(32), nullable=False),
    Column("workflows", JSONB, nullable=False),
    Column("expected_sources", JSONB, nullable=False),
    Column("sources", JSONB, nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Index("ix_sync_runs_tenant_requested", "tenant_id", "requested_at"),
)
