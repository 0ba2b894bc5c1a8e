"""Alembic environment of the ledger service: its own schema, its own history."""

from alembic import context

from lb_common.db.migrations import run_migrations_from_env
from lb_ledger.tables import metadata

run_migrations_from_env(context, metadata)
