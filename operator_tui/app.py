"""The staff terminal: login, then the operator's window, the informator's desk or the supervisor's
hall view — one Textual app, keyboard first.

``OperatorApp(config, service, clock)`` takes its collaborators so tests can fix time and the
database; ``run_operator`` is what ``talon operator`` and ``python -m operator_tui`` call.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from textual import work
from textual.app import App
from textual.binding import Binding

from queue_core.clock import Clock, SystemClock
from queue_core.config import Config
from queue_core.domain import CatalogMismatch, ClockSkew, OperatorInfo, ShiftInfo, TalonError, TicketInfo

from .screens.desk import DeskScreen
from .screens.login import LoginScreen
from .screens.window import OperatorScreen

RECONNECT_S = 3.0

PrintTicket = Callable[[Any, TicketInfo, Config], Any]  # (service, ticket, config) -> PrintOutcome


def _print_and_record(service, ticket: TicketInfo, config: Config):  # noqa: ANN001, ANN202
    from printer.jobs import print_and_record  # lazy: escpos and Pillow load only when printing

    return print_and_record(service, ticket, config)


class OperatorApp(App):
    CSS_PATH = "operator.tcss"
    TITLE = "Talon — терминал сотрудника"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [Binding("ctrl+q", "quit", "Закрыть программу", show=False, priority=True)]

    def __init__(self, config: Config, service: Any = None, clock: Clock | None = None, *,  # noqa: ANN401
                 window: int | None = None, login: str | None = None, print_ticket: PrintTicket | None = None) -> None:
        """``service``: a QueueService, or a callable that opens one (called in a worker, retried
        while the database is unreachable); None opens the configured database."""
        super().__init__()
        self.config = config
        self.clock = clock or SystemClock(config.office.tz)
        self.window, self.login = window, login
        self.print_ticket: PrintTicket = print_ticket or _print_and_record
        self.service = service if hasattr(service, "call_next") else None
        self._factory = None if self.service is not None else (service or self._open_configured)
        self.db_status = "" if self.service is not None else "Подключение к базе данных…"

    def _open_configured(self):  # noqa: ANN202
        from queue_core import open_service

        return open_service(self.config, self.clock)

    def on_mount(self) -> None:
        self.push_screen(LoginScreen(self.window, self.login))
        if self.service is None:
            self._connect()

    # --- the database connection at start-up ----------------------------------------------------
    @work(thread=True, exclusive=True, group="connect", exit_on_error=False)
    def _connect(self) -> None:
        try:
            service = self._factory()
        except (ClockSkew, CatalogMismatch) as e:  # not an outage: the line says what to fix
            self.call_from_thread(self._connect_failed, str(e), True)
        except TalonError as e:
            self.call_from_thread(self._connect_failed, str(e))
        else:
            self.call_from_thread(self._connected, service)

    def _connected(self, service: Any) -> None:  # noqa: ANN401
        self.service = service
        self._set_db_status("")

    def _connect_failed(self, error: str, to_fix: bool = False) -> None:
        cause = error.rstrip(".") if to_fix else f"Нет связи с базой данных ({error})"
        self._set_db_status(f"{cause}. Повторяем каждые {RECONNECT_S:.0f} с…")
        self.set_timer(RECONNECT_S, self._connect)

    def _set_db_status(self, text: str) -> None:
        self.db_status = text
        if isinstance(self.screen, LoginScreen):
            self.screen.set_db_status(text)

    # --- moving between screens ----------------------------------------------------------------
    def open_work(self, who: ShiftInfo | OperatorInfo) -> None:
        """After a successful login: the screen for this window and role."""
        if isinstance(who, OperatorInfo):
            from .screens.hall import HallScreen  # lazy: the supervisor's KPIs import the reports

            screen = HallScreen(who)
        elif self.config.window(who.window).role == "informator":
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


def build_app(config: Config, service: Any = None, clock: Clock | None = None, **kwargs: Any) -> OperatorApp:  # noqa: ANN401
    """The one factory for ``main()`` and the tests."""
    return OperatorApp(config, service, clock, **kwargs)


def run_operator(config: Config, window: int | None = None, login: str | None = None) -> None:
    """Run the terminal in this console (``talon operator --window N [--login L]``)."""
    build_app(config, window=window, login=login).run()
