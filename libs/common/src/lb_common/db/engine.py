"""Async SQLAlchemy engine on asyncpg, and the session factory a unit of work draws from."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def create_engine(
    dsn: str, *, application_name: str, pool_size: int = 5, **kwargs: Any
) -> AsyncEngine:
    """An engine whose connections name the service in `pg_stat_activity`."""
    return create_async_engine(
        dsn,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args={"server_settings": {"application_name": application_name}},
        **kwargs,
    )


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: objects stay readable after the unit of work commits.
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def asyncpg_dsn(sqlalchemy_dsn: str) -> str:
    """The DSN asyncpg's own `connect` takes (LISTEN/NOTIFY), from a SQLAlchemy one."""
    return sqlalchemy_dsn.replace("postgresql+asyncpg://", "postgresql://", 1)
