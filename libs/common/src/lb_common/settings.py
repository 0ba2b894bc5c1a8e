"""Settings shared by every service; each service subclasses with its own env prefix.

Built once in the service's bootstrap and passed down, never imported as a global (STYLE.md §9).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, AmqpDsn, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

#: Values that mean "nobody set this": refused for any secret outside dev.
PLACEHOLDER_SECRETS = frozenset(
    {"", "changethis", "changeme", "change-me", "secret", "password", "dev", "test", "xxx", "todo"}
)


def _asyncpg_dsn(value: str) -> str:
    """A SQLAlchemy URL on the asyncpg driver; a Unix-socket host (`?host=/dir`) is allowed,
    which pydantic's URL types refuse (empty host) and embedded PostgreSQL needs."""
    try:
        url = make_url(value)
    except ArgumentError as exc:
        raise ValueError(f"not a database URL: {exc}") from None
    if url.drivername != "postgresql+asyncpg":
        raise ValueError("database URLs must use the postgresql+asyncpg:// scheme")
    if not url.database:
        raise ValueError("the database URL must name a database")
    return value


AsyncPostgresDsn = Annotated[str, AfterValidator(_asyncpg_dsn)]


class Environment(StrEnum):
    DEV = "dev"
    TEST = "test"
    PROD = "prod"


class BusKind(StrEnum):
    RABBITMQ = "rabbitmq"
    INPROCESS = "inprocess"


class ServiceSettings(BaseSettings):
    """Fields every service has. Subclasses set `model_config` with their env prefix."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    environment: Environment = Environment.DEV
    database_url: AsyncPostgresDsn = Field(
        default="postgresql+asyncpg://postgres@127.0.0.1:5432/ledgerbridge",
        description="asyncpg DSN; the service keeps its tables in its own schema.",
    )
    amqp_url: AmqpDsn = Field(default=AmqpDsn("amqp://guest:guest@127.0.0.1:5672/"))
    bus: BusKind = BusKind.RABBITMQ
    exchange: str = Field(default="ledgerbridge", description="durable topic exchange")
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    log_json: bool | None = Field(default=None, description="JSON logs; default: on outside dev")
    log_level: str = "INFO"
    auto_migrate: bool = Field(default=False, description="run migrations at start-up")
    prefetch: int = Field(default=16, ge=1, le=200)
    delivery_limit: int = Field(default=15, ge=1, le=100)
    relay_batch_size: int = Field(default=100, ge=1, le=1000)
    relay_poll_seconds: float = Field(default=1.0, gt=0)
    relay_lease_seconds: float = Field(default=30.0, gt=0)
    crash_at: str | None = Field(
        default=None, description="chaos tests only: kill the process at this named point"
    )

    @property
    def json_logs(self) -> bool:
        return self.log_json if self.log_json is not None else self.environment != Environment.DEV

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> ServiceSettings:
        if self.crash_at is not None and self.environment == Environment.PROD:
            raise ValueError("crash_at is a chaos-test hook and is refused in prod")
        if self.environment == Environment.DEV:
            return self
        weak = [
            name
            for name, value in self
            if isinstance(value, SecretStr)
            and value.get_secret_value().strip().lower() in PLACEHOLDER_SECRETS
        ]
        if weak:
            prefix = str(self.model_config.get("env_prefix", ""))
            names = ", ".join(f"{prefix}{n}".upper() for n in sorted(weak))
            raise ValueError(
                f"{names}: set a real secret; placeholders are refused outside dev "
                f"(environment={self.environment.value})"
            )
        return self
