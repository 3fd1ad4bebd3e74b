"""``python -m operator_tui [--config PATH] [--window N] [--login L]``."""

from __future__ import annotations

import argparse
import sys

from queue_core.config import ConfigError, load_config


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m operator_tui", description="Talon: терминал оператора")
    parser.add_argument("--config", help="файл конфигурации (иначе TALON_CONFIG или ./config.toml)")
    parser.add_argument("--window", "-w", type=int, help="номер окна (иначе выбор на экране входа)")
    parser.add_argument("--login", "-l", help="логин (подставится на экране входа)")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as e:
        print(f"ошибка конфигурации: {e}", file=sys.stderr)
        sys.exit(2)
    if args.window is not None and args.window not in {w.number for w in config.windows}:
        print(f"ошибка: --window: окна {args.window} нет в конфигурации", file=sys.stderr)
        sys.exit(2)
    from .app import run_operator

    run_operator(config, window=args.window, login=args.login)


if __name__ == "__main__":
    main()
