"""Run services as real OS processes (`python -m lb_<service> serve`) for cross-process tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ServiceProcess:
    service: str
    port: int
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    _log: object = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServiceProcess:
        log = self.log_path.open("ab")
        self._log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", f"lb_{self.service}", "serve", "--port", str(self.port)],
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        return self

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(
                    f"{self.service} exited with {self.process.returncode}:\n{self.log_text()}"
                )
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"{self.service} not ready in {timeout}s:\n{self.log_text()}")

    def wait_exit(self, timeout: float = 30.0) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_events(self) -> list[dict[str, object]]:
        events = []
        for line in self.log_text().splitlines():
            if line.startswith("{"):
                try:
                    events.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        return events


def service_env(
    service: str, *, dsn: str, amqp_url: str, exchange: str, **extra: str
) -> dict[str, str]:
    prefix = service.upper() + "_"
    values = {
        "ENVIRONMENT": "test",
        "DATABASE_URL": dsn,
        "AMQP_URL": amqp_url,
        "EXCHANGE": exchange,
        "LOG_JSON": "true",
        "RELAY_POLL_SECONDS": "0.2",
        **extra,
    }
    secrets = {
        "gateway": {"API_KEY": "process-test-key-0123456789"},
        "ingest": {"LWA_CLIENT_SECRET": "a-real-looking-secret"},
        "ledger": {"QBO_CLIENT_SECRET": "a-real-looking-secret"},
        "inventory": {},
    }[service]
    return {prefix + k: v for k, v in {**values, **secrets}.items()}
