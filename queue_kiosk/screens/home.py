"""Home: the office, the clock, and a big button per service with how many wait for it."""

from __future__ import annotations

from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from queue_core.config import WEEKDAYS, ServiceConfig
from queue_kiosk.messages import CountsLoaded
from queue_kiosk.screens.base import KioskScreen
from queue_kiosk.widgets.clock import KioskClock

SEGMENTS = (("b2c", "Физическим лицам"), ("b2b", "Юридическим лицам"))
COUNTS_POLL_S = 2.0


def waiting_label(n: int | None) -> str:
    return "" if n is None else f"В очереди: {n}"


class HomeScreen(KioskScreen):
    """The screen a visitor walks up to. Outside office hours it shows the hours and no buttons."""

    BINDINGS = [Binding(str(n), f"pick({n})", show=False) for n in range(1, 10)]

    def __init__(self) -> None:
        super().__init__()
        self._changed_token: int | None = None
        self._counts: dict[str, int] = {}
        self._state: tuple | None = None

    @property
    def services(self) -> list[ServiceConfig]:
        """Active services in the order of the buttons (and of keys 1–9)."""
        active = [s for s in self.app.config.services if s.active]
        return [s for seg, _ in SEGMENTS for s in active if s.segment == seg]

    def compose(self) -> ComposeResult:
        office = self.app.config.office
        with Horizontal(id="header"):
            with Vertical(id="office"):
                yield Static(office.company, id="company")
                yield Static(office.name, id="office-name")
            yield KioskClock(self.app.clock, id="clock")
        yield Static("Выберите услугу", id="prompt", classes="prompt")
        services = self.services
        with Horizontal(id="services"):
            for segment, title in SEGMENTS:
                group = [s for s in services if s.segment == segment]
                if not group:
                    continue
                with Vertical(classes="segment"):
                    yield Static(title, classes="segment-title")
                    for s in group:
                        n = services.index(s) + 1
                        yield Button(self._label(s, n), id=f"svc-{s.id}", classes="service")
        with Vertical(id="closed"):
            yield Static("Талоны на сегодня больше не выдаются", id="closed-title")
            yield Static(id="closed-hours")
        yield Static(id="hint", classes="hint")

    def _label(self, s: ServiceConfig, n: int) -> str:
        keys = f"{n}  " if n <= 9 else ""
        return f"{keys}{s.name}\n{waiting_label(self._counts.get(s.id))}".rstrip()

    def on_mount(self) -> None:
        self.refresh_state()
        self.set_interval(self.app.tick_s, self.refresh_state)
        self.set_interval(COUNTS_POLL_S, self.load_counts)
        self.load_counts()

    def on_screen_resume(self) -> None:
        self._changed_token = None  # we may have just issued a ticket: read the counts again
        self._state = None
        self.refresh_state()
        self.load_counts()

    # --- what is shown ------------------------------------------------------------------
    def refresh_state(self) -> None:
        svc = self.app.service
        ready = svc is not None
        open_now = ready and svc.is_open()
        closed_title = self._closed_title() if ready and not open_now else ""
        state = (ready, open_now, closed_title)
        if state == self._state:
            return  # called every tick: touch the widgets only when something changed
        self._state = state
        self.set_class(ready and not open_now, "-closed")
        self.query_one("#closed-title", Static).update(closed_title)
        self.query_one("#closed-hours", Static).update(f"Часы работы: {self.app.config.office.hours_text()}")
        hint = ("Коснитесь кнопки или нажмите цифру 1–9" if open_now
                else "Подключение…" if not ready else "")
        self.query_one("#hint", Static).update(hint)
        for button in self.query(".service").results(Button):
            button.disabled = not open_now

    def _closed_title(self) -> str:
        local: datetime = self.app.clock.now().astimezone(self.app.clock.tz)
        hours = self.app.config.office.hours.get(WEEKDAYS[local.weekday()])
        if hours is not None and local.time() < hours.opens:
            return f"Выдача талонов начнётся в {hours.opens:%H:%M}"
        return "Талоны на сегодня больше не выдаются"

    def load_counts(self) -> None:
        # run by the app, so that its one worker-failure handler sees a failed read
        self.app.run_worker(self._read_counts, group="counts", exclusive=True, thread=True, exit_on_error=False)

    def _read_counts(self) -> None:  # in the counts worker
        svc = self.app.service
        if svc is None:
            return
        token = svc.data_version()
        if token is not None and token == self._changed_token:
            return
        counts = svc.waiting_counts()
        self._changed_token = token
        self.post_message(CountsLoaded(counts))

    def on_counts_loaded(self, message: CountsLoaded) -> None:
        self._counts = message.counts
        services = self.services
        for n, s in enumerate(services, start=1):
            self.query_one(f"#svc-{s.id}", Button).label = self._label(s, n)

    # --- what the visitor does ----------------------------------------------------------
    @on(Button.Pressed, ".service")
    def service_pressed(self, event: Button.Pressed) -> None:
        self._choose(event.button.id.removeprefix("svc-"))

    def action_pick(self, n: int) -> None:
        services = self.services
        if 1 <= n <= len(services):
            self._choose(services[n - 1].id)

    def _choose(self, service_id: str) -> None:
        svc = self.app.service
        if not self.accepts_input() or self.app.screen is not self or svc is None or not svc.is_open():
            return
        from queue_kiosk.screens.category import CategoryScreen

        self.app.push_screen(CategoryScreen(service_id))
