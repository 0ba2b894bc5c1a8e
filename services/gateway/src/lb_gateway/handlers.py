"""The gateway's consumers: the run tracker follows every service's sync reports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from lb_common.contracts import SYNC_REPORT_PATTERNS, SyncReport
from lb_common.db.uow import UnitOfWork
from lb_common.messaging.consumer import ExactlyOnce, MessageConsumer
from lb_common.messaging.envelope import QueueSpec
from lb_common.service.runtime import ServiceRuntime
from lb_gateway.service import record_report

RUN_TRACKER = "gateway.sync-reports"
Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def run_tracker_spec(runtime: ServiceRuntime) -> QueueSpec:
    return QueueSpec(
        name=RUN_TRACKER,
        service="gateway",
        bindings=SYNC_REPORT_PATTERNS,
        delivery_limit=runtime.settings.delivery_limit,
        prefetch=runtime.settings.prefetch,
    )


def build_consumers(runtime: ServiceRuntime, clock: Clock = _utc_now) -> list[MessageConsumer]:
    async def track(message: SyncReport, uow: UnitOfWork) -> None:
        await record_report(uow, message, clock())

    return [
        MessageConsumer(
            bus=runtime.bus,
            spec=run_tracker_spec(runtime),
            handler=ExactlyOnce(
                consumer=RUN_TRACKER,
                uow_factory=runtime.uow,
                message_type=SyncReport,
                effect=track,
            ),
            registry=runtime.registry,
            metrics=runtime.metrics,
            health_probes=(runtime.database_ready,),
        )
    ]
