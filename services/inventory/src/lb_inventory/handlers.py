"""The inventory service's consumers: none yet; its workflow issue adds them to this table."""

from __future__ import annotations

from lb_common.messaging.consumer import MessageConsumer
from lb_common.service.runtime import ServiceRuntime


def build_consumers(_runtime: ServiceRuntime) -> list[MessageConsumer]:
    return []
