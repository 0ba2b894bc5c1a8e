"""Settlements as ingest publishes them: the report's summary and its lines aggregated to what
the books need (claim-check: the raw report stays in ingest, addressed by `raw_document_id`).

Invariant, checked on construction: the lines sum exactly to `total_amount`. A report whose rows
do not is never published; ingest holds it as inconsistent instead.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from lb_common.contracts.base import Message
from lb_common.contracts.types import Amount, CurrencyCode


class SettlementLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    day: date | None = Field(description="posted date in the marketplace's time; None if absent")
    marketplace_name: str | None = None
    transaction_type: str = Field(description="e.g. Order, Refund, ServiceFee, ''")
    amount_type: str = Field(description="e.g. ItemPrice, ItemFees, Promotion")
    amount_description: str = Field(description="e.g. Principal, Commission, Shipping")
    amount: Amount


class SettlementReceived(Message):
    routing_key: ClassVar[str] = "ingest.settlement.received.v1"

    seller_id: str = Field(min_length=1)
    settlement_id: str = Field(min_length=1)
    marketplace_id: str | None = None
    currency: CurrencyCode
    start: AwareDatetime
    end: AwareDatetime
    deposit_date: AwareDatetime | None = None
    total_amount: Amount
    raw_document_id: str = Field(min_length=1, description="ingest's copy of the report")
    lines: tuple[SettlementLine, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _lines_sum_to_total(self) -> SettlementReceived:
        total = sum((line.amount for line in self.lines), start=Decimal(0))
        if total != self.total_amount:
            raise ValueError(
                f"settlement {self.settlement_id} lines sum to {total}, "
                f"not its total-amount {self.total_amount}"
            )
        if self.end < self.start:
            raise ValueError("settlement end is before its start")
        return self
