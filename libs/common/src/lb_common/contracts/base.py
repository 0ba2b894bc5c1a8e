"""The envelope every message carries, and the routing-key rule.

Routing keys are `<context>.<entity>.<event>.v<N>`. A contract evolves by adding optional fields;
a breaking change gets a new `.v<N+1>` model and key, and both run side by side.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

ROUTING_KEY = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.v[1-9][0-9]*$")


M = TypeVar("M", bound="Message")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Message(BaseModel):
    """Envelope fields. Subclasses set `routing_key` and add their business key and payload."""

    # extra="ignore": a consumer must tolerate optional fields a newer producer added (the
    # contracts evolve by adding them), instead of dead-lettering the message.
    model_config = ConfigDict(frozen=True, extra="ignore")

    routing_key: ClassVar[str]

    message_id: UUID = Field(default_factory=uuid4)
    occurred_at: AwareDatetime = Field(default_factory=_utc_now)
    tenant_id: str = Field(min_length=1, max_length=64)
    correlation_id: UUID = Field(default_factory=uuid4)
    schema_version: int = Field(default=1, ge=1)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        key = cls.__dict__.get("routing_key")
        if key is not None and not ROUTING_KEY.match(key):
            raise TypeError(
                f"{cls.__name__}.routing_key {key!r} is not <context>.<entity>.<event>.vN"
            )

    def caused(self, message_type: type[M], **fields: Any) -> M:
        """A new message caused by this one: same tenant and correlation id, new message id."""
        return message_type(tenant_id=self.tenant_id, correlation_id=self.correlation_id, **fields)

    def to_body(self) -> bytes:
        return self.model_dump_json().encode()
