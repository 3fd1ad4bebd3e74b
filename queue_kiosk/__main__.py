"""``python -m queue_kiosk [--config PATH]`` — the same kiosk as ``talon kiosk``."""

from __future__ import annotations

import argparse
import sys

from queue_core.config import ConfigError, load_config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m queue_kiosk", description="Киоск выдачи талонов Talon")
    parser.add_argument("--config", help="файл конфигурации (по умолчанию TALON_CONFIG или ./config.toml)")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as e:
        print(f"Ошибка конфигурации: {e}", file=sys.stderr)
        return 2
    from queue_kiosk.app import run_kiosk

    run_kiosk(config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
