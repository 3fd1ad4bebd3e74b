"""Time for the whole system comes from an injected clock: UTC instants, office-local dates.

One clock of record (DESIGN.md §11). What a writing transaction records — issue, call, start,
finish, expiry, shifts — is read once per transaction through :meth:`Clock.of_record`, given the
database's clock as that transaction saw it (:meth:`queue_core.db.Database.server_now`):

- on PostgreSQL the database server's ``clock_timestamp()``, read in the statement that takes the
  office lock (after the lock, so instants follow commit order) or, where no lock is taken, once in
  the transaction after the rows it changes are locked;
- on SQLite (one machine) this machine's own clock.

:class:`SystemClock` — a real process — records the database's instant, and first compares it
with its own local time source: beyond ``clock_skew_max_s`` it refuses with :class:`ClockSkew`,
so a machine whose clock is wrong writes nothing (nothing is expired because one client believes it
is tomorrow). The local source is injectable (``source=``) so tests and the soak can skew it.
:class:`SimulatedClock` and :class:`FixedClock` — tests, the soak's shifted office day, ``talon
demo`` — are honoured as they are: their own instant is the instant of record and no skew is
measured (a 2025 test day on a 2026 database server is not a wrong clock).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from .domain import ClockSkew


class Clock(Protocol):
    tz: ZoneInfo

    def now(self) -> datetime:
        """The current instant, aware, in UTC."""

    def today(self) -> date:
        """The office-local date of :meth:`now`."""

    def of_record(self, server_now: datetime, skew_max_s: float) -> datetime:
        """The instant a writing transaction records, given the database's clock ``server_now``;
        raises :class:`ClockSkew` when this process may not write with its clock."""


class SystemClock:
    """This computer's clock. ``source`` (seconds since the epoch, like ``time.time``) replaces
    the system clock for tests that need a wrong one."""

    def __init__(self, tz: ZoneInfo | str = "UTC", source: Callable[[], float] | None = None) -> None:
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        self.source = source

    def now(self) -> datetime:
        return datetime.now(UTC) if self.source is None else datetime.fromtimestamp(self.source(), UTC)

    def today(self) -> date:
        return self.now().astimezone(self.tz).date()

    def local(self, instant: datetime | None = None) -> datetime:
        return (instant or self.now()).astimezone(self.tz)

    def of_record(self, server_now: datetime, skew_max_s: float) -> datetime:
        """The database's instant, once our own clock agrees with it within ``skew_max_s``."""
        skew = (self.now() - server_now).total_seconds()
        if abs(skew) > skew_max_s:
            raise ClockSkew(skew)
        return server_now


class SimulatedClock(SystemClock):
    """A clock whose own instants are the record (tests, simulations): never compared, never refused."""

    def of_record(self, server_now: datetime, skew_max_s: float) -> datetime:
        return self.now()


class FixedClock(SimulatedClock):
    """A clock for tests and simulations: stands still until moved with :meth:`advance`/:meth:`set`."""

    def __init__(self, instant: datetime, tz: ZoneInfo | str = "UTC") -> None:
        super().__init__(tz)
        self.set(instant)

    def set(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = instant.astimezone(UTC)

    def advance(self, seconds: float = 0, **kw: float) -> datetime:
        self._now += timedelta(seconds=seconds, **kw)
        return self._now

    def now(self) -> datetime:
        return self._now


def local_day(instant: datetime, tz: ZoneInfo) -> date:
    """The office-local date of a UTC instant (Omsk: 18:30 UTC is 00:30 the next day)."""
    return instant.astimezone(tz).date()


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC, so re-attach it."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
