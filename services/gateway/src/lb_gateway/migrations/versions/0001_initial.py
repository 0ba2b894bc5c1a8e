"""gateway: outbox, inbox, sync runs

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from lb_common.db.migrations import create_outbox_and_inbox, drop_outbox_and_inbox

revision: str = "0001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

SCHEMA = "gateway"


def upgrade() -> None:
    create_outbox_and_inbox(SCHEMA)
    op.create_table(
        "sync_runs",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("trigger", sa.String(32), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("workflows", JSONB, nullable=False),
        sa.Column("expected_sources", JSONB, nullable=False),
        sa.Column("sources", JSONB, nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_sync_runs_tenant_requested", "sync_runs", ["tenant_id", "requested_at"], schema=SCHEMA
    )


def downgrade() -> None:
    op.drop_index("ix_sync_runs_tenant_requested", "sync_runs", schema=SCHEMA)
    op.drop_table("sync_runs", schema=SCHEMA)
    drop_outbox_and_inbox(SCHEMA)
