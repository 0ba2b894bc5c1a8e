from __future__ import annotations

from lb_common.service.cli import run_cli
from lb_gateway.bootstrap import build_gateway_app, build_gateway_runtime
from lb_gateway.settings import GatewaySettings


def main() -> None:
    run_cli(
        name="gateway",
        settings_type=GatewaySettings,
        build_runtime=build_gateway_runtime,
        build_app=build_gateway_app,
    )


if __name__ == "__main__":
    main()
