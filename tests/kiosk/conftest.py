"""Kiosk fixtures: the example office on a real SQLite file, a fixed clock, a printer we control."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from pathlib import Path

import pytest

from printer.printing import PrintOutcome
from queue_core import FixedClock, open_service
from queue_core.config import Config
from queue_core.domain import StorageError, TicketInfo
from queue_kiosk.app import KioskApp, build_app
from tests.conftest import OMSK, make_config


class RecordingPrinter:
    """Stands in for ``printer.jobs.print_and_record``: records the outcome on the ticket like it."""

    def __init__(self, ok: bool = True, message_ru: str = "Талон напечатан") -> None:
        self.ok, self.message_ru = ok, message_ru
        self.printed: list[TicketInfo] = []

    def __call__(self, service, ticket: TicketInfo, config: Config) -> PrintOutcome:  # noqa: ANN001
        self.printed.append(ticket)
        service.record_print(ticket.id, self.ok, "" if self.ok else self.message_ru)
        reason = "printed" if self.ok else "paper_out"
        return PrintOutcome(self.ok, reason, self.message_ru, "fake", "ok" if self.ok else "out")

    @property
    def codes(self) -> list[str]:
        return [t.code for t in self.printed]


class FlakyService:
    """A real service whose database can be "unplugged": while ``down``, every call raises
    StorageError before touching the database (nothing committed), as the real one does."""

    def __init__(self, real) -> None:  # noqa: ANN001
        self.real = real
        self.down = False
        self.hold = threading.Event()  # cleared: issue_ticket waits (a slow database)
        self.hold.set()
        self.issue_calls = 0

    def __getattr__(self, name: str):  # noqa: ANN204
        attr = getattr(self.real, name)
        if not callable(attr) or name in ("is_open",):  # office hours are computed, not read
            return attr

        def call(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            if self.down:
                raise StorageError("Нет связи с базой данных")
            return attr(*args, **kwargs)

        return call

    def issue_ticket(self, *args, **kwargs) -> TicketInfo:  # noqa: ANN002, ANN003
        self.issue_calls += 1
        self.hold.wait(5)
        if self.down:
            raise StorageError("Нет связи с базой данных")
        return self.real.issue_ticket(*args, **kwargs)


@pytest.fixture
def kiosk_config(tmp_path: Path) -> Config:
    return make_config(tmp_path)


@pytest.fixture
def svc(kiosk_config: Config, clock: FixedClock):  # noqa: ANN201
    service = open_service(kiosk_config, clock)
    yield service
    service.db.dispose()


@pytest.fixture
def fake_printer() -> RecordingPrinter:
    return RecordingPrinter()


@pytest.fixture
def make_kiosk(kiosk_config: Config, svc, clock: FixedClock, fake_printer: RecordingPrinter):  # noqa: ANN001, ANN201
    """``make_kiosk(**overrides)``: a kiosk on the test database with fast ticks and no tap guard."""

    def make(**kw) -> KioskApp:  # noqa: ANN003
        kw.setdefault("clock", clock)
        kw.setdefault("printer", fake_printer)
        kw.setdefault("tap_guard_s", 0)
        kw.setdefault("tick_s", 0.05)
        kw.setdefault("retry_s", 0.05)
        config = kw.pop("config", kiosk_config)
        service = kw.pop("service", svc)
        return build_app(config, service, **kw)

    return make


async def settle(pilot, app: KioskApp) -> None:  # noqa: ANN001
    """Let every worker finish and every message land (no sleeping on a guess). An exclusive
    worker replaced by a newer one (the reconnection check) counts as finished, and so does one
    that raised (the database away at a tap): what it shows is the app's to say."""
    from textual.worker import WorkerCancelled, WorkerFailed

    for _ in range(3):
        for worker in list(app.workers):
            with suppress(WorkerCancelled, WorkerFailed):
                await worker.wait()
        await pilot.pause()


async def tap(pilot, app: KioskApp, *keys: str) -> None:  # noqa: ANN001
    """Press ``keys`` as a person does: each on a screen that is already there. (Pressed in one
    burst, or the instant ``app.screen`` changed, a key can be made before the screen's resume
    has been handled, and the tap guard, rightly, drops it as a ghost tap.)"""
    for key in keys:
        await settle(pilot, app)
        await pilot.press(key)
    await settle(pilot, app)


async def wait_until(pilot, predicate: Callable[[], bool], tries: int = 100) -> bool:  # noqa: ANN001
    """Pause in small steps until ``predicate()`` holds (timers run on real time)."""
    for _ in range(tries):
        if predicate():
            return True
        await pilot.pause(0.02)
    return predicate()


def screen_text(app: KioskApp) -> str:
    """Every visible Static/Button text on the current screen, joined (what a person reads)."""
    from textual.widgets import Button, Static

    from queue_kiosk.widgets.big_text import BigText

    parts = []
    for w in app.screen.query("*"):
        if not w.display or not all(a.display for a in w.ancestors_with_self if hasattr(a, "display")):
            continue
        if isinstance(w, BigText):
            parts.append(w.text)
        elif isinstance(w, Button):
            parts.append(str(w.label))
        elif isinstance(w, Static):
            parts.append(str(w.render()))
    return "\n".join(parts)


def at(hour: int, minute: int = 0, day: int = 6) -> datetime:
    return datetime(2025, 10, day, hour, minute, tzinfo=OMSK)
