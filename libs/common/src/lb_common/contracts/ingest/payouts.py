"""Amazon payouts (closed financial event groups) as ingest publishes them."""

from __future__ import annotations

from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from lb_common.contracts.base import Message
from lb_common.contracts.types import Amount, CurrencyCode


class PayoutEventTotal(BaseModel):
    """The group's events summed per kind, e.g. (ShipmentEvent, ItemFees, Commission)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: str = Field(min_length=1, description="e.g. ShipmentEventList")
    charge_type: str = Field(min_length=1, description="e.g. Principal, Commission, FBAPerUnit…")
    currency: CurrencyCode
    amount: Amount


class PayoutClosed(Message):
    """A financial event group Amazon has closed: what the seller's bank will receive."""

    routing_key: ClassVar[str] = "ingest.payout.closed.v1"

    seller_id: str = Field(min_length=1)
    financial_event_group_id: str = Field(min_length=1)
    group_start: AwareDatetime
    group_end: AwareDatetime
    fund_transfer_date: AwareDatetime | None = None
    fund_transfer_status: str | None = None
    processing_status: str = Field(min_length=1)
    original_currency: CurrencyCode
    original_total: Amount
    converted_currency: CurrencyCode | None = None
    converted_total: Amount | None = None
    beginning_balance: Amount | None = None
    trace_id: str | None = None
    account_tail: str | None = None
    events: tuple[PayoutEventTotal, ...] = ()
