"""The board's top line: office name, «нет связи» when the database is gone, date and clock."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Static

from queue_core.clock import Clock
from queue_kiosk.widgets.clock import OfficeTime

MONTHS_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
                   "сентября", "октября", "ноября", "декабря")
WEEKDAYS_SHORT = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")


class BoardClock(OfficeTime, Horizontal):
    """Office-local date and time; refreshes itself every second (the date hides on a narrow screen)."""

    def compose(self) -> ComposeResult:
        yield Static(id="board-date")
        yield Static(id="board-time")

    def show(self, local: datetime) -> None:
        self.query_one("#board-date", Static).update(
            f"{WEEKDAYS_SHORT[local.weekday()]}, {local.day} {MONTHS_GENITIVE[local.month - 1]}")
        self.query_one("#board-time", Static).update(f"{local:%H:%M}")


class LinkMark(Static):
    """A small red mark while the database does not answer (with ``note``, e.g. a wrong clock, in
    place of «нет связи»); empty otherwise."""

    online: reactive[bool] = reactive(True)
    note: reactive[str] = reactive("")

    def watch_online(self, online: bool) -> None:
        self.update("" if online else f"● {self.note or 'нет связи'}")
        self.set_class(not online, "-offline")

    def watch_note(self, _note: str) -> None:
        self.watch_online(self.online)


class BoardHeader(Horizontal):
    def __init__(self, office_name: str, clock: Clock) -> None:
        super().__init__(id="board-header")
        self.office_name = office_name
        self.clock = clock

    def compose(self) -> ComposeResult:
        yield Static(self.office_name, id="office-name")
        yield LinkMark(id="link-mark")
        yield BoardClock(self.clock, id="board-clock")
