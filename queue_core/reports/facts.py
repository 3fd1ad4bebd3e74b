"""Per-ticket facts of a period, built once in the database, and their aggregates.

How each DESIGN.md §8 measure is read from the tables (interpretations written down here):

* ``issued`` counts the tickets whose office-local ``day`` is in the period; a ticket is grouped by
  what it ended with: its last service (after redirects), its last category (after a declined claim),
  the window and operator that called it last (tickets never called fall in the group «—»), the
  local hour and day of its issue. Outcomes are the ticket's final status (``served`` = ``done``);
  ``redirected`` = tickets with at least one ``redirected`` event. Tickets still open (today's
  report) count as issued and in no outcome.
* ``wait`` = the first ``called`` event − ``issued_at``, for tickets called at least once.
  ``total_wait`` = the sum, over the ticket's queue entries, of (the ``called`` event that ended the
  entry − the entry); entries are ``issued``, ``redirected``, ``returned`` and ``category_declined``
  (a declined claim puts the ticket back in the queue, as a return does). An entry that ended
  without a call (cancelled, expired) adds nothing; a call straight from postponement (by code)
  ends no entry.
* ``walk`` = each ``started`` event − the last ``called`` event before it; ``walk_mean`` is the mean
  over ``started`` events (a redirected visitor walks twice). An implicit start (finish pressed
  without start; ``data.implicit``) is a ``started`` event like any other and is counted as such.
  ``service`` = ``finished_at − started_at`` of served tickets (the last start: the visit that ended
  in ``finished``).
* within target: ``wait ≤ target`` where target = the category's ``target_wait_min`` if set, else the
  service's (both as configured, read from the catalogue tables), for the ticket's last category and
  service. Denominator: every called ticket, plus every never-called ticket that left the queue
  (``cancelled``/``expired`` event) after waiting longer than its target. Times are compared in
  seconds rounded to milliseconds (``wait`` exactly equal to the target is within it).
* ratings: ``rating_mean`` over rated tickets; ``rating_top2_pct`` = share of ratings 4 and 5.
* out-of-turn section: tickets issued in an out-of-turn category (their category now, or the
  category of a declined claim); ``verified`` = with ``category_verified_at`` (at the window or at
  issue by the informator); ``declined`` = with a ``category_declined`` event. Their ``wait`` is the
  first wait, spent as an out-of-turn ticket; within-target uses the ticket's last category (a
  declined claim is measured against the regular target of its service).

Percentiles (median, p90) interpolate linearly between closest ranks (numpy's default).

The facts of a closed office-day are computed once and kept in ``ticket_fact`` (see
:mod:`.rollup`); the facts of open days are built here, per report, into a temporary table of the
same columns. Grouping and aggregation happen in :mod:`.aggregate`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from ..domain import EventKind as K
from ..domain import TicketStatus as S
from ..models import AuditDay, Category, Office, Service, Ticket, TicketEvent, TicketFact

ENTRY_KINDS = (K.ISSUED, K.REDIRECTED, K.RETURNED, K.CATEGORY_DECLINED)
SEQ_KINDS = (*ENTRY_KINDS, K.CALLED, K.STARTED, K.CANCELLED, K.EXPIRED)
FACTS_TABLE = "talon_report_facts"

_md = sa.MetaData()
# The temporary per-ticket facts of a report's open days: the columns of ``ticket_fact``.
facts = sa.Table(FACTS_TABLE, _md, *(sa.Column(c.name, c.type) for c in TicketFact.__table__.columns),
                 prefixes=["TEMPORARY"])
FACT_COLUMNS = tuple(c.name for c in facts.columns)


def seconds(is_sqlite: bool, later: ColumnElement, earlier: ColumnElement) -> ColumnElement:
    """``later − earlier`` in seconds as a float (SQLite: julianday, rounded to ms)."""
    if is_sqlite:
        return func.round((func.julianday(later) - func.julianday(earlier)) * 86400.0, 3)
    return sa.cast(func.extract("epoch", later - earlier), sa.Float)


def _local_hour(is_sqlite: bool, offices: list[tuple[int, str]], start: date, end: date) -> ColumnElement:
    """The office-local hour of issue. PostgreSQL converts with the office's zone; SQLite has no
    zones, so the UTC offset at noon of each local day is applied (offices are closed when clocks
    change), as a CASE over the offices and the day ranges sharing one offset."""
    t = Ticket.__table__
    if not is_sqlite:
        tz = Office.__table__.c.timezone  # joined in the facts query
        return sa.cast(func.extract("hour", func.timezone(tz, t.c.issued_at)), sa.Integer)
    whens = []
    for office_id, tzname in offices:
        for a, b, minutes in _offset_segments(ZoneInfo(tzname), start, end):
            whens.append((and_(t.c.office_id == office_id, t.c.day.between(a, b)), f"{minutes:+d} minutes"))
    modifier = case(*whens, else_="+0 minutes") if whens else sa.literal("+0 minutes")
    return sa.cast(func.strftime("%H", t.c.issued_at, modifier), sa.Integer)


def _offset_segments(tz: ZoneInfo, start: date, end: date) -> list[tuple[date, date, int]]:
    out: list[tuple[date, date, int]] = []
    d = start
    while d <= end:
        off = int(datetime(d.year, d.month, d.day, 12, tzinfo=tz).utcoffset().total_seconds() // 60)
        if out and out[-1][2] == off:
            out[-1] = (out[-1][0], d, off)
        else:
            out.append((d, d, off))
        d += timedelta(days=1)
    return out


def build_facts(conn: sa.Connection, start: date, end: date, office_id: int | None, *,
                days: list[date] | None = None, skip_rolled_up: bool = False) -> int:
    """Create the temporary per-ticket facts table (columns of ``ticket_fact``) for the period (one
    pass over tickets and their events); returns the number of tickets. ``days``: only these days of
    the period; ``skip_rolled_up``: leave out office-days already in ``ticket_fact``/``audit_day``.
    Drop it with :func:`drop_facts` in the same transaction."""
    body = facts_query(conn, start, end, office_id, days=days, skip_rolled_up=skip_rolled_up)
    drop_facts(conn)
    facts.create(conn)
    conn.execute(facts.insert().from_select(list(FACT_COLUMNS), body))
    return conn.execute(select(func.count()).select_from(facts)).scalar_one()


def facts_query(conn: sa.Connection, start: date, end: date, office_id: int | None, *,
                days: list[date] | None = None, skip_rolled_up: bool = False) -> sa.Select:
    """The one SELECT of the per-ticket facts (columns of ``ticket_fact``, in order) of
    :func:`build_facts`, from tickets and their events."""
    is_sqlite = conn.dialect.name == "sqlite"
    t, e = Ticket.__table__, TicketEvent.__table__
    sv, ct, of = (m.__table__ for m in (Service, Category, Office))
    in_period = [t.c.day.between(start, end)] + ([t.c.office_id == office_id] if office_id is not None else [])
    if days is not None:
        in_period.append(t.c.day.in_(days))
    if skip_rolled_up:
        ad = AuditDay.__table__
        in_period.append(~sa.exists().where(ad.c.office_id == t.c.office_id, ad.c.day == t.c.day))

    seq_window = dict(partition_by=e.c.ticket_id, order_by=e.c.id)
    seq = select(
        e.c.ticket_id, e.c.kind, e.c.at,
        func.lag(e.c.kind).over(**seq_window).label("prev_kind"),
        func.lag(e.c.at).over(**seq_window).label("prev_at"),
        case((e.c.kind == K.CATEGORY_DECLINED, e.c.data["from_category"].as_string())).label("from_category"),
    ).where(e.c.ticket_id.in_(select(t.c.id).where(*in_period)), e.c.kind.in_(SEQ_KINDS)).subquery("seq")
    called, started = seq.c.kind == K.CALLED, seq.c.kind == K.STARTED
    gap = seconds(is_sqlite, seq.c.at, seq.c.prev_at)
    walk = and_(started, seq.c.prev_kind == K.CALLED)
    ev = select(
        seq.c.ticket_id,
        func.min(case((called, seq.c.at))).label("first_call"),
        func.sum(case((and_(called, seq.c.prev_kind.in_(ENTRY_KINDS)), gap))).label("total_wait"),
        func.sum(case((walk, gap))).label("walk_sum"),
        func.count(case((walk, 1))).label("walk_n"),
        func.sum(case((seq.c.kind == K.REDIRECTED, 1), else_=0)).label("redirects"),
        func.max(case((seq.c.kind.in_((K.CANCELLED, K.EXPIRED)), seq.c.at))).label("left_at"),
        func.max(seq.c.from_category).label("declined_from"),
    ).group_by(seq.c.ticket_id).subquery("ev")

    oot_slugs = list(conn.execute(select(ct.c.slug).where(ct.c.out_of_turn == sa.true())).scalars())
    offices = [tuple(r) for r in conn.execute(select(of.c.id, of.c.timezone))]
    wait = seconds(is_sqlite, ev.c.first_call, t.c.issued_at)
    target = func.coalesce(ct.c.target_wait_min, sv.c.target_wait_min) * 60
    within = case(
        (ev.c.first_call.is_not(None), case((wait <= target, 1), else_=0)),
        (and_(ev.c.left_at.is_not(None), seconds(is_sqlite, ev.c.left_at, t.c.issued_at) > target), 0),
        else_=None)
    columns = (
        t.c.id, t.c.office_id, t.c.day, _local_hour(is_sqlite, offices, start, end), t.c.service_id,
        t.c.category_id, t.c.window_id, t.c.operator_id, t.c.status, wait, ev.c.total_wait,
        case((t.c.status == S.DONE, seconds(is_sqlite, t.c.finished_at, t.c.started_at))),
        ev.c.walk_sum, func.coalesce(ev.c.walk_n, 0),
        case((ev.c.redirects > 0, 1), else_=0), within, t.c.rating,
        case((or_(ct.c.out_of_turn == sa.true(), ev.c.declined_from.in_(oot_slugs)), 1), else_=0),
        case((t.c.category_verified_at.is_not(None), 1), else_=0),
        case((ev.c.declined_from.is_not(None), 1), else_=0),
    )
    return select(*(c.label(name) for c, name in zip(columns, FACT_COLUMNS, strict=True))).select_from(
        t.join(sv, sv.c.id == t.c.service_id).join(ct, ct.c.id == t.c.category_id)
        .join(of, of.c.id == t.c.office_id)
        .outerjoin(ev, ev.c.ticket_id == t.c.id)
    ).where(*in_period)


def drop_facts(conn: sa.Connection) -> None:
    facts.drop(conn, checkfirst=True)


Progress = Callable[[str], None]
