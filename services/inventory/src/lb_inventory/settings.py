from __future__ import annotations

from pydantic import Field, HttpUrl
from pydantic_settings import SettingsConfigDict

from lb_common.settings import ServiceSettings


class InventorySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INVENTORY_", extra="ignore", frozen=True)

    http_port: int = 8003
    spapi_endpoint: HttpUrl = Field(default=HttpUrl("https://sellingpartnerapi-na.amazon.com"))
    qbo_api_base: HttpUrl = Field(default=HttpUrl("https://quickbooks.api.intuit.com"))
