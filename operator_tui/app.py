"""The staff terminal: login, then the operator's window, the informator's desk or the supervisor's
hall view — one Textual app, keyboard first.

``OperatorApp(config, service, clock)`` takes its collaborators so tests can fix time and the
database; ``run_operator`` is what ``talon operator`` and ``python -m operator_tui`` call.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from queue_core.clock import Clock, SystemClock
from queue_core.config import Config
from queue_core.domain import CatalogMismatch, ClockSkew, StaffSession, StorageError, TalonError, TicketInfo

from .messages import Connected, LoggedIn
from .screens.base import NOT_DONE, LiveScreen
from .screens.desk import DeskScreen
from .screens.login import LoginScreen
from .screens.window import OperatorScreen

if TYPE_CHECKING:
    from printer.printing import PrintOutcome
    from queue_core.protocol import QueueApi

RECONNECT_S = 3.0

PrintTicket = Callable[["QueueApi", TicketInfo, Config], "PrintOutcome"]


def _print_and_record(service: QueueApi, ticket: TicketInfo, config: Config) -> PrintOutcome:
    from printer.jobs import print_and_record  # lazy: escpos and Pillow load only when printing

    return print_and_record(service, ticket, config)


class OperatorApp(App):
    CSS_PATH = "operator.tcss"
    TITLE = "Talon — терминал сотрудника"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [Binding("ctrl+q", "quit", "Закрыть программу", show=False, priority=True)]

    def __init__(self, config: Config, service: QueueApi | Callable[[], QueueApi] | None = None,
                 clock: Clock | None = None, *, window: int | None = None, login: str | None = None,
                 print_ticket: PrintTicket | None = None) -> None:
        """``service``: the office's service (a :class:`QueueApi`), or a callable that opens one
        (called in a worker, retried while it is unreachable), given by the composition root."""
        super().__init__()
        self.config = config
        self.clock = clock or SystemClock(config.office.tz)
        self.window, self.login = window, login
        self.print_ticket: PrintTicket = print_ticket or _print_and_record
        self.service: QueueApi | None = None
        if service is None:
            raise TypeError("the operator app needs the office's service or a way to open it")
        if hasattr(service, "call_next"):
            self.service = service
            self._factory: Callable[[], QueueApi] = lambda: service
        else:
            self._factory = service
        self.db_status = "" if self.service is not None else "Подключение к базе данных…"
        self._asked_by: dict[Worker, Screen] = {}  # a screen's worker -> the screen, for its failure

    def on_mount(self) -> None:
        self.push_screen(LoginScreen(self.window, self.login))
        if self.service is None:
            self._connect()

    # --- blocking work: thread workers, and the one place their failures are shown ------------
    def run_blocking(self, screen: Screen, work: Callable[[], None], *, group: str, name: str = "",
                     exclusive: bool = False) -> None:
        """Run ``work`` (a database or printer call that posts its result as a message) in a
        thread worker for ``screen``; if it raises, :meth:`on_worker_state_changed` shows why there."""
        worker = self.run_worker(work, name=name or group, group=group, exclusive=exclusive, thread=True,
                                 exit_on_error=False)
        self._asked_by[worker] = screen

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that raised becomes what the person sees: a refusal or an outage in the core's
        own Russian words (TalonError, StorageError); anything else is a programming error, said as
        such, and the terminal stays up."""
        worker = event.worker
        if event.state in (WorkerState.PENDING, WorkerState.RUNNING):  # (the worker itself may be done by now)
            return
        screen = self._asked_by.pop(worker, None)
        if event.state != WorkerState.ERROR:
            return
        error = worker.error if isinstance(worker.error, TalonError) else None
        if error is None:
            self.notify(f"Внутренняя ошибка: {worker.error!r}", severity="error", timeout=15)
        if worker.group == "connect":
            if error is not None:
                to_fix = isinstance(error, ClockSkew | CatalogMismatch)  # not an outage: the line says what to fix
                cause = str(error).rstrip(".") if to_fix else f"Нет связи с базой данных ({error})"
                self._set_db_status(f"{cause}. Повторяем каждые {RECONNECT_S:.0f} с…")
                self.set_timer(RECONNECT_S, self._connect)
        elif screen not in self.screen_stack:  # the screen that asked is gone: nothing to show it on
            return
        elif isinstance(screen, LoginScreen):
            if isinstance(error, StorageError):
                screen.refused(f"{error}. Вход не выполнен, повторите")
            else:
                screen.refused("" if error is None else str(error))
        elif isinstance(screen, LiveScreen):
            self._live_work_failed(screen, worker, error)

    @staticmethod
    def _live_work_failed(screen: LiveScreen, worker: Worker, error: TalonError | None) -> None:
        """A live screen's read, action (``worker.name`` is its label) or search did not go through."""
        outage = error if isinstance(error, StorageError) else None
        if worker.group == "poll":
            screen.poll_finished()
            if outage is not None:
                screen.show_outage(str(outage))
            elif error is not None:
                screen.notify(str(error), severity="error")
        elif worker.group == "action":
            if outage is not None:
                screen.show_outage(str(outage))
                why = (str(outage) if isinstance(outage, ClockSkew)  # reads still work: the banner goes
                       else "нет связи с базой данных. Повторите, когда связь вернётся.")
                screen.notify(f"{worker.name}: {NOT_DONE} — {why}", severity="error", timeout=10)
            elif error is not None:
                screen.notify(f"{worker.name}: {error}", severity="warning", timeout=8)
            screen.end_action(reread=error is not None)
        elif error is not None:  # a search: no such ticket, or the database is away
            screen.notify(str(error), severity="warning")

    # --- the database connection at start-up ----------------------------------------------------
    @work(thread=True, exclusive=True, group="connect", exit_on_error=False)
    def _connect(self) -> None:
        self.post_message(Connected(self._factory()))

    def on_connected(self, message: Connected) -> None:
        self.service = message.service
        self._set_db_status("")

    def _set_db_status(self, text: str) -> None:
        self.db_status = text
        if isinstance(self.screen, LoginScreen):
            self.screen.set_db_status(text)

    # --- moving between screens ----------------------------------------------------------------
    def on_logged_in(self, message: LoggedIn) -> None:
        self.open_work(message.who)

    def open_work(self, who: StaffSession) -> None:
        """After a successful login: the screen for this window and role."""
        if who.shift is None:
            from .screens.hall import HallScreen  # lazy: the supervisor's KPIs import the reports

            screen = HallScreen(who)
        elif self.config.window(who.shift.window).role == "informator":
            screen = DeskScreen(who)
        else:
            screen = OperatorScreen(who)
        self.switch_screen(screen)
        self.call_after_refresh(self._freeze_heap)

    @staticmethod
    def _freeze_heap() -> None:
        """Leave what start-up made (modules, classes, the screens: ~130 000 objects that live as
        long as the app) out of every later full garbage collection: one took ~40 ms with them and
        a few ms without, and it can land on any key press. Garbage is collected first, so nothing
        dead is kept; the app unfreezes on exit."""
        gc.collect()
        gc.freeze()

    def on_unmount(self) -> None:
        gc.unfreeze()

    def show_login(self, message: str = "") -> None:
        self.switch_screen(LoginScreen(self.window, None, message or "Смена закрыта. До свидания!"))


def build_app(config: Config, service: QueueApi | Callable[[], QueueApi] | None = None, clock: Clock | None = None,
              *, window: int | None = None, login: str | None = None,
              print_ticket: PrintTicket | None = None) -> OperatorApp:
    """The one factory for ``main()`` and the tests."""
    return OperatorApp(config, service, clock, window=window, login=login, print_ticket=print_ticket)


def run_operator(config: Config, connect: Callable[[], QueueApi], window: int | None = None,
                 login: str | None = None) -> None:
    """Run the terminal in this console (``talon operator --window N [--login L]``)."""
    build_app(config, connect, window=window, login=login).run()
