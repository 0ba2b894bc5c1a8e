from __future__ import annotations

import json
import logging

import pytest
from pydantic import SecretStr

from lb_common.logging import bind_context, configure_logging, get_logger


@pytest.fixture
def json_logs(capsys: pytest.CaptureFixture[str]) -> pytest.CaptureFixture[str]:
    configure_logging(json=True, level="INFO")
    return capsys


def last_line(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    parsed: dict[str, object] = json.loads(lines[-1])
    return parsed


class TestLogging:
    def test_json_lines_carry_bound_context_ids(
        self, json_logs: pytest.CaptureFixture[str]
    ) -> None:
        with bind_context(tenant_id="t1", run_id="r1", message_id="m1", correlation_id="c1"):
            get_logger("test").info("ledger.posting.created", qbo_txn_id="42")
        line = last_line(json_logs)
        assert line["event"] == "ledger.posting.created"
        assert {line["tenant_id"], line["run_id"], line["message_id"], line["correlation_id"]} == {
            "t1",
            "r1",
            "m1",
            "c1",
        }

    def test_context_does_not_leak_after_the_block(
        self, json_logs: pytest.CaptureFixture[str]
    ) -> None:
        with bind_context(tenant_id="t1"):
            pass
        get_logger("test").info("after")
        assert "tenant_id" not in last_line(json_logs)

    def test_secrets_are_never_written(self, json_logs: pytest.CaptureFixture[str]) -> None:
        get_logger("test").info(
            "oauth.refreshed",
            access_token="eyJ-very-secret",
            client=SecretStr("abc"),
            headers={"Authorization": "Bearer xyz", "Accept": "json"},
        )
        raw = json.dumps(last_line(json_logs))
        for secret in ("eyJ-very-secret", 'abc"', "Bearer xyz"):
            assert secret not in raw
        assert "json" in raw

    def test_standard_library_records_are_rendered_too(
        self, json_logs: pytest.CaptureFixture[str]
    ) -> None:
        logging.getLogger("uvicorn.error").warning("stdlib says %s", "hi")
        line = last_line(json_logs)
        assert line["event"] == "stdlib says hi"
        assert line["level"] == "warning"
