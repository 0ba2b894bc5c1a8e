"""Ingest's tables, in schema `ingest`."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, String, Table, func
from sqlalchemy.dialects.postgresql import JSONB, UUID

from lb_common.db.messaging_tables import service_metadata

SCHEMA = "ingest"
metadata = service_metadata(SCHEMA)

#: One row per sync run ingest has taken on: the business key that makes a replay a no-op.
sync_requests = Table(
    "sync_requests",
    metadata,
    Column("run_id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("streams", JSONB, nullable=False),
    Column("window_start", DateTime(timezone=True), nullable=True),
    Column("window_end", DateTime(timezone=True), nullable=True),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

#: How far each stream of each tenant has been read.
stream_cursors = Table(
    "stream_cursors",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("stream", String(64), primary_key=True),
    Column("read_until", DateTime(timezone=True), nullable=False),
    Column("last_run_id", UUID(as_uuid=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
