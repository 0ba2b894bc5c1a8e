"""The first slice through the system, on real PostgreSQL and both buses:
POST a sync on the gateway → outbox → bus → ingest → reports → gateway → GET shows the run done.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest

from lb_common.messaging.bus import Bus
from lb_common.messaging.inprocess import InProcessBus
from lb_common.service.runtime import ServiceRuntime
from lb_gateway.bootstrap import build_gateway_app, build_gateway_runtime
from lb_gateway.settings import GatewaySettings
from lb_ingest.bootstrap import build_ingest_runtime
from lb_ingest.settings import IngestSettings
from tests.integration.messaging.kit import eventually

pytestmark = pytest.mark.postgres

API_KEY = "slice-test-key-0123456789"
HEADERS = {"X-API-Key": API_KEY}


@dataclass
class Stack:
    gateway: ServiceRuntime
    ingest: ServiceRuntime
    client: httpx.AsyncClient


@asynccontextmanager
async def running_stack(dsn: str, amqp_url: str, bus_kind: str) -> AsyncIterator[Stack]:
    exchange = f"slice.{uuid.uuid4().hex[:8]}"
    common = {
        "database_url": dsn,
        "amqp_url": amqp_url,
        "exchange": exchange,
        "bus": bus_kind,
        "environment": "test",
        "relay_poll_seconds": 0.2,
    }
    shared: Bus | None = InProcessBus(exchange=exchange) if bus_kind == "inprocess" else None
    gateway = build_gateway_runtime(GatewaySettings(api_key=API_KEY, **common), bus=shared)
    ingest = build_ingest_runtime(
        IngestSettings(lwa_client_secret="a-real-looking-secret", **common), bus=shared
    )
    if shared is not None:
        await shared.start()
    app = build_gateway_app(gateway)
    await ingest.start()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            try:
                yield Stack(gateway, ingest, client)
            finally:
                await ingest.stop()
    if shared is not None:
        await shared.close()


@pytest.fixture(params=["inprocess", pytest.param("rabbitmq", marks=pytest.mark.rabbit)])
async def stack(
    request: pytest.FixtureRequest, clean_services: str, fresh_queues: str
) -> AsyncIterator[Stack]:
    async with running_stack(clean_services, fresh_queues, request.param) as running:
        yield running


async def wait_for_state(client: httpx.AsyncClient, tenant: str, run_id: str, state: str) -> dict:
    body: dict = {}

    async def reached() -> bool:
        nonlocal body
        response = await client.get(f"/v1/tenants/{tenant}/syncs/{run_id}", headers=HEADERS)
        body = response.json()
        return body.get("state") == state

    await eventually(reached, timeout=15, interval=0.05, what=f"run {run_id} to be {state}")
    return body


class TestSyncSlice:
    async def test_a_requested_sync_runs_through_ingest_and_completes(self, stack: Stack) -> None:
        response = await stack.client.post(
            "/v1/tenants/acme/syncs",
            headers=HEADERS,
            json={"workflows": ["orders", "settlements"]},
        )
        assert response.status_code == 202
        run = response.json()
        assert run["state"] == "requested"

        done = await wait_for_state(stack.client, "acme", run["id"], "succeeded")
        ingest = done["sources"]["ingest"]
        assert ingest["state"] == "completed"
        assert set(ingest["stages"]) == {"orders", "settlement_reports"}
        assert done["counts"] == {"orders": 0, "settlement_reports": 0}
        assert done["started_at"] is not None and done["finished_at"] is not None

        listed = await stack.client.get("/v1/tenants/acme/syncs", headers=HEADERS)
        assert [r["id"] for r in listed.json()["items"]] == [run["id"]]

    async def test_every_endpoint_requires_the_api_key(self, stack: Stack) -> None:
        assert (await stack.client.post("/v1/tenants/acme/syncs")).status_code == 401
        wrong = {"Authorization": "Bearer not-the-key"}
        assert (await stack.client.get("/v1/tenants/acme/syncs", headers=wrong)).status_code == 401
        bearer = {"Authorization": f"Bearer {API_KEY}"}
        assert (await stack.client.get("/v1/tenants/acme/syncs", headers=bearer)).status_code == 200

    async def test_a_run_is_invisible_to_another_tenant(self, stack: Stack) -> None:
        run = (await stack.client.post("/v1/tenants/acme/syncs", headers=HEADERS)).json()
        other = await stack.client.get(f"/v1/tenants/globex/syncs/{run['id']}", headers=HEADERS)
        assert other.status_code == 404
        assert other.json()["error"] == "not_found"

    async def test_bad_requests_say_what_is_wrong(self, stack: Stack) -> None:
        response = await stack.client.post(
            "/v1/tenants/acme/syncs", headers=HEADERS, json={"workflows": ["taxes"]}
        )
        assert response.status_code == 422
        assert "workflows" in response.text
        backwards = await stack.client.post(
            "/v1/tenants/acme/syncs",
            headers=HEADERS,
            json={"window_start": "2026-11-02T00:00:00Z", "window_end": "2026-11-01T00:00:00Z"},
        )
        assert backwards.status_code == 422
        assert "window_start must be before window_end" in backwards.text

    async def test_health_readiness_and_metrics(self, stack: Stack) -> None:
        assert (await stack.client.get("/healthz")).json()["status"] == "ok"
        ready = await stack.client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"database": True, "bus": True, "consumers": True}
        await stack.client.post("/v1/tenants/acme/syncs", headers=HEADERS)
        metrics = (await stack.client.get("/metrics")).text
        assert "lb_http_requests_total" in metrics
        assert "lb_outbox_backlog" in metrics

    async def test_many_concurrent_syncs_all_complete(self, stack: Stack) -> None:
        responses = await asyncio.gather(
            *(stack.client.post(f"/v1/tenants/t{i % 3}/syncs", headers=HEADERS) for i in range(20))
        )
        runs = [(f"t{i % 3}", r.json()["id"]) for i, r in enumerate(responses)]
        for tenant, run_id in runs:
            await wait_for_state(stack.client, tenant, run_id, "succeeded")


class TestReadiness:
    async def test_not_ready_when_the_database_is_unreachable(self, fresh_queues: str) -> None:
        settings = GatewaySettings(
            database_url="postgresql+asyncpg://postgres@127.0.0.1:1/nowhere",
            amqp_url=fresh_queues,
            exchange=f"slice.{uuid.uuid4().hex[:8]}",
        )
        runtime = build_gateway_runtime(settings)
        app = build_gateway_app(runtime, manage_runtime=False)
        await runtime.bus.start()
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://g") as client:
                response = await client.get("/readyz")
            assert response.status_code == 503
            assert response.json()["checks"]["database"] is False
        finally:
            await runtime.bus.close()
            await runtime.engine.dispose()
