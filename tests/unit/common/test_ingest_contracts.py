from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from lb_common.contracts import (
    OrderReceived,
    PayoutClosed,
    SettlementReceived,
    default_registry,
)
from lb_common.contracts.ingest.orders import OrderItem, OrderSnapshot
from lb_common.contracts.ingest.settlements import SettlementLine

T = datetime(2026, 10, 31, 23, 0, tzinfo=UTC)


def order(**changes: object) -> OrderSnapshot:
    values: dict[str, object] = {
        "amazon_order_id": "113-1234567-1234567",
        "seller_id": "A2SELLER",
        "marketplace_id": "ATVPDKIKX0DER",
        "purchase_date": T,
        "last_updated": T,
        "status": "Shipped",
        "fulfillment_channel": "MFN",
        "currency": "usd",
        "items": (
            OrderItem(
                order_item_id="1",
                sku="MUG-RED",
                quantity_ordered=2,
                item_price=Decimal("25.98"),
                marketplace_facilitator_tax=Decimal("2.08"),
            ),
        ),
        "content_hash": "h1",
    }
    values.update(changes)
    return OrderSnapshot.model_validate(values)


def settlement(lines: list[tuple[str, str]], total: str) -> SettlementReceived:
    return SettlementReceived(
        tenant_id="t1",
        seller_id="A2SELLER",
        settlement_id="12345678901",
        currency="USD",
        start=T,
        end=T,
        total_amount=Decimal(total),
        raw_document_id="doc-1",
        lines=tuple(
            SettlementLine(
                day=date(2026, 10, 31),
                transaction_type=kind,
                amount_type="ItemPrice",
                amount_description="Principal",
                amount=Decimal(amount),
            )
            for kind, amount in lines
        ),
    )


class TestAmountsOnTheWire:
    def test_amounts_travel_as_exact_decimal_strings(self) -> None:
        message = OrderReceived(tenant_id="t1", order=order())
        body = json.loads(message.to_body())
        assert body["order"]["items"][0]["item_price"] == "25.98"
        assert body["order"]["currency"] == "USD"
        decoded = default_registry().decode(OrderReceived.routing_key, message.to_body())
        assert decoded == message

    def test_trailing_zeros_survive(self) -> None:
        body = json.loads(settlement([("Order", "10.10")], "10.10").to_body())
        assert body["total_amount"] == "10.10"

    def test_a_json_number_is_refused_not_rounded(self) -> None:
        body = json.loads(OrderReceived(tenant_id="t1", order=order()).to_body())
        body["order"]["items"][0]["item_price"] = 25.98
        with pytest.raises(Exception, match="float"):
            default_registry().decode(OrderReceived.routing_key, json.dumps(body).encode())

    def test_a_python_float_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="float"):
            OrderItem(order_item_id="1", sku="S", quantity_ordered=1, item_price=0.1)  # type: ignore[arg-type]


class TestOrders:
    def test_last_update_cannot_precede_purchase(self) -> None:
        with pytest.raises(ValidationError, match="last_updated"):
            order(last_updated=datetime(2026, 10, 1, tzinfo=UTC))

    def test_unknown_status_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="status"):
            order(status="Lost")


class TestSettlements:
    def test_lines_must_sum_to_the_total(self) -> None:
        with pytest.raises(ValidationError, match=r"sum to 9\.99, not its total-amount 10\.00"):
            settlement([("Order", "10.00"), ("Refund", "-0.01")], "10.00")

    def test_a_settlement_needs_lines(self) -> None:
        with pytest.raises(ValidationError):
            settlement([], "0")

    @given(
        st.lists(
            st.decimals(
                min_value=Decimal("-10000"),
                max_value=Decimal("10000"),
                places=2,
                allow_nan=False,
                allow_infinity=False,
            ),
            min_size=1,
            max_size=40,
        )
    )
    def test_any_lines_with_their_exact_sum_round_trip(self, amounts: list[Decimal]) -> None:
        total = sum(amounts, start=Decimal(0))
        message = settlement([("Order", str(a)) for a in amounts], str(total))
        decoded = default_registry().decode(SettlementReceived.routing_key, message.to_body())
        assert decoded == message
        assert sum((line.amount for line in decoded.lines), start=Decimal(0)) == total


class TestPayouts:
    def test_round_trip(self) -> None:
        payout = PayoutClosed(
            tenant_id="t1",
            seller_id="A2SELLER",
            financial_event_group_id="FEG-1",
            group_start=T,
            group_end=T,
            processing_status="Closed",
            original_currency="CAD",
            original_total=Decimal("1520.37"),
            converted_currency="USD",
            converted_total=Decimal("1101.12"),
        )
        decoded = default_registry().decode(PayoutClosed.routing_key, payout.to_body())
        assert decoded == payout
