"""The slice across real processes: gateway and ingest as separate OS processes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.services.processes import ServiceProcess, free_port, service_env

pytestmark = [pytest.mark.postgres, pytest.mark.rabbit, pytest.mark.slow]

HEADERS = {"X-API-Key": "process-test-key-0123456789"}


def poll_run(gateway: ServiceProcess, tenant: str, run_id: str, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    body: dict = {}
    while time.monotonic() < deadline:
        body = httpx.get(
            f"{gateway.url}/v1/tenants/{tenant}/syncs/{run_id}", headers=HEADERS, timeout=5
        ).json()
        if body.get("state") in ("succeeded", "failed"):
            return body
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} did not finish in {timeout}s: {body}")


@pytest.fixture(scope="module")
def processes(
    clean_services_for_module: str, clean_queues: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, ServiceProcess]]:
    clean_services = clean_services_for_module
    tmp_path: Path = tmp_path_factory.mktemp("processes")
    exchange = f"proc.{uuid.uuid4().hex[:8]}"
    started: dict[str, ServiceProcess] = {}
    for service in ("gateway", "ingest", "ledger", "inventory"):
        env = service_env(service, dsn=clean_services, amqp_url=clean_queues, exchange=exchange)
        started[service] = ServiceProcess(service, free_port(), env, tmp_path / f"{service}.log")
    try:
        for process in started.values():
            process.start()
        for process in started.values():
            process.wait_ready()
        yield started
    finally:
        for process in started.values():
            process.stop()


class TestAcrossProcesses:
    def test_the_sync_slice_works_between_separate_processes(
        self, processes: dict[str, ServiceProcess]
    ) -> None:
        gateway = processes["gateway"]
        created = httpx.post(f"{gateway.url}/v1/tenants/acme/syncs", headers=HEADERS, timeout=5)
        assert created.status_code == 202
        done = poll_run(gateway, "acme", created.json()["id"])
        assert done["state"] == "succeeded"
        assert done["sources"]["ingest"]["state"] == "completed"

    def test_every_service_answers_health_readiness_and_metrics(
        self, processes: dict[str, ServiceProcess]
    ) -> None:
        for name, process in processes.items():
            assert httpx.get(f"{process.url}/healthz").json() == {"status": "ok", "service": name}
            assert httpx.get(f"{process.url}/readyz").status_code == 200
            assert "lb_outbox_backlog" in httpx.get(f"{process.url}/metrics").text

    def test_logs_are_json_with_context_ids(self, processes: dict[str, ServiceProcess]) -> None:
        gateway = processes["gateway"]
        created = httpx.post(f"{gateway.url}/v1/tenants/acme/syncs", headers=HEADERS).json()
        poll_run(gateway, "acme", created["id"])
        events = processes["ingest"].log_events()
        taken = [
            e
            for e in events
            if e.get("event") == "ingest.sync.taken" and e.get("run_id") == created["id"]
        ]
        assert len(taken) == 1 and taken[0]["tenant_id"] == "acme"
        assert "message_id" in taken[0] and "correlation_id" in taken[0]
        assert all("process-test-key" not in str(e) for e in events)
