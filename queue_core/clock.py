"""Time for the whole system comes from an injected clock: UTC instants, office-local dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    tz: ZoneInfo

    def now(self) -> datetime:
        """The current instant, aware, in UTC."""

    def today(self) -> date:
        """The office-local date of :meth:`now`."""


class SystemClock:
    def __init__(self, tz: ZoneInfo | str = "UTC") -> None:
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().astimezone(self.tz).date()

    def local(self, instant: datetime | None = None) -> datetime:
        return (instant or self.now()).astimezone(self.tz)


class FixedClock(SystemClock):
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
