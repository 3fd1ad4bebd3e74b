"""``python -m queue_kiosk [--config PATH]``: the same kiosk as ``talon kiosk`` (the ``talon``
command wires the office's service to it)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    from talon.cli import main as talon

    talon([*(sys.argv[1:] if argv is None else argv), "kiosk"])


if __name__ == "__main__":
    main()
