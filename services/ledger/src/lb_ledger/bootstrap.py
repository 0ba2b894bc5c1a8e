"""The ledger service's composition root: everything it is made of, declared once."""

from __future__ import annotations

from pathlib import Path

from lb_common.service.definition import ServiceDefinition
from lb_ledger.handlers import build_consumers
from lb_ledger.settings import LedgerSettings
from lb_ledger.tables import metadata

SERVICE = ServiceDefinition(
    name="ledger",
    settings_type=LedgerSettings,
    metadata=metadata,
    migrations_dir=Path(__file__).parent / "migrations",
    consumers=build_consumers,
)
MIGRATIONS = SERVICE.migrations_dir
build_ledger_runtime = SERVICE.build_runtime
build_ledger_app = SERVICE.build_app
