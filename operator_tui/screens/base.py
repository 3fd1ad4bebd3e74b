"""What every working screen shares: the poll timer, the outage banner, running an action and the
function keys that make no sense now (:mod:`.key_rules`).

The screen owns its timer (``operator.refresh_s``, about a second). Each tick starts one thread
worker that asks :class:`~operator_tui.live.LiveFeed` for a fresh read, which is skipped when the
database has not changed. An action runs in its own worker, once: it is never retried by itself, so
nothing is doubled across an outage, and a failure says «действие не выполнено». Workers post their
result as a message; what a failure shows is decided in one place, the app's
``on_worker_state_changed``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from textual.css.query import NoMatches

from queue_core.config import Config
from queue_core.domain import StaffSession

from ..live import LiveFeed
from ..messages import ActionDone, LiveLoaded
from ..parts import Parts
from ..widgets.banner import DbBanner
from .key_rules import BUSY, KeyRules

if TYPE_CHECKING:
    from queue_core.protocol import QueueApi

    from ..app import OperatorApp

NOT_DONE = "действие не выполнено"

V = TypeVar("V")  # what the screen reads each tick
R = TypeVar("R")  # what an action's service call returns


class LiveScreen(Parts, KeyRules, Generic[V]):
    app: OperatorApp  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.busy = False
        self.offline = False
        self._polling = False
        self._poll_again = False
        self.feed = LiveFeed(self.app.service)

    # --- to be filled by each screen ------------------------------------------------------------
    def load(self) -> V | None:
        """Runs in a thread: read what the screen shows; None when nothing changed."""
        raise NotImplementedError

    def show(self, data: V) -> None:
        """Runs on the UI thread: put fresh data on the screen, updating widgets in place."""

    def redraw_time(self) -> None:
        """Every tick, without the database: the clock and the waits that grow by themselves."""

    # --- polling ------------------------------------------------------------------------------------
    @property
    def service(self) -> QueueApi:
        return self.app.service

    @property
    def config(self) -> Config:
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
        self.app.run_blocking(self, self._read, group="poll", exclusive=True)

    def _read(self) -> None:  # in the poll worker
        self.post_message(LiveLoaded(self.load()))

    def refresh_now(self) -> None:
        """Re-read at once (after this terminal's own action), even if a poll is in flight."""
        self.feed.invalidate()
        if self._polling:
            self._poll_again = True
        else:
            self.tick()

    def on_live_loaded(self, message: LiveLoaded[V]) -> None:
        self.poll_finished()
        if self.offline:
            self.offline = False
            self.part(DbBanner).hide()
            self.notify("Связь с базой данных восстановлена")
        if message.data is not None:
            self.show(message.data)
        if self._poll_again:
            self._poll_again = False
            self.tick()

    def poll_finished(self) -> None:
        self._polling = False

    def show_outage(self, detail: str) -> None:
        """The database did not answer: the red banner, until a read goes through again."""
        self.offline = True
        self.feed.invalidate()
        self.part(DbBanner).show_outage(detail)

    # --- actions ------------------------------------------------------------------------------------
    def run_action(self, label: str, fn: Callable[[], R], then: Callable[[R], None] | None = None) -> None:
        """Run ``fn`` (a service call) once in a thread; ``then(result)`` on success."""
        if self.busy:
            self.notify(BUSY)
            return
        self.busy = True
        self.refresh_bindings()

        def act() -> None:  # in the action worker
            self.post_message(ActionDone(fn(), then))

        self.app.run_blocking(self, act, group="action", name=label)

    def on_action_done(self, message: ActionDone[Any]) -> None:
        self.busy = False
        if message.then is not None:
            message.then(message.result)
        self.end_action()

    def end_action(self, reread: bool = True) -> None:
        """The action went through or failed: the keys come back (and the screen re-reads)."""
        self.busy = False
        self.refresh_bindings()
        if reread:
            self.refresh_now()


class StaffScreen(LiveScreen[V]):
    """A screen of a logged-in operator (a window or the desk): every change it makes is made as this
    session, and the service checks what the session may do."""

    def __init__(self, session: StaffSession) -> None:
        super().__init__()
        self.shift = shift = session.shift
        self.actor = session.actor
        self.window, self.login = shift.window, shift.operator
