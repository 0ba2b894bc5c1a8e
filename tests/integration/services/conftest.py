from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aio_pika
import asyncpg
import pytest

from lb_common.db.migrations import upgrade
from lb_gateway.bootstrap import MIGRATIONS as GATEWAY_MIGRATIONS
from lb_ingest.bootstrap import MIGRATIONS as INGEST_MIGRATIONS
from lb_inventory.bootstrap import MIGRATIONS as INVENTORY_MIGRATIONS
from lb_ledger.bootstrap import MIGRATIONS as LEDGER_MIGRATIONS

SERVICE_MIGRATIONS: dict[str, Path] = {
    "gateway": GATEWAY_MIGRATIONS,
    "ingest": INGEST_MIGRATIONS,
    "ledger": LEDGER_MIGRATIONS,
    "inventory": INVENTORY_MIGRATIONS,
}
SERVICE_TABLES = {
    "gateway": ("outbox", "inbox", "sync_runs"),
    "ingest": ("outbox", "inbox", "sync_requests", "stream_cursors"),
    "ledger": ("outbox", "inbox"),
    "inventory": ("outbox", "inbox"),
}
#: Queues with fixed names that the services declare (their DLQs too).
SERVICE_QUEUES = ("gateway.sync-reports", "ingest.sync-requests")


@pytest.fixture(scope="session")
def migrated_database(sqlalchemy_dsn: str) -> str:
    for schema, directory in SERVICE_MIGRATIONS.items():
        upgrade(migrations_dir=directory, dsn=sqlalchemy_dsn, schema=schema)
    return sqlalchemy_dsn


async def truncate_service_tables(test_database: str) -> None:
    connection = await asyncpg.connect(test_database)
    try:
        tables = ", ".join(
            f'"{schema}"."{table}"' for schema, names in SERVICE_TABLES.items() for table in names
        )
        await connection.execute(f"TRUNCATE {tables}")
    finally:
        await connection.close()


@pytest.fixture
async def clean_services(migrated_database: str, test_database: str) -> str:
    """Empty every service table before the test, so each test starts from nothing."""
    await truncate_service_tables(test_database)
    return migrated_database


@pytest.fixture(scope="module")
def clean_services_for_module(migrated_database: str, test_database: str) -> str:
    asyncio.run(truncate_service_tables(test_database))
    return migrated_database


async def _delete_service_queues(amqp_url: str) -> None:
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        for queue in SERVICE_QUEUES:
            await channel.queue_delete(queue)
            await channel.queue_delete(f"{queue}.dlq")
    finally:
        await connection.close()


@pytest.fixture(scope="module")
def clean_queues(amqp_url: str) -> Iterator[str]:
    asyncio.run(_delete_service_queues(amqp_url))
    yield amqp_url
    asyncio.run(_delete_service_queues(amqp_url))


@pytest.fixture
async def fresh_queues(amqp_url: str) -> AsyncIterator[str]:
    await _delete_service_queues(amqp_url)
    yield amqp_url
    await _delete_service_queues(amqp_url)
