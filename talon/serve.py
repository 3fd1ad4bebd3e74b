"""Serve a Talon app in a browser with textual-serve (``talon serve kiosk|board|operator``).

The page is Talon's own template (``talon/web/app_index.html``): it loads no fonts from the
internet (textual-serve's stock page asks fonts.googleapis.com for Roboto Mono; ours declares the
copy textual-serve already ships under /static), reloads itself when the app's socket drops so a
TV never stays on «Session ended», and plays a chime on the app's terminal bell.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from queue_core.config import Config

if TYPE_CHECKING:
    from textual_serve.server import Server

WEB_DIR = Path(__file__).resolve().parent / "web"
TITLES = {"kiosk": "Talon — киоск", "board": "Talon — табло", "operator": "Talon — оператор"}


def app_command(config: Config, what: str, window: int | None = None) -> str:
    """The shell command textual-serve starts for each browser tab."""
    args = [sys.executable, "-m", "talon"]
    if config.path:
        args += ["--config", str(config.path)]
    args.append(what)
    if what == "operator" and window is not None:
        args += ["--window", str(window)]
    return shlex.join(args)


def make_server(config: Config, what: str, *, host: str = "127.0.0.1", port: int = 8000,
                window: int | None = None) -> Server:
    """A textual-serve server for ``what`` with Talon's page template."""
    from textual_serve.server import Server

    return Server(app_command(config, what, window), host=host, port=port, title=TITLES[what],
                  templates_path=WEB_DIR)


def serve(config: Config, what: str, *, host: str = "127.0.0.1", port: int = 8000, window: int | None = None) -> None:
    """Run a web server on host:port; each browser tab gets its own app process."""
    make_server(config, what, host=host, port=port, window=window).serve()
