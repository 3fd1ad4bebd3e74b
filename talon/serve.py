"""Serve a Talon app in a browser with textual-serve (``talon serve kiosk|board|operator``)."""

from __future__ import annotations

import shlex
import sys

from queue_core.config import Config


def serve(config: Config, what: str, *, host: str = "127.0.0.1", port: int = 8000, window: int | None = None) -> None:
    """Run a web server on host:port; each browser tab gets its own app process."""
    from textual_serve.server import Server

    args = [sys.executable, "-m", "talon"]
    if config.path:
        args += ["--config", str(config.path)]
    args.append(what)
    if what == "operator" and window is not None:
        args += ["--window", str(window)]
    titles = {"kiosk": "Talon — киоск", "board": "Talon — табло", "operator": "Talon — оператор"}
    Server(shlex.join(args), host=host, port=port, title=titles[what]).serve()
