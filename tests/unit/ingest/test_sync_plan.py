from __future__ import annotations

from lb_common.contracts import Workflow
from lb_ingest.domain.sync_plan import streams_for


class TestStreamsFor:
    def test_reads_streams_in_a_stable_order_whatever_the_request_order(self) -> None:
        assert streams_for((Workflow.SETTLEMENTS, Workflow.ORDERS)) == (
            "orders",
            "settlement_reports",
        )

    def test_inventory_is_not_read_by_ingest(self) -> None:
        assert streams_for((Workflow.INVENTORY,)) == ()
