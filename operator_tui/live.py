"""What the live screens re-read each tick, and when they may skip it.

Plain code (no Textual): it runs inside thread workers. ``service.data_version()`` is a token that
moves with every commit (``PRAGMA data_version`` on SQLite, the WAL position on PostgreSQL), so an
unchanged database costs one statement per tick. Waits grow with time even when nothing is
written, so the snapshot is re-read at least every ``max_age_s`` anyway.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from queue_core.domain import EventKind, QueueSnapshot, WindowState

if TYPE_CHECKING:
    from queue_core.protocol import QueueApi

_UNSET = object()


@dataclass(frozen=True)
class WindowView:
    """Everything the operator's screen shows, read together."""

    snapshot: QueueSnapshot
    state: WindowState
    served: int
    mean_service_s: float | None
    reason: str | None  # why the policy chose the visitor now at the window


class LiveFeed:
    """Re-reads the office snapshot only when the database changed (or it grew old)."""

    def __init__(self, service: QueueApi, *, max_age_s: float = 15.0) -> None:
        self.service = service
        self.max_age_s = max_age_s
        self._token: object = _UNSET
        self._read_at = 0.0
        self.reasons: dict[int, str] = {}  # ticket id -> reason of its call, seen by this terminal

    def invalidate(self) -> None:
        """Make the next :meth:`snapshot` re-read (after this terminal's own action)."""
        self._token = _UNSET

    def snapshot(self) -> QueueSnapshot | None:
        """A fresh snapshot, or None when nothing changed since the last one. Raises StorageError."""
        token = self.service.data_version()
        fresh = token is not None and token == self._token and time.monotonic() - self._read_at < self.max_age_s
        if fresh:
            return None
        snap = self.service.queue_snapshot()
        self._token, self._read_at = token, time.monotonic()
        return snap

    def window_view(self, snap: QueueSnapshot, window: int, login: str) -> WindowView:
        state = next(w for w in snap.windows if w.number == window)
        served, mean_s = self.service.operator_day(window, login)
        reason = None
        if state.current is not None:
            reason = self.reasons.get(state.current.id)
            if reason is None:  # called before this terminal started (re-attached after a restart)
                calls = [e for e in self.service.ticket_history(state.current.id) if e.kind == EventKind.CALLED]
                reason = str(calls[-1].data.get("reason", "")) if calls else ""
                self.reasons[state.current.id] = reason
        return WindowView(snap, state, served, mean_s, reason)
