from __future__ import annotations

import pytest

from lb_common.messaging.inprocess import topic_matches


class TestTopicMatching:
    @pytest.mark.parametrize(
        ("binding", "key", "expected"),
        [
            ("gateway.sync.requested.v1", "gateway.sync.requested.v1", True),
            ("*.sync.progressed.v1", "ingest.sync.progressed.v1", True),
            ("*.sync.progressed.v1", "a.b.sync.progressed.v1", False),
            ("a.*.c", "a.c", False),
            ("#", "anything.at.all", True),
            ("a.#", "a", True),
            ("a.#", "a.b.c", True),
            ("#.c", "c", True),
            ("a.#.z", "a.z", True),
            ("a.#.z", "a.b.c.z", True),
            ("a.#.z", "a.bz", False),
            ("a.b", "a.b.c", False),
            ("*", "a.b", False),
        ],
    )
    def test_follows_amqp_topic_rules(self, binding: str, key: str, expected: bool) -> None:
        assert topic_matches(binding, key) is expected
