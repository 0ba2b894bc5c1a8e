from __future__ import annotations

from datetime import UTC, datetime

from lb_common.contracts import SyncRequested
from lb_common.db.uow import UnitOfWork
from lb_common.messaging.consumer import ExactlyOnce, MessageConsumer
from lb_common.messaging.envelope import QueueSpec
from lb_common.service.runtime import ServiceRuntime
from lb_ingest.service import take_sync_request

SYNC_REQUESTS = "ingest.sync-requests"


def build_consumers(runtime: ServiceRuntime) -> list[MessageConsumer]:
    async def take(message: SyncRequested, uow: UnitOfWork) -> None:
        await take_sync_request(uow, message, datetime.now(UTC))

    spec = QueueSpec(
        name=SYNC_REQUESTS,
        service="ingest",
        bindings=(SyncRequested.routing_key,),
        delivery_limit=runtime.settings.delivery_limit,
        prefetch=runtime.settings.prefetch,
    )
    return [
        MessageConsumer(
            bus=runtime.bus,
            spec=spec,
            handler=ExactlyOnce(
                consumer=SYNC_REQUESTS,
                uow_factory=runtime.uow,
                message_type=SyncRequested,
                effect=take,
            ),
            registry=runtime.registry,
            metrics=runtime.metrics,
            health_probes=(runtime.database_ready,),
        )
    ]
