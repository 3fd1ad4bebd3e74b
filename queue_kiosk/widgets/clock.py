"""The office-local time and date in the kiosk's header; the widget owns its timer."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from queue_core.clock import Clock
from queue_kiosk.widgets.big_text import BigText

WEEKDAYS_RU = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")
MONTHS_RU = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
             "октября", "ноября", "декабря")


def date_ru(local: datetime) -> str:
    """``понедельник, 6 октября`` — the date as a visitor reads it."""
    return f"{WEEKDAYS_RU[local.weekday()]}, {local.day} {MONTHS_RU[local.month - 1]}"


class KioskClock(Vertical):
    """``09:00`` over ``понедельник, 6 октября``, in the office time zone of ``clock``.

    On a tall screen (the ``-tall`` breakpoint class) the time is drawn in block letters."""

    DEFAULT_CSS = """
    KioskClock { width: auto; height: auto; align-horizontal: right; }
    KioskClock > #time { width: auto; text-style: bold; }
    KioskClock > #time-big { width: auto; height: auto; }
    KioskClock > #date { width: auto; }
    """

    def __init__(self, clock: Clock, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.clock = clock

    def compose(self) -> ComposeResult:
        yield Static(id="time")
        yield BigText(id="time-big", max_scale=1)
        yield Static(id="date")

    def on_mount(self) -> None:
        self.refresh_time()
        self.set_interval(1.0, self.refresh_time)

    def refresh_time(self) -> None:
        local = self.clock.now().astimezone(self.clock.tz)
        self.query_one("#time", Static).update(f"{local:%H:%M}")
        self.query_one("#time-big", BigText).text = f"{local:%H:%M}"
        self.query_one("#date", Static).update(date_ru(local))
