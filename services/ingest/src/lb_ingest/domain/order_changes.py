"""Which fetched orders to publish: new ones as received, changed ones as updated. Pure.

An order's `content_hash` covers what the books depend on (status, items, amounts, channel,
buyer and company names) and not what changes without mattering (LastUpdatedDate alone), so a
re-read of an overlapping window publishes nothing for orders that did not change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lb_common.contracts.ingest.orders import OrderSnapshot

#: Fields that do not change what the books say; left out of the hash.
_NOT_HASHED = frozenset({"last_updated", "content_hash"})


def content_hash(order: OrderSnapshot) -> str:
    """A stable hash of the order's bookkeeping content (key order and whitespace free)."""
    data: dict[str, Any] = order.model_dump(mode="json", exclude=set(_NOT_HASHED))
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def with_content_hash(order: OrderSnapshot) -> OrderSnapshot:
    return order.model_copy(update={"content_hash": content_hash(order)})


@dataclass(frozen=True, slots=True)
class OrderChanges:
    received: tuple[OrderSnapshot, ...]
    updated: tuple[tuple[OrderSnapshot, str], ...]  # (order, previous hash)
    unchanged: int


def classify(fetched: Iterable[OrderSnapshot], published_hashes: Mapping[str, str]) -> OrderChanges:
    """Split fetched orders by what was published before (amazon_order_id → content hash).

    An order fetched twice in one read (pages can overlap while Amazon updates it) counts once,
    in its latest state.
    """
    latest: dict[str, OrderSnapshot] = {}
    for order in fetched:
        seen = latest.get(order.amazon_order_id)
        if seen is None or order.last_updated >= seen.last_updated:
            latest[order.amazon_order_id] = order
    received: list[OrderSnapshot] = []
    updated: list[tuple[OrderSnapshot, str]] = []
    unchanged = 0
    for order_id in sorted(latest):
        order = with_content_hash(latest[order_id])
        previous = published_hashes.get(order_id)
        if previous is None:
            received.append(order)
        elif previous != order.content_hash:
            updated.append((order, previous))
        else:
            unchanged += 1
    return OrderChanges(tuple(received), tuple(updated), unchanged)
