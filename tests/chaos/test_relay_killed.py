"""SIGKILL-like death of the ingest relay between the broker's confirm and the outbox delete.

The message was published, but its row is still in the outbox. After a restart the relay
publishes it again; the gateway's inbox must turn that second delivery into a no-op.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.integration.services.processes import ServiceProcess, free_port, service_env

pytestmark = [pytest.mark.postgres, pytest.mark.rabbit, pytest.mark.slow]

HEADERS = {"X-API-Key": "process-test-key-0123456789"}


async def _fetch(dsn: str, query: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(dsn)
    try:
        return list(await connection.fetch(query))
    finally:
        await connection.close()


def fetch(dsn: str, query: str) -> list[asyncpg.Record]:
    return asyncio.run(_fetch(dsn, query))


class TestRelayKilled:
    def test_republished_message_takes_effect_exactly_once(
        self,
        clean_services_for_module: str,
        clean_queues: str,
        test_database: str,
        tmp_path: Path,
    ) -> None:
        exchange = f"chaos.{uuid.uuid4().hex[:8]}"

        def env(service: str, **extra: str) -> dict[str, str]:
            return service_env(
                service,
                dsn=clean_services_for_module,
                amqp_url=clean_queues,
                exchange=exchange,
                **extra,
            )

        gateway = ServiceProcess("gateway", free_port(), env("gateway"), tmp_path / "gw.log")
        doomed = ServiceProcess(
            "ingest",
            free_port(),
            env("ingest", CRASH_AT="relay_after_publish_before_delete", RELAY_LEASE_SECONDS="1"),
            tmp_path / "ingest-1.log",
        )
        survivor = ServiceProcess(
            "ingest", free_port(), env("ingest", RELAY_LEASE_SECONDS="1"), tmp_path / "ingest-2.log"
        )
        try:
            gateway.start().wait_ready()
            doomed.start().wait_ready()
            run = httpx.post(f"{gateway.url}/v1/tenants/acme/syncs", headers=HEADERS).json()

            assert doomed.wait_exit(timeout=30) == 137  # died at the crash point
            crashed = [e for e in doomed.log_events() if e.get("event") == "crash_point.triggered"]
            assert crashed, doomed.log_text()
            stranded = fetch(test_database, "SELECT id FROM ingest.outbox")
            assert stranded, "the published row must still be in the outbox after the crash"

            survivor.start().wait_ready()
            deadline = time.monotonic() + 30
            state = ""
            while time.monotonic() < deadline:
                body = httpx.get(
                    f"{gateway.url}/v1/tenants/acme/syncs/{run['id']}", headers=HEADERS
                ).json()
                state = body["state"]
                if state == "succeeded" and not fetch(test_database, "SELECT 1 FROM ingest.outbox"):
                    break
                time.sleep(0.2)
            assert state == "succeeded"
            assert fetch(test_database, "SELECT id FROM ingest.outbox") == []

            # Ingest took the run on once (its business key), published its reports, and the
            # one published twice was skipped by the gateway's inbox the second time.
            assert len(fetch(test_database, "SELECT run_id FROM ingest.sync_requests")) == 1
            inbox = fetch(test_database, "SELECT message_id FROM gateway.inbox")
            assert len(inbox) == len({r["message_id"] for r in inbox}) == 4  # 3 stages + done
            duplicates = [
                e for e in gateway.log_events() if e.get("event") == "consumer.duplicate_skipped"
            ]
            assert len(duplicates) >= 1, "the republished message must reach the gateway again"
            assert {d["message_id"] for d in duplicates} <= {str(r["id"]) for r in stranded}
        finally:
            for process in (gateway, doomed, survivor):
                process.stop()
