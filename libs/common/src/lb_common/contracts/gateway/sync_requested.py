from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime, Field, model_validator

from lb_common.contracts.base import Message


class SyncTrigger(StrEnum):
    MANUAL = "manual"
    SCHEDULE = "schedule"
    WEBHOOK = "webhook"


class Workflow(StrEnum):
    ORDERS = "orders"
    PAYOUTS = "payouts"
    SETTLEMENTS = "settlements"
    INVENTORY = "inventory"


class SyncRequested(Message):
    """The gateway asks the pipeline to sync one tenant; `run_id` is the business key."""

    routing_key: ClassVar[str] = "gateway.sync.requested.v1"

    run_id: UUID
    trigger: SyncTrigger = SyncTrigger.MANUAL
    workflows: tuple[Workflow, ...] = Field(default=tuple(Workflow), min_length=1)
    window_start: AwareDatetime | None = None
    window_end: AwareDatetime | None = None

    @model_validator(mode="after")
    def _window_in_order(self) -> SyncRequested:
        start: datetime | None = self.window_start
        end: datetime | None = self.window_end
        if start is not None and end is not None and start >= end:
            raise ValueError("window_start must be before window_end")
        return self
