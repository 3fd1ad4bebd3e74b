"""``python -m operator_tui [--config PATH] [--window N] [--login L]``: the same terminal as
``talon operator`` (the ``talon`` command wires the office's service to it)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    from talon.cli import main as talon

    args = list(sys.argv[1:] if argv is None else argv)
    config = []
    if args[:1] == ["--config"] and len(args) > 1:
        config, args = args[:2], args[2:]
    talon([*config, "operator", *args])


if __name__ == "__main__":
    main()
