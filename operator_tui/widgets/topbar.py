"""The line at the top: who works where, the office, the office-local time."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label

from ..parts import Parts


class TopBar(Parts, Horizontal):
    DEFAULT_CSS = """
    TopBar { width: 100%; height: 1; background: $primary; color: $text; padding: 0 1; }
    TopBar > #top-left { text-style: bold; width: 1fr; }
    TopBar > #top-right { width: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._texts = ("", "")

    def compose(self) -> ComposeResult:
        yield Label(id="top-left")
        yield Label(id="top-right")

    def set_parts(self, left: str, right: str) -> None:
        if (left, right) == self._texts:
            return
        self._texts = (left, right)
        self.part("#top-left", Label).update(left)
        self.part("#top-right", Label).update(right)
