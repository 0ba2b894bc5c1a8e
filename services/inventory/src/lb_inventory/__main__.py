from __future__ import annotations

from lb_common.service.cli import run_cli
from lb_inventory.bootstrap import build_inventory_app, build_inventory_runtime
from lb_inventory.settings import InventorySettings


def main() -> None:
    run_cli(
        name="inventory",
        settings_type=InventorySettings,
        build_runtime=build_inventory_runtime,
        build_app=build_inventory_app,
    )


if __name__ == "__main__":
    main()
