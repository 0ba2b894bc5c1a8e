from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import ClassVar

import pytest
from pydantic import ValidationError

from lb_common.contracts import (
    ALL_CONTRACTS,
    IngestSyncCompleted,
    Message,
    SyncRequested,
    default_registry,
)
from lb_common.contracts.base import ROUTING_KEY
from lb_common.errors import InvalidMessageError


class TestEnvelope:
    def test_every_contract_has_a_well_formed_unique_routing_key(self) -> None:
        keys = [model.routing_key for model in ALL_CONTRACTS]
        assert len(keys) == len(set(keys))
        assert all(ROUTING_KEY.match(key) for key in keys)

    def test_messages_are_frozen(self) -> None:
        message = SyncRequested(tenant_id="t1", run_id=uuid.uuid4())
        with pytest.raises(ValidationError):
            message.tenant_id = "t2"  # type: ignore[misc]

    def test_envelope_fields_are_filled(self) -> None:
        message = SyncRequested(tenant_id="t1", run_id=uuid.uuid4())
        assert message.schema_version == 1
        assert message.occurred_at.tzinfo is not None
        assert isinstance(message.message_id, uuid.UUID)

    def test_naive_timestamps_are_refused(self) -> None:
        with pytest.raises(ValidationError, match="timezone"):
            SyncRequested(tenant_id="t1", run_id=uuid.uuid4(), occurred_at=datetime(2026, 1, 1))

    def test_a_bad_routing_key_is_refused_at_class_definition(self) -> None:
        with pytest.raises(TypeError, match="context"):

            class Bad(Message):
                routing_key: ClassVar[str] = "gateway.Sync-Requested"

    def test_caused_messages_keep_tenant_and_correlation(self) -> None:
        request = SyncRequested(tenant_id="t1", run_id=uuid.uuid4())
        reply = request.caused(IngestSyncCompleted, run_id=request.run_id, sequence=1)
        assert reply.tenant_id == "t1"
        assert reply.correlation_id == request.correlation_id
        assert reply.message_id != request.message_id

    def test_window_must_be_in_order(self) -> None:
        now = datetime(2026, 11, 1, tzinfo=UTC)
        with pytest.raises(ValidationError, match="window_start must be before"):
            SyncRequested(tenant_id="t", run_id=uuid.uuid4(), window_start=now, window_end=now)


class TestRegistry:
    def test_round_trips_every_contract_through_bytes(self) -> None:
        registry = default_registry()
        message = SyncRequested(tenant_id="t1", run_id=uuid.uuid4())
        assert registry.decode(message.routing_key, message.to_body()) == message

    def test_unknown_routing_key_is_an_invalid_message(self) -> None:
        with pytest.raises(InvalidMessageError, match="no contract"):
            default_registry().decode("nobody.knows.this.v1", b"{}")

    def test_bad_body_names_each_problem(self) -> None:
        with pytest.raises(InvalidMessageError) as raised:
            default_registry().decode(SyncRequested.routing_key, b'{"tenant_id": ""}')
        assert "tenant_id" in raised.value.message
        assert "run_id: Field required" in raised.value.message

    def test_fields_added_by_a_newer_producer_are_tolerated(self) -> None:
        message = SyncRequested(tenant_id="t", run_id=uuid.uuid4())
        body = message.model_dump(mode="json") | {"added_in_a_later_version": 1}
        decoded = default_registry().decode(SyncRequested.routing_key, json.dumps(body).encode())
        assert decoded == message

    def test_refuses_two_models_on_one_key(self) -> None:
        registry = default_registry()

        class Impostor(SyncRequested):
            routing_key: ClassVar[str] = SyncRequested.routing_key

        with pytest.raises(ValueError, match="already registered"):
            registry.register(Impostor)
