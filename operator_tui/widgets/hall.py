"""The whole hall at a glance: every window, every service's queue, who waits past target, and
tickets the kiosk could not print (the informator reprints them)."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label

from queue_core.config import Config
from queue_core.domain import QueueSnapshot

from .tables import ServiceQueueTable, TicketsTable, WindowsTable


class HallView(Horizontal):
    DEFAULT_CSS = """
    HallView { height: 1fr; }
    HallView > Vertical { height: 100%; }
    HallView #hall-left { width: 1fr; }
    HallView #hall-right { width: 38; padding-left: 1; }
    HallView .section { text-style: bold; color: $accent; margin-top: 1; }
    HallView .section.-alarm { color: $error; }
    """

    def __init__(self, config: Config, *, reprint: bool = False, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.config, self.reprint = config, reprint

    def compose(self) -> ComposeResult:
        with Vertical(id="hall-left"):
            yield Label("Окна", classes="section")
            yield WindowsTable(self.config, id="hall-windows")
            yield Label("Очереди по услугам", classes="section", id="hall-queues-title")
            yield ServiceQueueTable(self.config, target=False, name_width=18, id="hall-services")
        with Vertical(id="hall-right"):
            yield from self.side()
            yield Label("Ждут дольше цели", classes="section", id="late-title")
            yield TicketsTable(self.config, id="hall-late")
            yield Label("Сбои печати", classes="section", id="faults-title")
            yield TicketsTable(self.config, selectable=self.reprint, id="hall-faults")

    def side(self) -> ComposeResult:
        yield from ()

    def show(self, snap: QueueSnapshot, now: datetime) -> None:
        age = max(0.0, (now - snap.at).total_seconds())
        self.query_one("#hall-windows", WindowsTable).show(snap.windows, now)
        self.query_one("#hall-services", ServiceQueueTable).show(snap.services, age)
        self.query_one("#hall-queues-title", Label).update(f"Очереди по услугам — ждут {snap.waiting_total}")
        self.query_one("#late-title", Label).update(f"Ждут дольше цели: {len(snap.past_target)}")
        self.query_one("#late-title", Label).set_class(bool(snap.past_target), "-alarm")
        self.query_one("#hall-late", TicketsTable).show(snap.past_target, now)
        faults = self.query_one("#faults-title", Label)
        faults.set_class(bool(snap.print_faults), "-alarm")
        self.query_one("#hall-faults", TicketsTable).show(snap.print_faults, now)
        self.query_one("#hall-faults", TicketsTable).display = bool(snap.print_faults)
        if not snap.print_faults:
            faults.update("Сбоев печати нет")
        else:
            faults.update(f"Сбои печати: {len(snap.print_faults)}" + (" (F6 — напечатать)" if self.reprint else ""))

    @property
    def faults(self) -> TicketsTable:
        return self.query_one("#hall-faults", TicketsTable)
