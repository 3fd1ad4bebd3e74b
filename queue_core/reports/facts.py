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

Percentiles (median, p90) interpolate linearly between closest ranks (numpy's default): the database
ranks the values per group with window functions and returns only the two neighbours of each rank.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import and_, case, func, or_, select

from ..domain import EventKind as K
from ..domain import TicketStatus as S
from ..models import Category, Office, Operator, Service, Ticket, TicketEvent, Window

ENTRY_KINDS = (K.ISSUED, K.REDIRECTED, K.RETURNED, K.CATEGORY_DECLINED)
SEQ_KINDS = (*ENTRY_KINDS, K.CALLED, K.STARTED, K.CANCELLED, K.EXPIRED)
FACTS_TABLE = "talon_report_facts"

_md = sa.MetaData()
facts = sa.Table(
    FACTS_TABLE, _md,
    sa.Column("id", sa.Integer), sa.Column("office", sa.String), sa.Column("day", sa.Date),
    sa.Column("hour", sa.Integer), sa.Column("service", sa.String), sa.Column("segment", sa.String),
    sa.Column("category", sa.String), sa.Column("window", sa.Integer), sa.Column("operator", sa.String),
    sa.Column("status", sa.String), sa.Column("wait_s", sa.Float), sa.Column("total_wait_s", sa.Float),
    sa.Column("service_s", sa.Float), sa.Column("walk_sum", sa.Float), sa.Column("walk_n", sa.Integer),
    sa.Column("redirected", sa.Integer), sa.Column("within", sa.Integer), sa.Column("rating", sa.Integer),
    sa.Column("oot", sa.Integer), sa.Column("verified", sa.Integer), sa.Column("declined", sa.Integer),
    prefixes=["TEMPORARY"],
)


def seconds(is_sqlite: bool, later, earlier):  # noqa: ANN001, ANN201 - SQL expressions
    """``later − earlier`` in seconds as a float (SQLite: julianday, rounded to ms)."""
    if is_sqlite:
        return func.round((func.julianday(later) - func.julianday(earlier)) * 86400.0, 3)
    return sa.cast(func.extract("epoch", later - earlier), sa.Float)


def _local_hour(is_sqlite: bool, offices: list[tuple[int, str]], start: date, end: date):  # noqa: ANN202
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


def build_facts(conn: sa.Connection, start: date, end: date, office_id: int | None) -> int:
    """Create the temporary per-ticket facts table for the period (one pass over tickets and their
    events); returns the number of tickets. Drop it with :func:`drop_facts` in the same transaction."""
    is_sqlite = conn.dialect.name == "sqlite"
    t, e = Ticket.__table__, TicketEvent.__table__
    sv, ct, wn, op, of = (m.__table__ for m in (Service, Category, Window, Operator, Office))
    in_period = [t.c.day.between(start, end)] + ([t.c.office_id == office_id] if office_id is not None else [])

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
    body = select(
        t.c.id, of.c.code, t.c.day, _local_hour(is_sqlite, offices, start, end), sv.c.slug, sv.c.segment,
        ct.c.slug, wn.c.number, op.c.login, t.c.status, wait, ev.c.total_wait,
        case((t.c.status == S.DONE, seconds(is_sqlite, t.c.finished_at, t.c.started_at))),
        ev.c.walk_sum, func.coalesce(ev.c.walk_n, 0),
        case((ev.c.redirects > 0, 1), else_=0), within, t.c.rating,
        case((or_(ct.c.out_of_turn == sa.true(), ev.c.declined_from.in_(oot_slugs)), 1), else_=0),
        case((t.c.category_verified_at.is_not(None), 1), else_=0),
        case((ev.c.declined_from.is_not(None), 1), else_=0),
    ).select_from(
        t.join(sv, sv.c.id == t.c.service_id).join(ct, ct.c.id == t.c.category_id)
        .join(of, of.c.id == t.c.office_id)
        .outerjoin(wn, wn.c.id == t.c.window_id).outerjoin(op, op.c.id == t.c.operator_id)
        .outerjoin(ev, ev.c.ticket_id == t.c.id)
    ).where(*in_period)
    drop_facts(conn)
    facts.create(conn)
    conn.execute(facts.insert().from_select([c.name for c in facts.columns], body))
    return conn.execute(select(func.count()).select_from(facts)).scalar_one()


def drop_facts(conn: sa.Connection) -> None:
    facts.drop(conn, checkfirst=True)


# --- aggregates -------------------------------------------------------------------------------
KEY_COLUMNS = {"service": "service", "category": "category", "segment": "segment", "day": "day",
               "hour": "hour", "window": "window", "operator": "operator", "office": "office"}


@dataclass
class Aggregate:
    """Raw sums of one group, before they become :class:`~queue_core.reports.model.Metrics`."""

    issued: int
    called: int
    served: int
    no_show: int
    cancelled: int
    expired: int
    redirected: int
    wait_mean: float | None
    wait_max: float | None
    total_wait_mean: float | None
    service_mean: float | None
    walk_sum: float | None
    walk_n: int
    within: int
    target_base: int
    rating_count: int
    rating_mean: float | None
    rating_top2: int
    oot_verified: int
    oot_declined: int
    wait_median: float | None = None
    wait_p90: float | None = None
    service_median: float | None = None


def _n(v) -> int:  # noqa: ANN001
    return int(v or 0)


def aggregate(conn: sa.Connection, key: str | None, *, only_oot: bool = False) -> dict[object, Aggregate]:
    """GROUP BY ``key`` (None = one group ``None``) over the facts table: counts, sums, means, max;
    then the medians and p90 from :func:`percentiles`."""
    f = facts.c
    col = f[KEY_COLUMNS[key]] if key else None
    status = {st: func.sum(case((f.status == st, 1), else_=0)) for st in (S.DONE, S.NO_SHOW, S.CANCELLED, S.EXPIRED)}
    cols = [
        func.count(), func.count(f.wait_s), status[S.DONE], status[S.NO_SHOW], status[S.CANCELLED],
        status[S.EXPIRED], func.sum(f.redirected), func.avg(f.wait_s), func.max(f.wait_s),
        func.avg(f.total_wait_s), func.avg(f.service_s), func.sum(f.walk_sum), func.sum(f.walk_n),
        func.sum(f.within), func.count(f.within), func.count(f.rating), func.avg(f.rating),
        func.sum(case((f.rating >= 4, 1), else_=0)), func.sum(f.verified), func.sum(f.declined),
    ]
    q = select(*([col] if col is not None else []), *cols).select_from(facts)
    if only_oot:
        q = q.where(f.oot == 1)
    if col is not None:
        q = q.group_by(col)
    out: dict[object, Aggregate] = {}
    for row in conn.execute(q):
        k, vals = (row[0], row[1:]) if col is not None else (None, row)
        if vals[0] == 0:
            continue
        (issued, called, served, no_show, cancelled, expired, redirected, wmean, wmax, twmean, smean, wsum,
         wn, within, base, rcount, rmean, rtop, verified, declined) = vals
        out[k] = Aggregate(_n(issued), _n(called), _n(served), _n(no_show), _n(cancelled), _n(expired),
                           _n(redirected), _f(wmean), _f(wmax), _f(twmean), _f(smean), _f(wsum), _n(wn),
                           _n(within), _n(base), _n(rcount), _f(rmean), _n(rtop), _n(verified), _n(declined))
    for name, value, p in (("wait_median", f.wait_s, 0.5), ("wait_p90", f.wait_s, 0.9),
                           ("service_median", f.service_s, 0.5)):
        for k, v in percentiles(conn, col, value, p, only_oot=only_oot).items():
            if k in out:
                setattr(out[k], name, v)
    return out


def _f(v) -> float | None:  # noqa: ANN001
    return None if v is None else float(v)


def percentiles(conn: sa.Connection, key, value, p: float, *, only_oot: bool = False) -> dict:  # noqa: ANN001
    """The ``p`` quantile of ``value`` per ``key`` with linear interpolation (numpy's default).

    The database ranks each group's values; only the ranks ⌊(n−1)p⌋ and ⌊(n−1)p⌋+1 come back."""
    over = dict(order_by=value) | ({"partition_by": key} if key is not None else {})
    count_over = {"partition_by": key} if key is not None else {}
    cond = [value.is_not(None)] + ([facts.c.oot == 1] if only_oot else [])
    ranked = select(
        (key if key is not None else sa.literal(0)).label("k"), value.label("v"),
        (func.row_number().over(**over) - 1).label("r"), func.count().over(**count_over).label("n"),
    ).where(*cond).subquery()
    num, den = _fraction(p)
    lo = ((ranked.c.n - 1) * num) // den
    rows = conn.execute(select(ranked.c.k, ranked.c.v, ranked.c.r, ranked.c.n)
                        .where(or_(ranked.c.r == lo, ranked.c.r == lo + 1))).all()
    picked: dict[object, tuple[int, dict[int, float]]] = {}
    for k, v, r, n in rows:
        picked.setdefault(k if key is not None else None, (int(n), {}))[1][int(r)] = float(v)
    return {k: interpolate(vals, n, p) for k, (n, vals) in picked.items()}


def _fraction(p: float) -> tuple[int, int]:
    den = 1000
    return round(p * den), den


def interpolate(by_rank: dict[int, float], n: int, p: float) -> float:
    """numpy.percentile(..., method="linear") from the values at ranks ⌊h⌋ and ⌊h⌋+1, h = (n−1)·p."""
    h = (n - 1) * p
    lo = math.floor(h)
    v = by_rank[lo]
    if lo + 1 < n:
        v += (h - lo) * (by_rank[lo + 1] - v)
    return v


def percentile(values: list[float], p: float) -> float | None:
    """The same quantile over a plain list (used by tests and small in-memory groups)."""
    if not values:
        return None
    xs = sorted(values)
    return interpolate(dict(enumerate(xs)), len(xs), p)


Progress = Callable[[str], None]
