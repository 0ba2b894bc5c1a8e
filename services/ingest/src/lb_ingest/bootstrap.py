"""The ingest service's composition root: everything it is made of, declared once."""

from __future__ import annotations

from pathlib import Path

from lb_common.service.definition import ServiceDefinition
from lb_ingest.handlers import build_consumers
from lb_ingest.settings import IngestSettings
from lb_ingest.tables import metadata

SERVICE = ServiceDefinition(
    name="ingest",
    settings_type=IngestSettings,
    metadata=metadata,
    migrations_dir=Path(__file__).parent / "migrations",
    consumers=build_consumers,
)
MIGRATIONS = SERVICE.migrations_dir
build_ingest_runtime = SERVICE.build_runtime
build_ingest_app = SERVICE.build_app
