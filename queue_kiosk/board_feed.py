"""The hall board's feed: new calls by event id, waiting counts, and whether the database answers.

Plain Python, no Textual: the board screen calls :meth:`CallFeed.poll` from a thread worker
and shows what comes back. Calls are read from the append-only event log by ``id > last_seen``,
so a board that loses the database and comes back misses none and shows none twice. A cheap
"anything changed?" token (``service.data_version()``: ``PRAGMA data_version`` on SQLite, the WAL
position on PostgreSQL) skips the queries when nothing was written.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from queue_core.config import Config
from queue_core.domain import CallShown, CatalogMismatch, ClockSkew, StorageError

if TYPE_CHECKING:
    from queue_core.protocol import QueueApi

log = logging.getLogger(__name__)

FULL_REFRESH_S = 30.0  # waiting counts are re-read at least this often (a new day, a lost token)
RECONNECT_S = 5.0
BATCH = 100  # how often a board without a database tries to open it again


@dataclass(frozen=True)
class WaitingLine:
    """One service's «Ожидают: N» on the board."""

    prefix: str
    name: str
    waiting: int


@dataclass(frozen=True)
class FeedUpdate:
    """What one poll found. ``online`` is False when the database did not answer."""

    online: bool
    calls: tuple[CallShown, ...] = ()
    history: tuple[CallShown, ...] = ()  # the recent calls a freshly started board shows once
    waiting: tuple[WaitingLine, ...] | None = None  # None: unchanged since the last poll
    error: str = ""
    note: str = ""  # what the staff must fix at this board (a wrong clock), shown by the link mark


@dataclass
class BoardZone:
    """Which calls and queues one board shows (empty = all)."""

    windows: list[int] = field(default_factory=list)
    services: list[str] = field(default_factory=list)

    @classmethod
    def from_config(cls, config: Config) -> BoardZone:
        return cls(list(config.board.windows), list(config.board.services))


class CallFeed:
    """Reads the board's data through the service layer; one poll at a time (not thread-safe)."""

    def __init__(self, config: Config, connect: Callable[[], QueueApi], zone: BoardZone | None = None,
                 *, history: int | None = None, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.zone = zone or BoardZone.from_config(config)
        self.history = history or config.board.history
        self._connect = connect
        self._service: QueueApi | None = None
        self._note = ""
        self._monotonic = monotonic
        self.last_seen: int | None = None  # None until the recent history was read once
        self._token: int | None = None
        self._last_full = float("-inf")
        self._last_attempt = float("-inf")
        self._services = [s for s in config.services
                          if s.active and (not self.zone.services or s.id in self.zone.services)]

    def empty_waiting(self) -> tuple[WaitingLine, ...]:
        """The board's services with zero waiting: what the foot shows before the first poll."""
        return tuple(WaitingLine(s.prefix, s.name, 0) for s in self._services)

    @property
    def service(self) -> QueueApi | None:
        return self._service

    def poll(self) -> FeedUpdate:
        """New calls since the last poll (oldest first), and waiting counts when anything changed."""
        now = self._monotonic()
        try:
            if self._service is None:
                if now - self._last_attempt < RECONNECT_S:
                    return FeedUpdate(online=False, error="Нет связи с базой данных", note=self._note)
                self._last_attempt = now
                self._service = self._connect()
            svc = self._service
            token = svc.data_version()
            due = now - self._last_full >= FULL_REFRESH_S
            if self.last_seen is not None and token is not None and token == self._token and not due:
                return FeedUpdate(online=True)
            history: tuple[CallShown, ...] = ()
            calls: list[CallShown] = []
            if self.last_seen is None:
                history, mark = self._start(svc)
            else:
                calls, mark = self._since(svc, self.last_seen)
            waiting = self._waiting(svc)
        except StorageError as e:
            self._token = None  # re-read everything once the database is back
            self._note = str(e) if isinstance(e, ClockSkew | CatalogMismatch) else ""
            return FeedUpdate(online=False, error=str(e), note=self._note)
        # Only a poll that read everything moves the mark: a failure halfway loses no call.
        self.last_seen, self._token = mark, token
        if due:
            self._last_full = now
        return FeedUpdate(online=True, calls=tuple(calls), history=history, waiting=waiting)

    # --- reads -------------------------------------------------------------------------------------
    def _start(self, svc: QueueApi) -> tuple[tuple[CallShown, ...], int]:
        # Read the high-water mark first: a call made meanwhile comes with the next poll, not twice.
        last = svc.last_event_id()
        recent = [c for c in svc.recent_calls(self.history + 1, windows=self.zone.windows or None)
                  if c.event_id <= last and self._shows(c)]
        return tuple(recent), last

    def _since(self, svc: QueueApi, mark: int) -> tuple[list[CallShown], int]:
        out: list[CallShown] = []
        while True:  # unfiltered batches, so a page full of other windows' calls still moves the mark
            batch = svc.calls_since(mark, limit=BATCH)
            if not batch:
                return out, mark
            mark = batch[-1].event_id
            out += [c for c in batch if self._shows(c)]
            if len(batch) < BATCH:
                return out, mark

    def _waiting(self, svc: QueueApi) -> tuple[WaitingLine, ...]:
        counts = svc.waiting_counts()
        return tuple(WaitingLine(s.prefix, s.name, counts.get(s.id, 0)) for s in self._services)

    def _shows(self, call: CallShown) -> bool:
        if self.zone.windows and call.window not in self.zone.windows:
            return False
        return not self.zone.services or any(_has_prefix(call.code, s.prefix) for s in self._services)


def _has_prefix(code: str, prefix: str) -> bool:
    """«А-015» has prefix «А»; «АБ-002» does not (the letter after the prefix decides)."""
    return code.startswith(prefix) and not code[len(prefix):len(prefix) + 1].isalpha()
