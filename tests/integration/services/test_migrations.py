from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import create_async_engine

from lb_common.db.migrations import downgrade, pending_differences, upgrade
from lb_gateway.tables import metadata as gateway_metadata
from lb_ingest.tables import metadata as ingest_metadata
from lb_inventory.tables import metadata as inventory_metadata
from lb_ledger.tables import metadata as ledger_metadata
from tests.integration.services.conftest import SERVICE_MIGRATIONS

pytestmark = pytest.mark.postgres

METADATA = {
    "gateway": gateway_metadata,
    "ingest": ingest_metadata,
    "ledger": ledger_metadata,
    "inventory": inventory_metadata,
}


async def _differences(dsn: str, metadata: MetaData) -> list[object]:
    engine = create_async_engine(dsn)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(pending_differences, metadata)
    finally:
        await engine.dispose()


async def _tables(dsn: str, schema: str) -> set[str]:
    engine = create_async_engine(dsn)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = :s"), {"s": schema}
            )
            return {r[0] for r in rows}
    finally:
        await engine.dispose()


@pytest.mark.parametrize("service", sorted(SERVICE_MIGRATIONS))
class TestMigrations:
    def test_migrations_build_exactly_the_tables_the_code_declares(
        self, migrated_database: str, service: str
    ) -> None:
        assert asyncio.run(_differences(migrated_database, METADATA[service])) == []

    def test_each_service_keeps_its_own_history_in_its_own_schema(
        self, migrated_database: str, service: str
    ) -> None:
        tables = asyncio.run(_tables(migrated_database, service))
        assert "alembic_version" in tables
        assert {"outbox", "inbox"} <= tables


class TestMigrationRoundTrip:
    def test_downgrade_to_base_and_upgrade_again(self, sqlalchemy_dsn: str) -> None:
        # Ends migrated again, as the other tests of this session expect.
        directory: Path = SERVICE_MIGRATIONS["ledger"]
        schema = "ledger"
        upgrade(migrations_dir=directory, dsn=sqlalchemy_dsn, schema=schema)
        downgrade(migrations_dir=directory, dsn=sqlalchemy_dsn, schema=schema)
        assert asyncio.run(_tables(sqlalchemy_dsn, schema)) == {"alembic_version"}
        upgrade(migrations_dir=directory, dsn=sqlalchemy_dsn, schema=schema)
        assert {"outbox", "inbox"} <= asyncio.run(_tables(sqlalchemy_dsn, schema))

    def test_upgrading_twice_is_harmless(self, sqlalchemy_dsn: str) -> None:
        directory = SERVICE_MIGRATIONS["inventory"]
        upgrade(migrations_dir=directory, dsn=sqlalchemy_dsn, schema="inventory")
        upgrade(migrations_dir=directory, dsn=sqlalchemy_dsn, schema="inventory")
        assert {"outbox", "inbox"} <= asyncio.run(_tables(sqlalchemy_dsn, "inventory"))
