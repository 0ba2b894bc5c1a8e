"""Amazon orders as ingest publishes them: normalized, with every amount the books may need.

Amounts are per line as Amazon reports them (an item's price is for its whole quantity), in the
order's currency. Marketplace facilitator tax is carried separately from tax the seller collects,
because the seller must book it so that it nets to zero.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from lb_common.contracts.base import Message
from lb_common.contracts.types import Amount, CurrencyCode

ZERO = Decimal(0)


class FulfillmentChannel(StrEnum):
    AMAZON = "AFN"  # FBA
    MERCHANT = "MFN"  # FBM


class OrderStatus(StrEnum):
    PENDING = "Pending"
    UNSHIPPED = "Unshipped"
    PARTIALLY_SHIPPED = "PartiallyShipped"
    SHIPPED = "Shipped"
    CANCELED = "Canceled"
    UNFULFILLABLE = "Unfulfillable"
    INVOICE_UNCONFIRMED = "InvoiceUnconfirmed"
    PENDING_AVAILABILITY = "PendingAvailability"


class OrderItem(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    order_item_id: str = Field(min_length=1)
    sku: str = Field(min_length=1, description="the seller's SKU; what items are matched on")
    asin: str | None = None
    title: str | None = None
    quantity_ordered: int = Field(ge=0)
    quantity_shipped: int = Field(default=0, ge=0)
    item_price: Amount = ZERO
    item_tax: Amount = ZERO
    shipping_price: Amount = ZERO
    shipping_tax: Amount = ZERO
    shipping_discount: Amount = ZERO
    promotion_discount: Amount = ZERO
    gift_wrap_price: Amount = ZERO
    gift_wrap_tax: Amount = ZERO
    marketplace_facilitator_tax: Amount = ZERO
    promotion_ids: tuple[str, ...] = ()


class OrderSnapshot(BaseModel):
    """What an order looks like at one moment; the same shape for received and updated."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    amazon_order_id: str = Field(min_length=1, max_length=64)
    seller_id: str = Field(min_length=1, description="the selling partner id")
    marketplace_id: str = Field(min_length=1)
    purchase_date: AwareDatetime
    last_updated: AwareDatetime
    status: OrderStatus
    fulfillment_channel: FulfillmentChannel
    currency: CurrencyCode
    order_total: Amount | None = None
    buyer_name: str | None = None
    company_name: str | None = None
    is_business_order: bool = False
    sales_channel: str | None = None
    items: tuple[OrderItem, ...] = ()
    content_hash: str = Field(
        min_length=1, description="hash of what the books depend on; a change means re-check"
    )

    @model_validator(mode="after")
    def _dates_in_order(self) -> OrderSnapshot:
        purchased: datetime = self.purchase_date
        if self.last_updated < purchased:
            raise ValueError("last_updated is before purchase_date")
        return self


class OrderReceived(Message):
    """An order ingest has not published before."""

    routing_key: ClassVar[str] = "ingest.order.received.v1"
    order: OrderSnapshot


class OrderUpdated(Message):
    """An order ingest published before whose content (its `content_hash`) has changed."""

    routing_key: ClassVar[str] = "ingest.order.updated.v1"
    order: OrderSnapshot
    previous_hash: str = Field(min_length=1)
