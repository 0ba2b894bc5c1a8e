"""The outbox and inbox tables, the same in every service's own schema.

outbox: one row per message to publish, written in the transaction of the change that caused it.
  The relay leases rows (`claim_token`, `claimed_until`) and deletes a row only after the broker
  confirmed it; a relay that dies leaves a lease that expires, and another relay takes the row.
inbox: one row per (consumer, message_id) processed, written in the handler's transaction; the
  primary key makes a redelivery a no-op.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID


def outbox_table(metadata: MetaData) -> Table:
    return Table(
        "outbox",
        metadata,
        Column("id", UUID(as_uuid=True), primary_key=True),
        Column("routing_key", String(255), nullable=False),
        Column("body", LargeBinary, nullable=False),
        Column("headers", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("claim_token", UUID(as_uuid=True), nullable=True),
        Column("claimed_until", DateTime(timezone=True), nullable=True),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("last_error", Text, nullable=True),
        Index("ix_outbox_created_at", "created_at"),
    )


def inbox_table(metadata: MetaData) -> Table:
    return Table(
        "inbox",
        metadata,
        Column("consumer", String(128), primary_key=True),
        Column("message_id", UUID(as_uuid=True), primary_key=True),
        Column("routing_key", String(255), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


def service_metadata(schema: str) -> MetaData:
    """A MetaData bound to the service's schema, already holding its outbox and inbox."""
    metadata = MetaData(schema=schema)
    outbox_table(metadata)
    inbox_table(metadata)
    return metadata
