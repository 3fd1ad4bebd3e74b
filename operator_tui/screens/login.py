"""Login: window (from the command line or chosen here), login and PIN.

Every refusal comes from the core with its own Russian sentence: wrong PIN (attempts left), locked
login, window taken, operator already working at another window. Choosing «Обзор зала» checks the
PIN without taking a window (supervisors).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Select

from queue_core.domain import StaffSession, TalonError

from ..messages import LoggedIn

if TYPE_CHECKING:
    from queue_core.protocol import QueueApi

    from ..app import OperatorApp

HALL = -1  # the "window" of the supervisor's read-only hall view
HALL_ROLES = ("supervisor", "admin")


class LoginScreen(Screen):
    app: OperatorApp  # type: ignore[assignment]
    BINDINGS = [Binding("ctrl+q", "app.quit", "Закрыть программу")]

    def __init__(self, window: int | None = None, login: str | None = None, message: str = "") -> None:
        super().__init__()
        self.window, self.login, self.message = window, login or "", message
        self.busy = False

    def compose(self) -> ComposeResult:
        cfg = self.app.config
        with Center(), Vertical(id="login-box") as box:
            box.border_title = "Talon — вход"
            yield Label(cfg.office.name, id="login-office")
            if self.window is None:
                yield Label("Окно:")
                options = [(self._window_label(w.number), w.number) for w in sorted(cfg.windows, key=lambda w: w.number)]
                options.append(("Обзор зала (руководитель)", HALL))
                yield Select(options, prompt="Выберите окно", id="login-window")
            else:
                yield Label(f"Окно: {self._window_label(self.window)}", id="login-window-fixed")
            yield Label("Логин:")
            yield Input(value=self.login, placeholder="например, ivanova", id="login-login")
            yield Label("PIN:")
            yield Input(password=True, placeholder="4–8 цифр", id="login-pin", restrict=r"\d*", max_length=8)
            yield Button("Войти", variant="primary", id="login-submit")
            yield Label(self.message, id="login-error")
            yield Label("", id="login-status")
        yield Footer()

    def _window_label(self, number: int) -> str:
        w = self.app.config.window(number)
        return w.title if w.role == "operator" else f"{w.title} (стойка информатора)"

    def on_mount(self) -> None:
        if self.window is None:
            self.query_one("#login-window", Select).focus()
        else:
            self.query_one("#login-pin" if self.login else "#login-login", Input).focus()
        self.set_db_status(self.app.db_status)

    def set_db_status(self, text: str) -> None:
        self.query_one("#login-status", Label).update(text)

    @on(Select.Changed, "#login-window")
    def _to_login(self, event: Select.Changed) -> None:
        if event.value is not Select.NULL:
            self.query_one("#login-pin" if self.query_one("#login-login", Input).value else "#login-login", Input).focus()

    @on(Input.Submitted, "#login-login")
    def _to_pin(self) -> None:
        self.query_one("#login-pin", Input).focus()

    @on(Input.Submitted, "#login-pin")
    @on(Button.Pressed, "#login-submit")
    def submit(self) -> None:
        if self.busy:
            return
        window = self.window
        if window is None:
            value = self.query_one("#login-window", Select).value
            if value is Select.NULL:
                self._error("Выберите окно")
                self.query_one("#login-window", Select).focus()
                return
            window = int(value)
        login = self.query_one("#login-login", Input).value.strip()
        pin = self.query_one("#login-pin", Input).value
        if not login:
            self._error("Введите логин")
            self.query_one("#login-login", Input).focus()
            return
        if self.app.service is None:
            self._error("Нет связи с базой данных — вход невозможен, повторите позже")
            return
        self.busy = True
        self._error("Проверяем…")
        self._login(window, login, pin)

    def _error(self, text: str) -> None:
        self.query_one("#login-error", Label).update(text)

    def _login(self, window: int, login: str, pin: str) -> None:
        svc = self.app.service

        def log_in() -> None:  # in the login worker
            who = hall_viewer(svc, login, pin) if window == HALL else svc.login(window, login, pin)
            self.app.post_message(LoggedIn(who))

        self.app.run_blocking(self, log_in, group="login", exclusive=True)

    def refused(self, text: str) -> None:
        """The login did not go through: say why, and ask for the PIN again."""
        self.busy = False
        self._error(text)
        pin = self.query_one("#login-pin", Input)
        pin.value = ""
        pin.focus()


def hall_viewer(svc: QueueApi, login: str, pin: str) -> StaffSession:
    """The session of the supervisor (or admin) behind ``login`` and ``pin``, who takes no window.
    Raises TalonError."""
    who = svc.authenticate(login, pin)
    if who.actor.role not in HALL_ROLES:
        svc.end_session(who.actor)
        raise TalonError(f"Обзор зала — для руководителя; у «{who.actor.login}» роль {who.actor.role}. "
                         "Выберите окно")
    return who
