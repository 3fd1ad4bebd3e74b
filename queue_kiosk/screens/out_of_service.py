"""Shown while the database cannot be reached; the app retries and removes it by itself."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from queue_kiosk.screens.base import KioskScreen


class OutOfServiceScreen(KioskScreen):
    """«Терминал временно не работает, обратитесь к информатору» — nothing to press. ``note`` (e.g.
    a wrong clock) tells the staff what to fix, in place of «Подключаемся…»."""

    def __init__(self, note: str = "") -> None:
        super().__init__()
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(id="out-of-service"):
            yield Static("Терминал временно не работает", id="oos-title")
            yield Static("Обратитесь к информатору", id="oos-text")
        yield Static(self.note or "Подключаемся к базе данных…", classes="hint")

    def on_key(self, event: events.Key) -> None:
        event.stop()  # no key leaks to the screens below
