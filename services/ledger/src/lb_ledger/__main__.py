from __future__ import annotations

from lb_common.service.cli import run_cli
from lb_ledger.bootstrap import build_ledger_app, build_ledger_runtime
from lb_ledger.settings import LedgerSettings


def main() -> None:
    run_cli(
        name="ledger",
        settings_type=LedgerSettings,
        build_runtime=build_ledger_runtime,
        build_app=build_ledger_app,
    )


if __name__ == "__main__":
    main()
