"""Rolling up closed office-days: their per-ticket facts into ``ticket_fact`` and their priority
audit into ``audit_day``, computed once, so that a quarterly report reads a million prepared rows
instead of replaying millions of events.

An office-day is closed when it is before the office-local date of ``now`` and none of its tickets
is still open (waiting, called, serving, postponed — those expire when the office's next day begins;
until then the day is reported live). Days without tickets are rolled up too (an empty ``audit_day``
row), so that they are not looked at again.

A closed day can still change: a late rating, ``talon demo`` filling past days, an import, a client
whose clock is wrong. The database itself keeps rollups honest (migration ``0003``): triggers on
``ticket`` and ``ticket_event`` delete the office-day's ``audit_day`` row and ``ticket_fact`` rows in
the writer's own transaction, so the next report rolls that day up again. Invalidation in the
database rather than in every write path of the code: it covers writers that do not exist yet. On
PostgreSQL a write into a past day first takes the office's rollup lock (``ROLLUP_LOCK_BASE`` + office
id), which :func:`_roll_up_days` holds while it reads and stores; it re-checks under that lock that
the days are still closed and not rolled up.

Each rolled-up day also stores the verdict of the event log's hash chain over its stretch of the log
(:mod:`.chain`), so a report of a long period does not walk its events again.

What is stored is exactly what the live report computes (the same SQL and the same replay,
:func:`.facts.build_facts` and :func:`.audit.replay`), with the catalogue (targets, window
weights) as configured when the day was rolled up. Reports roll up what is pending before they read
(:func:`roll_up`); ``talon report`` therefore does it on its first run over a new period, and the
operator's KPI screen on the first look at a past week.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import func, select

from ..db import Database
from ..domain import OPEN_STATUSES
from ..models import AuditDay, Office, Ticket, TicketFact
from .audit import DayAudit, replay
from .chain import NO_CHAIN, check_days
from .facts import FACT_COLUMNS, build_facts, drop_facts, facts

ROLLUP_LOCK_BASE = 7_400_000  # pg_advisory_xact_lock key = base + office id (rollups of one office, one at a time)
CHUNK_DAYS = 31  # office-days per write transaction


def office_today(tz: str, now: datetime) -> date:
    return now.astimezone(ZoneInfo(tz)).date()


def pending(conn: sa.Connection, start: date, end: date, office_id: int | None, now: datetime) -> dict[int, list[date]]:
    """Office-days of the period that are closed and not yet rolled up, per office id."""
    of, ad = Office.__table__, AuditDay.__table__
    offices = conn.execute(select(of.c.id, of.c.timezone).where(
        *([of.c.id == office_id] if office_id is not None else []))).all()
    done = set(conn.execute(select(ad.c.office_id, ad.c.day).where(
        ad.c.day.between(start, end), *([ad.c.office_id == office_id] if office_id is not None else []))).all())
    out: dict[int, list[date]] = {}
    for oid, tz in offices:
        last = min(end, office_today(tz, now) - timedelta(days=1))
        days = [start + timedelta(days=i) for i in range((last - start).days + 1)]
        days = [d for d in days if (oid, d) not in done]
        if not days:
            continue
        still_open = _open_days(conn, oid, days[0], days[-1])
        days = [d for d in days if d not in still_open]
        if days:
            out[oid] = days
    return out


def _open_days(conn: sa.Connection, office_id: int, first: date, last: date) -> set[date]:
    """Days between ``first`` and ``last`` with a ticket still open (not closed, so not rolled up)."""
    t = Ticket.__table__
    return set(conn.execute(select(t.c.day).distinct().where(
        t.c.office_id == office_id, t.c.status.in_([str(s) for s in OPEN_STATUSES]),
        t.c.day.between(first, last))).scalars())


def first_live_day(conn: sa.Connection, start: date, end: date, office_id: int | None) -> date | None:
    """The first day of the period some office has not rolled up (None: every office-day is)."""
    of, ad = Office.__table__, AuditDay.__table__
    offices = list(conn.execute(select(of.c.id).where(
        *([of.c.id == office_id] if office_id is not None else []))).scalars())
    done: dict[int, set[date]] = {oid: set() for oid in offices}
    for oid, day in conn.execute(select(ad.c.office_id, ad.c.day).where(
            ad.c.day.between(start, end), *([ad.c.office_id == office_id] if office_id is not None else []))):
        done.setdefault(oid, set()).add(day)
    firsts = []
    for oid in offices:
        d = start
        while d <= end and d in done[oid]:
            d += timedelta(days=1)
        if d <= end:
            firsts.append(d)
    return min(firsts, default=None)


def roll_up(db: Database, start: date, end: date, office_id: int | None = None, *, now: datetime | None = None,
            progress: Callable[[str], None] | None = None) -> int:
    """Roll up every closed office-day of the period not rolled up yet; returns how many."""
    now = now or datetime.now(UTC)
    with db.read() as s:
        todo = pending(s.connection(), start, end, office_id, now)
    total = sum(len(d) for d in todo.values())
    if total and progress:
        progress(f"Закрытие дней: {total}")
    for oid, days in todo.items():
        for i in range(0, len(days), CHUNK_DAYS):
            _roll_up_days(db, oid, days[i:i + CHUNK_DAYS], now)
    return total


def _roll_up_days(db: Database, office_id: int, days: list[date], now: datetime) -> None:
    ad, tf = AuditDay.__table__, TicketFact.__table__
    with db.write() as s:
        conn = s.connection()
        if not db.is_sqlite:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": ROLLUP_LOCK_BASE + office_id})
        done = set(conn.execute(select(ad.c.day).where(ad.c.office_id == office_id, ad.c.day.in_(days))).scalars())
        done |= _open_days(conn, office_id, days[0], days[-1])  # a write since pending() looked
        days = [d for d in days if d not in done]  # another process was quicker
        if not days:
            return
        start, end = days[0], days[-1]
        build_facts(conn, start, end, office_id, days=days)
        try:
            conn.execute(tf.insert().from_select(list(FACT_COLUMNS), select(*facts.c)))
            tickets = dict(conn.execute(select(facts.c.day, func.count()).group_by(facts.c.day)).all())
        finally:
            drop_facts(conn)
        audits = replay(conn, start, end, office_id, days=days)
        chains = check_days(conn, office_id, days)
        conn.execute(ad.insert(), [
            {"office_id": office_id, "day": d, "rolled_up_at": now, "tickets": tickets.get(d, 0),
             **audits.get((office_id, d), DayAudit()).to_row(), **chains.get(d, NO_CHAIN)}
            for d in days])
