"""Login: window (from the command line or chosen here), login and PIN.

Every refusal comes from the core with its own Russian sentence: wrong PIN (attempts left), locked
login, window taken, operator already working at another window. Choosing «Обзор зала» checks the
PIN without taking a window (supervisors).
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Select

from queue_core.domain import StorageError, TalonError

HALL = -1  # the "window" of the supervisor's read-only hall view
HALL_ROLES = ("supervisor", "admin")


class LoginScreen(Screen):
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

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _login(self, window: int, login: str, pin: str) -> None:
        svc = self.app.service
        try:
            if window == HALL:
                result = svc.authenticate(login, pin)
                if result.actor.role not in HALL_ROLES:
                    svc.end_session(result.actor)
                    raise TalonError(f"Обзор зала — для руководителя; у «{result.actor.login}» роль "
                                     f"{result.actor.role}. Выберите окно")
            else:
                result = svc.login(window, login, pin)
        except StorageError as e:
            self.app.call_from_thread(self._failed, f"{e}. Вход не выполнен, повторите")
        except TalonError as e:
            self.app.call_from_thread(self._failed, str(e))
        else:
            self.app.call_from_thread(self.app.open_work, result)

    def _failed(self, text: str) -> None:
        self.busy = False
        self._error(text)
        pin = self.query_one("#login-pin", Input)
        pin.value = ""
        pin.focus()
