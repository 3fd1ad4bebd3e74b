"""The ticket kiosk: a visitor picks a service and a category and takes a printed ticket.

``KioskApp(config, service, clock=, printer=)`` — ``service`` is a ready
:class:`~queue_core.protocol.QueueApi` or a callable that opens one (called in a
worker, retried while the database is unreachable). ``printer(service, ticket, config)``
prints and records a ticket; production uses :func:`printer.jobs.print_and_record`.

No key quits the kiosk except the administrator's ``Ctrl+\\``; SIGTERM, SIGINT and SIGHUP
from outside close it cleanly too. There is no command palette and no text selection.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from queue_core.clock import Clock, SystemClock
from queue_core.config import Config
from queue_core.domain import CatalogMismatch, ClockSkew, OfficeClosed, StorageError, TalonError, TicketInfo
from queue_kiosk.messages import Connected, TicketIssued, TicketPrinted
from queue_kiosk.screens.base import KioskScreen
from queue_kiosk.screens.home import HomeScreen
from queue_kiosk.screens.out_of_service import OutOfServiceScreen

if TYPE_CHECKING:
    from printer.printing import PrintOutcome
    from queue_core.protocol import QueueApi

    Printer = Callable[[QueueApi, TicketInfo, Config], PrintOutcome]

log = logging.getLogger(__name__)

ADMIN_EXIT_KEY = "ctrl+backslash"


def visitor_message(reason_code: str) -> str:
    """Why the ticket did not print, in the visitor's words. The technical message (the printer's
    address, the device, the error) goes to the log and, with the print fault, to the informator."""
    return "Закончилась бумага" if reason_code == "paper_out" else "Принтер не работает"


def _production_printer(service: QueueApi, ticket: TicketInfo, config: Config) -> PrintOutcome:
    from printer.jobs import print_and_record  # lazy: the app starts without importing escpos

    return print_and_record(service, ticket, config)


class KioskApp(App[None], inherit_bindings=False):
    """The kiosk. Time comes from ``clock`` (the screen clock, office hours and idle timeouts)."""

    CSS_PATH = "kiosk.tcss"
    TITLE = "Talon — киоск"
    ENABLE_COMMAND_PALETTE = False
    ALLOW_SELECT = False
    BINDINGS = [Binding(ADMIN_EXIT_KEY, "admin_exit", show=False, priority=True, system=True)]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]

    def __init__(self, config: Config, service: QueueApi | Callable[[], QueueApi] | None = None, *,
                 clock: Clock | None = None, printer: Printer | None = None, tap_guard_s: float = 0.4,
                 tick_s: float = 0.5, retry_s: float = 5.0) -> None:
        super().__init__()
        self.config = config
        self.clock: Clock = clock or SystemClock(config.office.tz)
        if service is None:
            raise TypeError("the kiosk needs the office's service or a way to open it")
        if callable(service):
            self._open_service, self.service = service, None
        else:
            self._open_service, self.service = (lambda: service), service
        self.printer: Printer = printer or _production_printer
        self.tap_guard_s = tap_guard_s
        self.last_input_time: float | None = None  # monotonic instant of the input being handled
        self.tick_s = tick_s
        self.retry_s = retry_s
        self.is_down = False
        self.issuing = False  # one ticket at a time: a double tap never issues two
        self._last_input = self.clock.now()
        self._retry_timer: Timer | None = None
        self._printing: dict[Worker, TicketInfo] = {}  # a print worker -> its ticket, for a printer that raised

    def get_default_screen(self) -> Screen:
        return HomeScreen()

    def on_mount(self) -> None:
        self.set_interval(self.tick_s, self.reset_if_idle)
        if self.service is None:
            self.connect()
        if not self.is_headless:
            self._handle_signals()

    def _handle_signals(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            try:
                loop.add_signal_handler(sig, self.exit)
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread / platform
                pass

    def action_admin_exit(self) -> None:
        log.info("kiosk: closed by the administrator")
        self.exit()

    # --- input and the idle reset --------------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown | events.MouseUp):
            self._last_input = self.clock.now()
            # when the finger touched (monotonic), not when we got round to it: the tap guard
            # must hold even when the event loop is slow
            self.last_input_time = event.time
        await super().on_event(event)

    def reset_if_idle(self) -> None:
        """Back to home when the current screen has waited long enough without a touch."""
        if not self.screen_stack:  # the timer can fire while the app is closing
            return
        screen = self.screen
        if not isinstance(screen, KioskScreen) or screen.idle_after_s is None:
            return
        start = max(self._last_input, screen.countdown_from or self._last_input)
        if (self.clock.now() - start).total_seconds() >= screen.idle_after_s:
            self.go_home()

    def go_home(self) -> None:
        """Close every screen above home (not while the out-of-service notice must stay)."""
        if self.is_down:
            return
        while len(self.screen_stack) > 1:
            self.pop_screen()

    # --- issuing and printing: owned by the app, so no screen change can lose a ticket ------------
    def issue(self, service_id: str, category_id: str) -> bool:
        """Start issuing a kiosk ticket; False (and nothing happens) while another is under way."""
        if self.issuing:
            return False
        self.issuing = True
        self._issue(service_id, category_id)
        return True

    @work(thread=True, exit_on_error=False, group="issue")
    def _issue(self, service_id: str, category_id: str) -> None:
        if self.service is None:
            raise StorageError("нет соединения с базой данных")
        ticket = self.service.issue_ticket(service_id, category_id)
        log.info("kiosk: issued %s (%s, %s)", ticket.code, ticket.service, ticket.category)
        self.post_message(TicketIssued(ticket))

    def on_ticket_issued(self, message: TicketIssued) -> None:
        self.show_ticket(message.ticket)

    def show_ticket(self, ticket: TicketInfo) -> None:
        """Show a ticket just issued over the home screen, and print it."""
        from queue_kiosk.screens.ticket import TicketScreen

        self.issuing = False
        self.go_home()
        self.push_screen(TicketScreen(ticket))
        self._printing[self._print(ticket)] = ticket

    @work(thread=True, exit_on_error=False, group="print")
    def _print(self, ticket: TicketInfo) -> None:
        outcome = self.printer(self.service, ticket, self.config)
        if not outcome.ok:
            log.warning("kiosk: ticket %s not printed: %s", ticket.code, outcome.message_ru)
        text = outcome.message_ru if outcome.ok else visitor_message(outcome.reason_code)
        self.post_message(TicketPrinted(ticket, outcome.ok, text))

    def on_ticket_printed(self, message: TicketPrinted) -> None:
        from queue_kiosk.screens.ticket import TicketScreen

        for screen in self.screen_stack:
            if isinstance(screen, TicketScreen) and screen.ticket.id == message.ticket.id:
                screen.show_print_result(message.ok, message.text)

    # --- the database: connect, lose, recover --------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="connect")
    def connect(self) -> None:
        """Open the service, or, when it is open, check the database answers again."""
        svc = self.service or self._open_service()
        if self.is_down:
            svc.waiting_counts()
            svc.check_clock()  # a clock refused before stays refused until it is fixed
        self.post_message(Connected(svc))

    def on_connected(self, message: Connected) -> None:
        self.service = message.service
        if self._retry_timer is not None:
            self._retry_timer.stop()
            self._retry_timer = None
        if self.is_down:
            log.info("kiosk: database reachable again")
            self.is_down = False
            self.go_home()
        home = self.screen_stack[0]
        if isinstance(home, HomeScreen):
            home.refresh_state()
            home.load_counts()

    def database_down(self, note: str = "") -> None:
        """Show «Терминал временно не работает» (with ``note`` for the staff) and retry in the
        background until it answers."""
        if not self.is_down:
            self.is_down = True
            self.push_screen(OutOfServiceScreen(note))
        if self._retry_timer is None:
            self._retry_timer = self.set_interval(self.retry_s, self.connect)

    # --- a worker that raised: what the visitor sees instead, never a traceback -------------------
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The database away: the out-of-service screen until it answers. A refusal: the core's own
        Russian sentence. A printer that raised: the number stays on screen, «Принтер не работает».
        Anything else is a programming error: logged, and the visitor is sent home with an apology."""
        worker = event.worker
        if event.state in (WorkerState.PENDING, WorkerState.RUNNING):  # (the worker itself may be done by now)
            return
        printing = self._printing.pop(worker, None)
        if event.state != WorkerState.ERROR:
            return
        error = worker.error
        if worker.group == "issue":
            self.issuing = False
        if printing is not None:  # whatever broke, the visitor still gets the number
            log.error("kiosk: printing %s failed unexpectedly", printing.code, exc_info=error)
            self.post_message(TicketPrinted(printing, False, visitor_message("error")))
        elif worker.group == "counts":
            if not isinstance(error, StorageError):  # the database away: the next tap finds out
                log.error("kiosk: reading the waiting counts failed", exc_info=error)
        elif not isinstance(error, TalonError):
            log.error("kiosk: worker %s failed", worker.name, exc_info=error)
            self.notify("Не получилось. Попробуйте ещё раз или обратитесь к информатору.",
                        severity="error", timeout=8)
            self.go_home()
        elif isinstance(error, StorageError) or worker.group == "connect":  # connect: also a schema to upgrade
            log.warning("kiosk: database unreachable (%s): %s", worker.name, error)
            self.database_down(_staff_note(error))
        else:  # the ticket was refused: e.g. a service removed from the config meanwhile
            self.go_home()
            if not isinstance(error, OfficeClosed):  # the office has just closed: the home screen says so
                self.notify(str(error), severity="error", timeout=8)


def _staff_note(error: Exception) -> str:
    """What the staff must fix, shown small on the out-of-service screen: a wrong clock, or a
    catalogue that differs from this kiosk's config.toml (an outage heals by itself)."""
    return str(error) if isinstance(error, ClockSkew | CatalogMismatch) else ""


def build_app(config: Config, service: Any = None, **kwargs: Any) -> KioskApp:
    """The kiosk for ``talon kiosk``, ``python -m queue_kiosk`` and the tests."""
    return KioskApp(config, service, **kwargs)


def _log_to_file(config: Config) -> None:
    """A full-screen app cannot log to the terminal: faults go to ``kiosk.log`` next to the config."""
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.FileHandler(Path(config.base_dir) / "kiosk.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def run_kiosk(config: Config, connect: Callable[[], QueueApi]) -> None:
    """Run the kiosk full-screen in this terminal until the administrator closes it."""
    _log_to_file(config)
    build_app(config, connect).run()
