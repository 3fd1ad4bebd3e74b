"""The hall board: the newest call large, the previous calls below, who waits for what at the foot.

The screen owns the poll: every ``board.poll_s`` a thread worker asks the :class:`CallFeed` for
new calls and posts what it found; the screen shows it. A new call (or a recall) goes to the
top, chimes, is spoken if a voice is configured, and blinks for ``board.highlight_s`` seconds.
Calls read at start-up, and calls older than a minute found after an outage, are shown quietly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from queue_core.clock import Clock
from queue_core.config import Config
from queue_core.domain import CallShown
from queue_kiosk.announce import announcement_text
from queue_kiosk.board_feed import CallFeed, FeedUpdate
from queue_kiosk.messages import FeedPolled
from queue_kiosk.widgets.board_calls import CallHistory, CallRow, LatestCall
from queue_kiosk.widgets.board_header import BoardHeader, LinkMark
from queue_kiosk.widgets.board_waiting import WaitingBar

ANNOUNCE_MAX_AGE_S = 60  # a call older than this (found after an outage) is shown, not announced
BLINK_S = 0.5


class Speaker(Protocol):
    def say(self, text: str) -> None: ...


class BoardScreen(Screen):
    """What the hall sees. ``blink=False`` keeps fresh calls steadily highlighted (snapshots)."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (70, "-medium"), (120, "-wide"), (150, "-wider")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]

    def __init__(self, config: Config, clock: Clock, feed: CallFeed, *, speaker: Speaker | None = None,
                 blink: bool = True, monotonic: Callable[[], float] = time.monotonic) -> None:
        super().__init__(id="board")
        self.config = config
        self.clock = clock
        self.feed = feed
        self.speaker = speaker
        self.blink = blink
        self._monotonic = monotonic
        self.calls: list[CallShown] = []  # newest first, one entry per ticket code
        self.fresh_until: dict[int, float] = {}  # event id -> monotonic instant its highlight ends
        self.announced: list[str] = []  # the sentences handed to the voice, in order
        self.online = True
        self._polling = False
        self._blink_phase = False

    def compose(self) -> ComposeResult:
        yield BoardHeader(self.config.office.name, self.clock)
        yield LatestCall(id="latest")
        yield Static("Предыдущие вызовы", id="history-title")
        yield CallHistory(self.config.board.history)
        yield WaitingBar(self.feed.empty_waiting())

    def on_mount(self) -> None:
        self.poll()
        self.set_interval(self.config.board.poll_s, self.poll)
        self.set_interval(BLINK_S, self.tick)

    # --- polling -----------------------------------------------------------------------------------
    def poll(self) -> None:
        if not self._polling:  # one poll at a time: the feed keeps the last event id it saw
            self._polling = True
            # run by the app, so that its one worker-failure handler sees a failed poll
            self.app.run_worker(self._read, group="board-feed", exclusive=True, thread=True, exit_on_error=False)

    def _read(self) -> None:  # in the poll worker
        self.post_message(FeedPolled(self.feed.poll()))

    def on_feed_polled(self, message: FeedPolled) -> None:
        self.poll_finished()  # only now: the feed's last event id must never be read by two polls
        self.apply(message.update)

    def poll_finished(self) -> None:
        self._polling = False

    def apply(self, update: FeedUpdate) -> None:
        """Show what a poll found (runs on the UI thread)."""
        self.online = update.online
        mark = self.query_one(LinkMark)
        mark.note, mark.online = update.note, update.online
        if not update.online:
            return
        for call in update.history:  # a (re)started board: shown once, quietly
            self._put(call)
        for call in update.calls:
            self._put(call)
            if (self.clock.now() - call.at).total_seconds() <= ANNOUNCE_MAX_AGE_S:
                self._announce(call)
        if update.waiting is not None:
            self.query_one(WaitingBar).show(update.waiting)
        self._drop_past_days()
        if update.history or update.calls:
            self.refresh_calls()

    def _put(self, call: CallShown) -> None:
        self.calls = [c for c in self.calls if c.code != call.code]  # a recall or redirect moves it up
        self.calls.insert(0, call)
        del self.calls[self.config.board.history + 1:]

    def _announce(self, call: CallShown) -> None:
        self.fresh_until[call.event_id] = self._monotonic() + self.config.board.highlight_s
        if self.config.board.bell:
            self.app.bell()
        if self.speaker is not None:
            text = announcement_text(call.code, call.window, call.window_title)
            self.announced.append(text)
            self.speaker.say(text)

    def _drop_past_days(self) -> None:
        today = self.clock.today()
        kept = [c for c in self.calls if c.at.astimezone(self.clock.tz).date() == today]
        if len(kept) != len(self.calls):
            self.calls = kept
            self.refresh_calls()

    # --- drawing -----------------------------------------------------------------------------------
    def refresh_calls(self) -> None:
        self.query_one(LatestCall).show(self.calls[0] if self.calls else None)
        self.query_one(CallHistory).show(self.calls[1:])
        self.tick(toggle=False)

    def tick(self, toggle: bool = True) -> None:
        """Blink the fresh calls; a call stops blinking ``highlight_s`` seconds after it came."""
        now = self._monotonic()
        self.fresh_until = {k: v for k, v in self.fresh_until.items() if v > now}
        if toggle:
            self._blink_phase = not self._blink_phase
        for row in self.rows:
            fresh = row.call is not None and row.call.event_id in self.fresh_until
            row.set_class(fresh, "-fresh")
            row.set_class(fresh and self.blink and self._blink_phase, "-blink")

    @property
    def rows(self) -> list[CallRow]:
        return [self.query_one(LatestCall).row, *self.query_one(CallHistory).rows]

    def shown(self) -> list[str]:
        """The calls on screen as people read them, newest first: «А-015 → Окно 3»."""
        return [row.text for row in self.rows if row.call is not None]
