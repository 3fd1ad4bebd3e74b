"""The event log's hash chain in reports (DESIGN §13): a period's verdict without walking millions of
events on every report.

An office-day's stretch of the log is the office's events with ids from the first to the last event
of the day's tickets — its expiry written the next morning and a late rating included, and whatever
else the office recorded in between. When a day is rolled up (:mod:`.rollup`) that stretch is walked
once (:func:`queue_core.eventlog.check_range`) and the verdict stored in its ``audit_day`` row. A
report adds up the stored verdicts of its rolled-up days and walks live only what they do not
cover: days not rolled up (today, or rolled up before revision 0004), the office's events between
two stretches, and the first event of each stretch, whose link to the event before it is checked
again. Any later write to a day's events deletes its rollup (migration 0003), so that day is walked
again. ``talon audit verify`` walks every event; a report answers for the events behind its figures.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy import func, select

from ..eventlog import ChainBreak, ChainReport, check_range
from ..models import AuditDay, Office, Ticket, TicketEvent

NO_CHAIN = {"chain_first": None, "chain_last": None, "chain_before": None, "chain_events": 0, "chain_break": None}


def day_stretches(conn: sa.Connection, office_id: int, days: Iterable[date] | None = None, *,
                  start: date | None = None, end: date | None = None) -> dict[date, tuple[int, int]]:
    """The first and last event id of the tickets of each office-day in ``days`` (or ``start``–``end``)."""
    t, e = Ticket.__table__, TicketEvent.__table__
    which = t.c.day.in_(list(days)) if days is not None else t.c.day.between(start, end)
    rows = conn.execute(select(t.c.day, func.min(e.c.id), func.max(e.c.id))
                        .select_from(t.join(e, e.c.ticket_id == t.c.id))
                        .where(t.c.office_id == office_id, which).group_by(t.c.day))
    return {_d(d): (a, b) for d, a, b in rows}


def check_days(conn: sa.Connection, office_id: int, days: list[date]) -> dict[date, dict]:
    """At roll-up: walk the stretch of each office-day and return its ``audit_day`` chain columns."""
    out = {}
    for day, (first, last) in day_stretches(conn, office_id, days).items():
        before = conn.execute(sa.text("SELECT max(id) FROM ticket_event WHERE office_id = :o AND id < :a"),
                              {"o": office_id, "a": first}).scalar()
        checked, found = check_range(conn, office_id, first, last)
        out[day] = {"chain_first": first, "chain_last": last, "chain_before": before, "chain_events": checked,
                    "chain_break": found.to_json() if found else None}
    return out


@dataclass
class _Stretch:
    first: int
    last: int
    before: int | None = None
    events: int | None = None  # None: not checked yet (walk it live)
    found: dict | None = None  # a stored break


def period_chain(conn: sa.Connection, start: date, end: date, office_id: int | None, *,
                 use_rollups: bool = True) -> ChainReport:
    """The chain over the stretches of the period's office-days, of one office or every office;
    ``use_rollups=False`` walks them all live (stores nothing)."""
    started = time.perf_counter()
    of = Office.__table__
    offices = conn.execute(select(of.c.id, of.c.code, of.c.timezone).where(
        *([of.c.id == office_id] if office_id is not None else [])).order_by(of.c.id)).all()
    checked, breaks = 0, []
    for oid, _code, tz in offices:
        n, found = _office(conn, oid, tz, start, end, use_rollups)
        checked += n
        if found is not None:
            breaks.append(found)
    return ChainReport(checked, tuple(code for _, code, _ in offices), tuple(breaks), time.perf_counter() - started)


def _office(conn: sa.Connection, office_id: int, tz: str, start: date, end: date,
            use_rollups: bool) -> tuple[int, ChainBreak | None]:
    return _walk(conn, office_id, tz, _stretches(conn, office_id, start, end, use_rollups))


def _stretches(conn: sa.Connection, office_id: int, start: date, end: date, use_rollups: bool) -> list[_Stretch]:
    """The period's stretches of the office's log: verdicts stored at roll-up, the rest to walk live."""
    stretches: list[_Stretch] = []
    if use_rollups:
        ad = AuditDay.__table__
        covered = set()
        for day, tickets, first, last, before, events, found in conn.execute(select(
                ad.c.day, ad.c.tickets, ad.c.chain_first, ad.c.chain_last, ad.c.chain_before, ad.c.chain_events,
                ad.c.chain_break).where(ad.c.office_id == office_id, ad.c.day.between(start, end))):
            if first is not None:
                stretches.append(_Stretch(first, last, before, events, found))
            if first is not None or not tickets:
                covered.add(_d(day))
        live = [d for d in _days(start, end) if d not in covered]
        ranges = day_stretches(conn, office_id, live) if live else {}
    else:
        ranges = day_stretches(conn, office_id, start=start, end=end)
    return stretches + [_Stretch(a, b) for a, b in ranges.values()]


def _walk(conn: sa.Connection, office_id: int, tz: str, stretches: list[_Stretch]) -> tuple[int, ChainBreak | None]:
    """Events checked, and the first that does not fit: stored verdicts added up, the rest walked."""
    checked = 0
    prev_last: int | None = None  # the last event id of the stretches before
    for group in _overlapping(stretches):
        lead, last = group[0], max(s.last for s in group)
        walk_from = lead.first if prev_last is None else prev_last + 1  # with the events between stretches
        if any(s.events is None for s in group):  # not checked at roll-up: walk it now
            n, found = check_range(conn, office_id, walk_from, last)
            checked += n
            if found is not None:
                return checked, found
        else:
            if not (prev_last is not None and lead.before == prev_last):  # something between, or a first link
                n, found = check_range(conn, office_id, walk_from, lead.first)
                if found is not None:
                    return checked + n, found
                checked += n - 1  # the stretch's first event is counted with it
            stored = [s for s in group if s.found]
            if stored:
                worst = min(stored, key=lambda s: s.found["event_id"])
                return checked + worst.events, ChainBreak.from_json(worst.found, tz)
            checked += lead.events if len(group) == 1 else _count(conn, office_id, lead.first, last)
        prev_last = last
    return checked, None


def _overlapping(stretches: list[_Stretch]) -> list[list[_Stretch]]:
    """Stretches sorted by first id, grouped where they overlap."""
    groups: list[list[_Stretch]] = []
    end = None
    for s in sorted(stretches, key=lambda s: (s.first, s.last)):
        if groups and s.first <= end:
            groups[-1].append(s)
            end = max(end, s.last)
        else:
            groups.append([s])
            end = s.last
    return groups


def _count(conn: sa.Connection, office_id: int, first: int, last: int) -> int:
    e = TicketEvent.__table__
    return conn.execute(select(func.count()).select_from(e).where(
        e.c.office_id == office_id, e.c.id.between(first, last))).scalar_one()


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _d(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
