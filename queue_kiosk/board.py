"""The hall display board («табло»): ``talon board`` in a terminal, ``talon serve board`` on a TV.

:func:`build_board_app` makes the app for both :func:`run_board` and the tests. The board opens
the database itself, in a worker, and keeps retrying while it is unreachable, so a TV switched on
before the database server simply shows «нет связи» until it can read the calls.

Voice test mode: with ``TALON_VOICE_WAV_DIR`` set, announcements are written there as WAV files
instead of being played (``[board] voice = true`` must be on).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App
from textual.worker import Worker, WorkerState

from queue_core.clock import Clock, SystemClock
from queue_core.config import Config
from queue_kiosk.announce import Announcer
from queue_kiosk.board_feed import BoardZone, CallFeed
from queue_kiosk.screens.board import BoardScreen, Speaker

if TYPE_CHECKING:
    from queue_core.protocol import QueueApi

log = logging.getLogger(__name__)


class BoardApp(App):
    """The board has no keys a visitor could press: it only shows (Ctrl+Q quits for the staff)."""

    CSS_PATH = "board.tcss"
    TITLE = "Табло"
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, config: Config, clock: Clock, feed: CallFeed, *, speaker: Speaker | None = None,
                 blink: bool = True) -> None:
        super().__init__()
        self.config = config
        self.clock = clock
        self.feed = feed
        self.speaker = speaker
        self.blink = blink
        self.title = f"Табло — {config.office.name}"

    def on_mount(self) -> None:
        self.push_screen(BoardScreen(self.config, self.clock, self.feed, speaker=self.speaker, blink=self.blink))

    @property
    def board(self) -> BoardScreen:
        screen = self.screen
        assert isinstance(screen, BoardScreen)
        return screen

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A poll that raised (the feed turns an unreachable database into «нет связи» itself, so
        this is a programming error): logged, and the next tick polls again."""
        if event.state not in (WorkerState.ERROR, WorkerState.CANCELLED):
            return
        if event.state == WorkerState.ERROR:
            log.error("board poll failed", exc_info=event.worker.error)
        for screen in self.screen_stack:
            if isinstance(screen, BoardScreen):
                screen.poll_finished()


def build_board_app(config: Config, *, clock: Clock | None = None, service: QueueApi | None = None,
                    connect: Callable[[], QueueApi] | None = None, speaker: Speaker | None = None,
                    zone: BoardZone | None = None, blink: bool = True) -> BoardApp:
    """The board for ``config``, showing ``service`` or what ``connect`` opens (retried while the
    office's service is unreachable)."""
    clock = clock or SystemClock(config.office.tz)
    if connect is None:
        if service is None:
            raise TypeError("the board needs the office's service or a way to open it")
        connect = lambda: service  # noqa: E731
    return BoardApp(config, clock, CallFeed(config, connect, zone), speaker=speaker, blink=blink)


def voice_from_config(config: Config) -> Announcer | None:
    """The configured voice, or None when ``[board] voice`` is off."""
    if not config.board.voice:
        return None
    wav_dir = os.environ.get("TALON_VOICE_WAV_DIR")
    return Announcer(config.board.voice_command, wav_dir=Path(wav_dir) if wav_dir else None)


def run_board(config: Config, connect: Callable[[], QueueApi]) -> None:
    """Run the board full-screen until Ctrl+Q (``talon board``)."""
    voice = voice_from_config(config)
    try:
        build_board_app(config, connect=connect, speaker=voice).run()
    finally:
        if voice is not None:
            voice.close()
