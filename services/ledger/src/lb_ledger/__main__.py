from __future__ import annotations

from lb_ledger.bootstrap import SERVICE


def main() -> None:
    SERVICE.main()


if __name__ == "__main__":
    main()
