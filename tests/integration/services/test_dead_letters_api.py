"""A poison message reaches the service's DLQ after failing, and operators list and replay it
through the service's admin API."""

from __future__ import annotations

import uuid

import httpx
import pytest

from lb_common.contracts import SyncRequested
from lb_common.messaging.envelope import OutgoingMessage
from lb_ingest.bootstrap import build_ingest_app, build_ingest_runtime
from lb_ingest.handlers import SYNC_REQUESTS
from lb_ingest.settings import IngestSettings
from tests.integration.messaging.kit import eventually

pytestmark = [pytest.mark.postgres, pytest.mark.rabbit]


class TestDeadLetterApi:
    async def test_poison_is_listed_with_its_reason_and_can_be_replayed(
        self, clean_services: str, fresh_queues: str
    ) -> None:
        settings = IngestSettings(
            database_url=clean_services,
            amqp_url=fresh_queues,
            environment="test",
            exchange=f"dlq.{uuid.uuid4().hex[:8]}",
            lwa_client_secret="a-real-looking-secret",
        )
        runtime = build_ingest_runtime(settings)
        app = build_ingest_app(runtime)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://ingest") as client:
                poison = OutgoingMessage(
                    str(uuid.uuid4()),
                    SyncRequested.routing_key,
                    b'{"tenant_id": "acme", "run_id": "not-a-uuid"}',
                )
                await runtime.bus.publish(poison)

                letters: list[dict[str, object]] = []

                async def listed() -> bool:
                    nonlocal letters
                    letters = (await client.get("/admin/dead-letters")).json()
                    return len(letters) == 1

                await eventually(listed, what="the poison message in the DLQ")
                (letter,) = letters
                assert letter["message_id"] == poison.message_id
                assert letter["queue"] == SYNC_REQUESTS
                assert letter["routing_key"] == SyncRequested.routing_key
                assert "run_id" in str(letter["reason"])
                assert "invalid_message" in str(letter["reason"])

                replayed = await client.post(
                    f"/admin/dead-letters/{SYNC_REQUESTS}/{poison.message_id}/replay"
                )
                assert replayed.status_code == 200
                # Still poison: handled again and dead-lettered again, never dropped.
                await eventually(listed, what="the replayed poison back in the DLQ")
                missing = await client.post(
                    f"/admin/dead-letters/{SYNC_REQUESTS}/{uuid.uuid4()}/replay"
                )
                assert missing.status_code == 404
                unknown_queue = await client.post(f"/admin/dead-letters/nope/{uuid.uuid4()}/replay")
                assert unknown_queue.status_code == 404
                metrics = (await client.get("/metrics")).text
                assert 'lb_messages_consumed_total{outcome="dead_lettered"' in metrics
