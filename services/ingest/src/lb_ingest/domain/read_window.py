"""Which time window the next read of a stream covers. Pure: `now` is passed in.

- A tenant's first read starts at its integration start date.
- Later reads start a safe overlap before the cursor: Amazon makes changes visible late (an
  order's LastUpdatedDate can lag its real update), and re-reading costs only a hash comparison
  because unchanged orders are never republished.
- Every read ends at least two minutes before now: SP-API refuses `*Before` values closer to
  the request time than that (SP-API.md §4.5), and data younger than that is not settled yet.
- A window longer than the API allows (180 days for Finances) is split into consecutive pieces.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

#: SP-API's two-minute rule for *Before parameters, plus a little clock-skew margin.
AMAZON_SETTLE_DELAY = timedelta(minutes=2, seconds=30)
DEFAULT_OVERLAP = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class ReadWindow:
    start: datetime
    end: datetime


def next_window(
    *,
    cursor: datetime | None,
    integration_start: datetime,
    now: datetime,
    overlap: timedelta = DEFAULT_OVERLAP,
    settle_delay: timedelta = AMAZON_SETTLE_DELAY,
) -> ReadWindow | None:
    """The window to read now, or None when there is nothing new enough to read yet."""
    for value in (cursor, integration_start, now):
        if value is not None and value.tzinfo is None:
            raise ValueError("read windows need timezone-aware datetimes")
    end = now - settle_delay
    start = integration_start if cursor is None else max(integration_start, cursor - overlap)
    if start >= end:
        return None
    return ReadWindow(start, end)


def split_window(window: ReadWindow, longest: timedelta) -> tuple[ReadWindow, ...]:
    """Consecutive windows no longer than `longest` that exactly cover `window`."""
    if longest <= timedelta(0):
        raise ValueError("the longest window must be positive")
    pieces: list[ReadWindow] = []
    start = window.start
    while start < window.end:
        end = min(start + longest, window.end)
        pieces.append(ReadWindow(start, end))
        start = end
    return tuple(pieces)
