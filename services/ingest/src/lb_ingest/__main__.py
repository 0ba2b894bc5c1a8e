from __future__ import annotations

from lb_common.service.cli import run_cli
from lb_ingest.bootstrap import build_ingest_app, build_ingest_runtime
from lb_ingest.settings import IngestSettings


def main() -> None:
    run_cli(
        name="ingest",
        settings_type=IngestSettings,
        build_runtime=build_ingest_runtime,
        build_app=build_ingest_app,
    )


if __name__ == "__main__":
    main()
