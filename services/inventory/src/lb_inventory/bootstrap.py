"""The inventory service's composition root: everything it is made of, declared once."""

from __future__ import annotations

from pathlib import Path

from lb_common.service.definition import ServiceDefinition
from lb_inventory.handlers import build_consumers
from lb_inventory.settings import InventorySettings
from lb_inventory.tables import metadata

SERVICE = ServiceDefinition(
    name="inventory",
    settings_type=InventorySettings,
    metadata=metadata,
    migrations_dir=Path(__file__).parent / "migrations",
    consumers=build_consumers,
)
MIGRATIONS = SERVICE.migrations_dir
build_inventory_runtime = SERVICE.build_runtime
build_inventory_app = SERVICE.build_app
