from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from lb_common.contracts.ingest.orders import OrderItem, OrderSnapshot
from lb_ingest.domain.order_changes import classify, content_hash

T = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)


def order(
    order_id: str = "111-1", *, status: str = "Shipped", price: str = "10.00", updated: datetime = T
) -> OrderSnapshot:
    return OrderSnapshot(
        amazon_order_id=order_id,
        seller_id="A2",
        marketplace_id="ATVPDKIKX0DER",
        purchase_date=T,
        last_updated=updated,
        status=status,
        fulfillment_channel="MFN",
        currency="USD",
        content_hash="-",
        items=(
            OrderItem(order_item_id="1", sku="S", quantity_ordered=1, item_price=Decimal(price)),
        ),
    )


class TestClassify:
    def test_new_orders_are_received_with_their_hash(self) -> None:
        changes = classify([order("111-1"), order("111-2")], {})
        assert [o.amazon_order_id for o in changes.received] == ["111-1", "111-2"]
        assert changes.received[0].content_hash == content_hash(order("111-1"))

    def test_an_unchanged_order_is_not_published_again(self) -> None:
        published = {"111-1": content_hash(order())}
        changes = classify([order(updated=T + timedelta(hours=1))], published)
        assert (changes.received, changes.updated, changes.unchanged) == ((), (), 1)

    def test_a_changed_order_is_updated_with_the_previous_hash(self) -> None:
        before = content_hash(order())
        changes = classify([order(status="Canceled")], {"111-1": before})
        ((updated, previous),) = changes.updated
        assert updated.status == "Canceled" and previous == before

    def test_a_price_change_is_a_change(self) -> None:
        assert content_hash(order(price="10.00")) != content_hash(order(price="10.01"))

    def test_an_order_seen_twice_counts_once_in_its_latest_state(self) -> None:
        changes = classify(
            [order(status="Canceled", updated=T + timedelta(minutes=5)), order(status="Shipped")],
            {},
        )
        assert len(changes.received) == 1 and changes.received[0].status == "Canceled"
