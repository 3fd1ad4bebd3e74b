"""«Ожидают» per service at the foot of the board: a cell per service, or one line when narrow."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from queue_kiosk.board_feed import WaitingLine


class WaitingCell(Static):
    """One service: its letter and name, and how many wait."""

    def show(self, line: WaitingLine) -> None:
        self.update(f"[b]{line.prefix}[/]  {line.name}\nожидают: [b]{line.waiting}[/]")


class WaitingBar(Horizontal):
    """Cells on a wide screen; on a narrow one a single line «Ожидают: А 3 · Б 0 …»."""

    def __init__(self, lines: tuple[WaitingLine, ...]) -> None:
        super().__init__(id="waiting-bar")
        self.lines = lines

    def compose(self) -> ComposeResult:
        yield Static(id="waiting-line")
        for line in self.lines:
            yield WaitingCell(classes="waiting-cell", id=f"waiting-{_slug(line.prefix)}")

    def on_mount(self) -> None:
        self.show(self.lines)

    def show(self, lines: tuple[WaitingLine, ...]) -> None:
        self.lines = lines
        short = "  ·  ".join(f"[b]{w.prefix}[/] {w.waiting}" for w in lines)
        self.query_one("#waiting-line", Static).update(f"Ожидают:  {short}")
        for line in lines:
            for cell in self.query(f"#waiting-{_slug(line.prefix)}").results(WaitingCell):
                cell.show(line)


def _slug(prefix: str) -> str:
    return "-".join(str(ord(c)) for c in prefix)
