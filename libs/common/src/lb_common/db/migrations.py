"""Alembic, one migration history per service, each in the service's own schema.

Each service's `migrations/env.py` is two lines that call `run_migrations_from_env`. The version
table lives in the service schema, and an advisory lock per schema lets several replicas start at
once without racing each other's DDL.
"""

from __future__ import annotations

import asyncio
import zlib
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command, op
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, MetaData, pool, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import create_async_engine


def alembic_config(*, migrations_dir: Path, dsn: str, schema: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    # `%` must be doubled for configparser interpolation.
    config.set_main_option("sqlalchemy.url", dsn.replace("%", "%%"))
    config.set_main_option("lb_schema", schema)
    return config


def upgrade(*, migrations_dir: Path, dsn: str, schema: str, revision: str = "head") -> None:
    """Blocking: call from a CLI, or through `asyncio.to_thread` inside a running loop."""
    command.upgrade(alembic_config(migrations_dir=migrations_dir, dsn=dsn, schema=schema), revision)


def downgrade(*, migrations_dir: Path, dsn: str, schema: str, revision: str = "base") -> None:
    command.downgrade(
        alembic_config(migrations_dir=migrations_dir, dsn=dsn, schema=schema), revision
    )


async def upgrade_async(*, migrations_dir: Path, dsn: str, schema: str) -> None:
    await asyncio.to_thread(upgrade, migrations_dir=migrations_dir, dsn=dsn, schema=schema)


def _advisory_key(schema: str) -> int:
    return zlib.crc32(f"ledgerbridge.migrate.{schema}".encode())


def run_migrations_from_env(context: Any, target_metadata: MetaData) -> None:
    """The body of every service's env.py (online mode only: we always have the database).

    `context` is `alembic.context`, a module that proxies the running `EnvironmentContext`.
    """
    environment: EnvironmentContext = context
    config = environment.config
    schema = config.get_main_option("lb_schema") or target_metadata.schema
    if not schema:
        raise RuntimeError("migrations need the service schema (lb_schema)")
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None

    def do_run(connection: Connection) -> None:
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": _advisory_key(schema)}
        )
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        environment.configure(
            connection=connection,
            target_metadata=target_metadata,
            version_table_schema=schema,
            include_schemas=True,
            include_name=lambda name, type_, _parent: type_ != "schema" or name == schema,
        )
        with environment.begin_transaction():
            environment.run_migrations()

    async def run() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(do_run)
        finally:
            await engine.dispose()

    asyncio.run(run())


def pending_differences(connection: Connection, metadata: MetaData) -> list[object]:
    """What autogenerate would still change: empty when migrations and tables agree."""
    from alembic.autogenerate import compare_metadata

    schema = metadata.schema
    migration_context = MigrationContext.configure(
        connection,
        opts={
            "include_schemas": True,
            "include_name": lambda name, type_, _p: type_ != "schema" or name == schema,
            "version_table_schema": schema,
        },
    )
    return [
        diff
        for diff in compare_metadata(migration_context, metadata)
        if not (
            isinstance(diff, tuple)
            and diff[0] == "remove_table"
            and getattr(diff[1], "name", "") == "alembic_version"
        )
    ]


def create_outbox_and_inbox(schema: str) -> None:
    """Migration step shared by every service's first revision (frozen: change by a new step)."""
    op.create_table(
        "outbox",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("routing_key", sa.String(255), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("headers", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("claim_token", UUID(as_uuid=True), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("last_error", sa.Text, nullable=True),
        schema=schema,
    )
    op.create_index("ix_outbox_created_at", "outbox", ["created_at"], schema=schema)
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(128), primary_key=True),
        sa.Column("message_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("routing_key", sa.String(255), nullable=False),
        sa.Column(
            "processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=schema,
    )


def drop_outbox_and_inbox(schema: str) -> None:
    op.drop_table("inbox", schema=schema)
    op.drop_index("ix_outbox_created_at", "outbox", schema=schema)
    op.drop_table("outbox", schema=schema)
