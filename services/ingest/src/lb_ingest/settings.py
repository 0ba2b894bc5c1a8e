from __future__ import annotations

from pydantic import Field, HttpUrl, SecretStr
from pydantic_settings import SettingsConfigDict

from lb_common.settings import ServiceSettings


class IngestSettings(ServiceSettings):
    """Where the Amazon clients point: the real hosts by default, the emulator by configuration."""

    model_config = SettingsConfigDict(env_prefix="INGEST_", extra="ignore", frozen=True)

    http_port: int = 8001
    spapi_endpoint: HttpUrl = Field(
        default=HttpUrl("https://sellingpartnerapi-na.amazon.com"),
        description="SP-API regional endpoint (na, eu, fe) or the emulator",
    )
    lwa_token_url: HttpUrl = Field(default=HttpUrl("https://api.amazon.com/auth/o2/token"))
    lwa_client_id: str = ""
    lwa_client_secret: SecretStr = SecretStr("changethis")
