"""Report periods: a day, a month, a quarter or a range of office-local dates.

A period is a closed range of office-local dates (``ticket.day``): ``2025-10-06``, ``2025-10``,
``2025Q4`` (also ``2025-Q4``, ``2025q4``), or ``--from D --to D``. A ticket belongs to the period of
the office-local day it was issued on, so 00:30 in Omsk (18:30 UTC the day before) counts for the
new day.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS_RU = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
             "октябрь", "ноябрь", "декабрь")
_QUARTER_RE = re.compile(r"^\s*(\d{4})\s*-?\s*[QqКк]\s*([1-4])\s*$")
_MONTH_RE = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


class PeriodError(ValueError):
    """A period a person typed wrong; ``str()`` is one Russian line."""


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    label: str  # Russian, for titles: «4 квартал 2025», «октябрь 2025», «06.10.2025»

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodError(f"конец периода {self.end:%d.%m.%Y} раньше начала {self.start:%d.%m.%Y}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @classmethod
    def day(cls, d: date) -> "Period":
        return cls(d, d, f"{d:%d.%m.%Y}")

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        last = calendar.monthrange(year, month)[1]
        return cls(date(year, month, 1), date(year, month, last), f"{MONTHS_RU[month - 1]} {year}")

    @classmethod
    def quarter(cls, year: int, q: int) -> "Period":
        first = date(year, 3 * q - 2, 1)
        last_month = 3 * q
        end = date(year, last_month, calendar.monthrange(year, last_month)[1])
        return cls(first, end, f"{q} квартал {year}")

    @classmethod
    def range(cls, start: date, end: date) -> "Period":
        if start == end:
            return cls.day(start)
        return cls(start, end, f"{start:%d.%m.%Y}–{end:%d.%m.%Y}")

    @classmethod
    def week_of(cls, d: date) -> "Period":
        """Monday to Sunday of the week of ``d`` (the supervisor's «эта неделя»)."""
        monday = d - timedelta(days=d.weekday())
        return cls(monday, monday + timedelta(days=6), f"неделя {monday:%d.%m}–{monday + timedelta(days=6):%d.%m.%Y}")


def parse_period(text: str) -> Period:
    """``2025Q4`` | ``2025-10`` | ``2025-10-06``; raises :class:`PeriodError` with one Russian line."""
    m = _QUARTER_RE.match(text or "")
    if m:
        return Period.quarter(int(m.group(1)), int(m.group(2)))
    m = _MONTH_RE.match(text or "")
    if m:
        month = int(m.group(2))
        if not 1 <= month <= 12:
            raise PeriodError(f"«{text}»: месяца {month} нет")
        return Period.month(int(m.group(1)), month)
    return Period.day(parse_date(text))


def parse_date(text: str) -> date:
    """``2025-10-06`` or ``06.10.2025``."""
    t = (text or "").strip()
    try:
        if re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}", t):
            d, m, y = (int(p) for p in t.split("."))
            return date(y, m, d)
        return date.fromisoformat(t)
    except ValueError:
        raise PeriodError(f"«{text}»: ожидается 2025Q4, 2025-10, 2025-10-06 или 06.10.2025") from None
