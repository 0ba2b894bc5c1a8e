from __future__ import annotations

from pydantic import Field, HttpUrl, SecretStr
from pydantic_settings import SettingsConfigDict

from lb_common.settings import ServiceSettings


class LedgerSettings(ServiceSettings):
    """Where the QBO client points: Intuit's production hosts by default."""

    model_config = SettingsConfigDict(env_prefix="LEDGER_", extra="ignore", frozen=True)

    http_port: int = 8002
    qbo_api_base: HttpUrl = Field(
        default=HttpUrl("https://quickbooks.api.intuit.com"),
        description="sandbox-quickbooks.api.intuit.com for Intuit sandboxes, or the emulator",
    )
    intuit_token_url: HttpUrl = Field(
        default=HttpUrl("https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer")
    )
    qbo_client_id: str = ""
    qbo_client_secret: SecretStr = SecretStr("changethis")
