"""inventory: outbox and inbox (its own tables arrive with its workflow issue)

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from lb_common.db.migrations import create_outbox_and_inbox, drop_outbox_and_inbox

revision: str = "0001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

SCHEMA = "inventory"


def upgrade() -> None:
    create_outbox_and_inbox(SCHEMA)


def downgrade() -> None:
    drop_outbox_and_inbox(SCHEMA)
