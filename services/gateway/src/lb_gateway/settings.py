from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from lb_common.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", frozen=True)

    http_port: int = 8000
    api_key: SecretStr = Field(
        default=SecretStr("changethis"),
        description="static API key until partner keys arrive; placeholders refused outside dev",
    )
    pipeline_sources: tuple[str, ...] = Field(
        default=("ingest",),
        description="services whose completion finishes a sync run",
        min_length=1,
    )
