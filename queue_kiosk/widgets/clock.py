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


class OfficeTime:
    """For a widget showing the office-local time: :meth:`show` at once, then every second (the widget
    owns its timer). Mixed in before the container class it draws with."""

    def __init__(self, clock: Clock, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)  # the container's
        self.clock = clock

    def on_mount(self) -> None:
        self.tick()
        self.set_interval(1.0, self.tick)

    def tick(self) -> None:
        self.show(self.clock.now().astimezone(self.clock.tz))

    def show(self, local: datetime) -> None:
        raise NotImplementedError


class KioskClock(OfficeTime, Vertical):
    """``09:00`` over ``понедельник, 6 октября``, in the office time zone of ``clock``.

    On a tall screen (the ``-tall`` breakpoint class) the time is drawn in block letters."""

    DEFAULT_CSS = """
    KioskClock { width: auto; height: auto; align-horizontal: right; }
    KioskClock > #time { width: auto; text-style: bold; }
    KioskClock > #time-big { width: auto; height: auto; }
    KioskClock > #date { width: auto; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="time")
        yield BigText(id="time-big", max_scale=1)
        yield Static(id="date")

    def show(self, local: datetime) -> None:
        self.query_one("#time", Static).update(f"{local:%H:%M}")
        self.query_one("#time-big", BigText).text = f"{local:%H:%M}"
        self.query_one("#date", Static).update(date_ru(local))
