from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lb_ingest.domain.read_window import (
    AMAZON_SETTLE_DELAY,
    ReadWindow,
    next_window,
    split_window,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
START = datetime(2026, 9, 1, tzinfo=UTC)


class TestNextWindow:
    def test_first_read_starts_at_the_integration_start_date(self) -> None:
        window = next_window(cursor=None, integration_start=START, now=NOW)
        assert window == ReadWindow(START, NOW - AMAZON_SETTLE_DELAY)

    def test_later_reads_overlap_the_cursor(self) -> None:
        cursor = NOW - timedelta(hours=1)
        window = next_window(
            cursor=cursor, integration_start=START, now=NOW, overlap=timedelta(minutes=30)
        )
        assert window is not None and window.start == cursor - timedelta(minutes=30)

    def test_overlap_never_reaches_before_the_integration_start(self) -> None:
        window = next_window(cursor=START + timedelta(minutes=5), integration_start=START, now=NOW)
        assert window is not None and window.start == START

    def test_every_window_ends_at_least_two_minutes_before_now(self) -> None:
        window = next_window(cursor=None, integration_start=START, now=NOW)
        assert window is not None and NOW - window.end >= timedelta(minutes=2)

    def test_nothing_to_read_when_the_cursor_is_too_recent(self) -> None:
        assert (
            next_window(
                cursor=NOW,
                integration_start=NOW - timedelta(minutes=1),
                now=NOW,
                overlap=timedelta(0),
            )
            is None
        )

    def test_naive_datetimes_are_refused(self) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            next_window(cursor=None, integration_start=datetime(2026, 1, 1), now=NOW)


class TestSplitWindow:
    @given(
        days=st.integers(min_value=1, max_value=2000),
        longest=st.integers(min_value=1, max_value=400),
    )
    def test_pieces_cover_the_window_exactly_and_respect_the_limit(
        self, days: int, longest: int
    ) -> None:
        window = ReadWindow(START, START + timedelta(days=days))
        pieces = split_window(window, timedelta(days=longest))
        assert pieces[0].start == window.start and pieces[-1].end == window.end
        assert all(a.end == b.start for a, b in zip(pieces, pieces[1:], strict=False))
        assert all(p.end - p.start <= timedelta(days=longest) for p in pieces)
