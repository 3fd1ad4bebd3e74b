"""What every working screen shares: the poll timer, the outage banner and running an action.

The screen owns its timer (``operator.refresh_s``, about a second). Each tick starts one thread
worker that asks :class:`~operator_tui.live.LiveFeed` for a fresh read, which is skipped when the
database has not changed. An action runs in its own worker, once: it is never retried by itself, so
nothing is doubled across an outage, and a failure says «действие не выполнено».
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import work
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from queue_core.domain import ClockSkew, StorageError, TalonError

from ..live import LiveFeed
from ..parts import Parts
from ..messages import ActionDone, ActionFailed, LiveFailed, LiveLoaded
from ..widgets.banner import DbBanner

NOT_DONE = "действие не выполнено"


class LiveScreen(Parts, Screen):
    # Actions that change something: greyed out in the footer while another one is in flight.
    CHANGING_ACTIONS: frozenset[str] = frozenset()

    def __init__(self) -> None:
        super().__init__()
        self.busy = False
        self.offline = False
        self._polling = False
        self._poll_again = False
        self.feed = LiveFeed(self.app.service)

    # --- to be filled by each screen ------------------------------------------------------------
    def load(self) -> Any:  # noqa: ANN401
        """Runs in a thread: read what the screen shows; None when nothing changed."""
        raise NotImplementedError

    def show(self, data: Any) -> None:  # noqa: ANN401
        """Runs on the UI thread: put fresh data on the screen, updating widgets in place."""

    def redraw_time(self) -> None:
        """Every tick, without the database: the clock and the waits that grow by themselves."""

    # --- polling ------------------------------------------------------------------------------------
    @property
    def service(self):  # noqa: ANN201
        return self.app.service

    @property
    def config(self):  # noqa: ANN201
        return self.app.config

    def on_mount(self) -> None:
        self.set_interval(self.config.operator.refresh_s, self.tick, name="live-refresh")
        self.tick()

    def tick(self) -> None:
        try:
            self.redraw_time()
        except NoMatches:  # the timer fired while the screen is taken down: its widgets are gone
            return
        if self._polling:  # a slow database: never pile up readers
            return
        self._polling = True
        self._poll()

    def refresh_now(self) -> None:
        """Re-read at once (after this terminal's own action), even if a poll is in flight."""
        self.feed.invalidate()
        if self._polling:
            self._poll_again = True
        else:
            self.tick()

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False)
    def _poll(self) -> None:
        try:
            data = self.load()
        except TalonError as e:
            self.post_message(LiveFailed(e))
        else:
            self.post_message(LiveLoaded(data))

    def on_live_loaded(self, message: LiveLoaded) -> None:
        self._polling = False
        if self.offline:
            self.offline = False
            self.part(DbBanner).hide()
            self.notify("Связь с базой данных восстановлена")
        if message.data is not None:
            self.show(message.data)
        if self._poll_again:
            self._poll_again = False
            self.tick()

    def on_live_failed(self, message: LiveFailed) -> None:
        self._polling = False
        if isinstance(message.error, StorageError):
            self.offline = True
            self.feed.invalidate()
            self.part(DbBanner).show_outage(str(message.error))
        else:
            self.notify(str(message.error), severity="error")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:  # a programming error: say so, keep the terminal alive
            self._polling = False
            self.busy = False
            self.refresh_bindings()
            self.notify(f"Внутренняя ошибка: {event.worker.error!r}", severity="error", timeout=15)

    # --- actions ------------------------------------------------------------------------------------
    def run_action(self, label: str, fn: Callable[[], Any], then: Callable[[Any], None] | None = None) -> None:
        """Run ``fn`` (a service call) once in a thread; ``then(result)`` on success."""
        if self.busy:
            self.notify("Подождите: предыдущее действие ещё выполняется")
            return
        self.busy = True
        self.refresh_bindings()
        self._act(label, fn, then)

    @work(thread=True, group="action", exit_on_error=False)
    def _act(self, label: str, fn: Callable[[], Any], then: Callable[[Any], None] | None) -> None:
        try:
            result = fn()
        except StorageError as e:
            self.post_message(ActionFailed(label, e, storage=True))
        except TalonError as e:
            self.post_message(ActionFailed(label, e, storage=False))
        else:
            self.post_message(ActionDone(label, result, then))

    def on_action_done(self, message: ActionDone) -> None:
        self.busy = False
        if message.then is not None:
            message.then(message.result)
        self.refresh_bindings()
        self.refresh_now()

    def on_action_failed(self, message: ActionFailed) -> None:
        self.busy = False
        if message.storage:
            self.offline = True
            self.part(DbBanner).show_outage(str(message.error))
            why = (str(message.error) if isinstance(message.error, ClockSkew)  # reads still work: the banner goes
                   else "нет связи с базой данных. Повторите, когда связь вернётся.")
            self.notify(f"{message.label}: {NOT_DONE} — {why}", severity="error", timeout=10)
        else:
            self.notify(f"{message.label}: {message.error}", severity="warning", timeout=8)
        self.refresh_bindings()
        self.refresh_now()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.CHANGING_ACTIONS and self.busy:
            return None
        return True
