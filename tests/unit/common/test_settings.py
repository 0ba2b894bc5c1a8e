from __future__ import annotations

import pytest
from pydantic import ValidationError

from lb_gateway.settings import GatewaySettings
from lb_ingest.settings import IngestSettings
from lb_ledger.settings import LedgerSettings


class TestSettings:
    def test_reads_its_own_prefix(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("LEDGER_QBO_API_BASE", "http://127.0.0.1:9002")
        monkeypatch.setenv("INGEST_QBO_API_BASE", "http://wrong")
        assert str(LedgerSettings().qbo_api_base) == "http://127.0.0.1:9002/"

    def test_dev_accepts_placeholder_secrets(self) -> None:
        assert GatewaySettings(environment="dev").api_key.get_secret_value() == "changethis"

    @pytest.mark.parametrize("environment", ["test", "prod"])
    def test_placeholder_secrets_fail_fast_outside_dev(self, environment: str) -> None:
        with pytest.raises(ValidationError, match="GATEWAY_API_KEY"):
            GatewaySettings(environment=environment)

    def test_a_real_secret_is_accepted_in_prod(self) -> None:
        settings = IngestSettings(environment="prod", lwa_client_secret="amzn1.oa2-cs.v1.real")
        assert settings.json_logs is True

    def test_database_url_must_be_asyncpg(self) -> None:
        with pytest.raises(ValidationError, match="postgresql\\+asyncpg"):
            GatewaySettings(database_url="mysql://root@localhost/db")

    def test_unix_socket_dsn_is_accepted(self) -> None:
        settings = GatewaySettings(database_url="postgresql+asyncpg://postgres@/lb?host=/tmp/s")
        assert "host=/tmp/s" in str(settings.database_url)

    def test_secrets_do_not_show_in_repr(self) -> None:
        settings = GatewaySettings(api_key="super-secret-key-1")
        assert "super-secret-key-1" not in repr(settings)

    def test_crash_hook_is_refused_in_prod(self) -> None:
        with pytest.raises(ValidationError, match="crash_at"):
            GatewaySettings(environment="prod", api_key="k" * 20, crash_at="anywhere")
