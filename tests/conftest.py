"""Shared fixtures. Integration tests use the machine's real PostgreSQL and RabbitMQ (3.10).

- PostgreSQL: one fresh database per test session (dropped afterwards); `LB_TEST_PG_ADMIN` names the
  admin DSN (default: postgres on 127.0.0.1, trust auth, as on our dev and CI machines).
- RabbitMQ: the `ledgerbridge_test` vhost (`.ci/run` creates it; this file creates it too when
  `rabbitmqctl` is at hand); every test uses its own exchange and queue names.
Neither is optional: when they are down the tests fail and say so, rather than skip quietly.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

PG_ADMIN = os.environ.get("LB_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_VHOST = os.environ.get("LB_TEST_AMQP_VHOST", "ledgerbridge_test")
AMQP_BASE = os.environ.get("LB_TEST_AMQP_BASE", "amqp://guest:guest@127.0.0.1:5672")
REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def test_database() -> Iterator[str]:
    """A fresh database for this session; yields its asyncpg DSN (without driver suffix)."""
    name = unique("lb_test")

    async def create() -> None:
        connection = await asyncpg.connect(PG_ADMIN)
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    async def drop() -> None:
        connection = await asyncpg.connect(PG_ADMIN)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()

    try:
        asyncio.run(create())
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.fail(f"PostgreSQL at {PG_ADMIN} is needed for integration tests: {exc}")
    base = PG_ADMIN.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    asyncio.run(drop())


@pytest.fixture(scope="session")
def sqlalchemy_dsn(test_database: str) -> str:
    return test_database.replace("postgresql://", "postgresql+asyncpg://", 1)


@pytest.fixture(scope="session")
def amqp_url() -> str:
    rabbitmqctl = shutil.which("rabbitmqctl")
    if rabbitmqctl is not None:
        listed = subprocess.run(
            [rabbitmqctl, "-q", "list_vhosts"], capture_output=True, text=True, timeout=60
        )
        if AMQP_VHOST not in listed.stdout.split():
            subprocess.run([rabbitmqctl, "add_vhost", AMQP_VHOST], check=False, timeout=60)
            subprocess.run(
                [rabbitmqctl, "set_permissions", "-p", AMQP_VHOST, "guest", ".*", ".*", ".*"],
                check=False,
                timeout=60,
            )
    return f"{AMQP_BASE}/{AMQP_VHOST}"


@pytest.fixture
async def pg(test_database: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(test_database)
    try:
        yield connection
    finally:
        await connection.close()


def shared_path(*parts: str) -> Path:
    """A file under ../shared; skips the test, saying why, in a clone that has no shared/."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (a user's clone has no ../shared)")
    return path
