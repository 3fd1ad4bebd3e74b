"""Tickets as a person sees them: the frozen :class:`TicketInfo`, its place in the queue and the
wait estimate. Used inside writing transactions (the issued ticket) and read transactions alike."""

from __future__ import annotations

import math
from typing import Any
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, select

from .catalog import CategoryRow
from .clock import as_utc
from .domain import TicketInfo, TicketStatus, WaitEstimate
from .models import Operator, OperatorShift, Ticket
from .office import Office
from .policy import ORDER, sort_value
from .prepared import driver_cursor

S = TicketStatus
NOT_YET = 2**31 - 1  # the id of a ticket not issued yet: after every ticket of the same instant


def sql_before(columns: dict[str, ColumnElement], values: dict[str, object]) -> ColumnElement:
    """SQL true for a row that :data:`queue_core.policy.ORDER` puts before ``values``.

    ``columns`` maps what a rule reads to the row's SQL expression; a rule whose input is not in
    ``columns`` is the same for every row compared (e.g. the weight inside one service's queue)."""
    terms = []
    for what, way in ORDER:
        if what not in columns:
            continue
        col = columns[what]
        if way == "true_first":
            col = sa.case((col, 0), else_=1)
        elif way == "zero_last":
            col = sa.case((col == 0, 1), else_=0)
        elif way == "desc":
            col = -col
        if what == "weight" and "out_of_turn" in columns:  # weights never order out-of-turn tickets
            col = sa.case((columns["out_of_turn"], 0), else_=col)
        value = None if what == "weight" and values.get("out_of_turn") else values[what]
        terms.append((col, sort_value(value, way)))
    expr = None
    for col, value in reversed(terms):
        less = col < value
        expr = less if expr is None else sa.or_(less, sa.and_(col == value, expr))
    return expr


CATEGORY_RULES = ("out_of_turn", "priority")  # what of the §4 order a ticket's category decides


def category_key(cat: CategoryRow) -> tuple:
    """The part of the §4 sort key a category decides (rules 1 and 3; within one service queue the
    weights of rules 2 and 4 are the same for everyone)."""
    return tuple(sort_value(getattr(cat, what), way) for what, way in ORDER if what in CATEGORY_RULES)


def people_ahead_query(office: Office, service_id: int, cat: CategoryRow) -> sa.Select:
    """Waiting tickets of the service that the §4 order puts before a ticket of category ``cat``
    (one COUNT); binds ``day``, ``order_at`` and ``ticket_id``.

    The category rules come first in :data:`~queue_core.policy.ORDER`, so they are decided here,
    once per category, as lists of category ids; the rest of the order is compared in SQL."""
    mine = category_key(cat)
    cats = office.catalog.categories.values()
    before = [c.id for c in cats if category_key(c) < mine]
    same = [c.id for c in cats if category_key(c) == mine]
    in_time = sql_before({"queued_at": Ticket.order_at, "id": Ticket.id},
                         {"queued_at": sa.bindparam("order_at", type_=Ticket.__table__.c.order_at.type),
                          "id": sa.bindparam("ticket_id", type_=sa.Integer)})
    ahead = sa.or_(_one_of(Ticket.category_id, before), sa.and_(_one_of(Ticket.category_id, same), in_time))
    return (select(sa.func.count()).select_from(Ticket)
            .where(Ticket.office_id == office.id, Ticket.status == S.WAITING,
                   Ticket.day == sa.bindparam("day", type_=sa.Date), Ticket.service_id == service_id, ahead))


def _one_of(col: ColumnElement, ids: list[int]) -> ColumnElement:
    """``col IN (…)`` with the ids written into the SQL (a prepared statement binds no lists)."""
    return col.in_([sa.literal_column(str(int(i))) for i in ids]) if ids else sa.false()


def _category_rules_come_first() -> None:
    rules = [what for what, _ in ORDER if what != "weight"]
    assert rules[:len(CATEGORY_RULES)] == list(CATEGORY_RULES), "people_ahead_query assumes it (DESIGN §4)"


_category_rules_come_first()


def open_windows_query(office: Office, service_id: int) -> sa.Select:
    """Windows serving the service now: logged in, not paused, weight > 0."""
    slug = office.catalog.service_by_id[service_id].slug
    serving = [w.id for w in office.catalog.windows.values() if w.weights.get(slug, 0) > 0]
    return select(sa.func.count()).select_from(OperatorShift).where(
        _one_of(OperatorShift.window_id, serving), OperatorShift.logged_out_at.is_(None),
        OperatorShift.paused_at.is_(None))


def estimate(cursor: Any, office: Office, service_id: int, cat: CategoryRow, order_at: datetime,
             ticket_id: int | None, day: date, mean_min: float) -> WaitEstimate:
    """Minutes ≈ people ahead × mean service time ÷ open windows serving the service (at least 1);
    run on the driver's ``cursor`` of a transaction."""
    ahead_sql = office.statements.get(("ahead", service_id, cat.id), lambda: select(
        people_ahead_query(office, service_id, cat).scalar_subquery(),
        open_windows_query(office, service_id).scalar_subquery()))
    ahead, open_windows = ahead_sql.run(cursor, day=day, order_at=order_at, ticket_id=ticket_id or NOT_YET).fetchone()
    return WaitEstimate(int(ahead), math.ceil(int(ahead) * mean_min / max(1, int(open_windows or 0))))


def mean_service_min(s: Session, office: Office, service_id: int) -> float:
    """The last 50 finished tickets of the service in 30 days (else the configured default),
    recomputed at most every 5 minutes."""
    now = office.clock.now()
    cached = office.service_time.get(service_id)
    if cached and timedelta(0) <= now - cached[0] < timedelta(minutes=5):
        return cached[1]
    since = office.clock.today() - timedelta(days=30)
    duration = ((sa.func.julianday(Ticket.finished_at) - sa.func.julianday(Ticket.started_at)) * 86400.0
                if office.db.is_sqlite else sa.func.extract("epoch", Ticket.finished_at - Ticket.started_at))
    recent = (select(duration.label("d"))
              .where(Ticket.office_id == office.id, Ticket.status == S.DONE, Ticket.day >= since,
                     Ticket.service_id == service_id, Ticket.started_at.is_not(None))
              .order_by(Ticket.id.desc()).limit(50).subquery())
    mean_s = s.execute(select(sa.func.avg(recent.c.d))).scalar()
    mean_min = float(mean_s) / 60 if mean_s else office.config.policy.default_service_min
    office.service_time[service_id] = (now, mean_min)
    return mean_min


def cached_mean_service_min(office: Office, service_id: int) -> float:
    """:func:`mean_service_min` from its cache, or from a read transaction of its own (before a
    write, so the writing transaction stays short)."""
    cached = office.service_time.get(service_id)
    if cached and timedelta(0) <= office.clock.now() - cached[0] < timedelta(minutes=5):
        return cached[1]
    with office.db.read() as s:
        return mean_service_min(s, office, service_id)


def ticket_info(s: Session, office: Office, t: Ticket, *, with_estimate: bool = False) -> TicketInfo:
    """The frozen view of a ticket row (flushed first), with its place in the queue when it waits."""
    s.flush()
    cat = office.catalog
    svc, category = cat.service_by_id[t.service_id], cat.category_by_id[t.category_id]
    win = cat.window_by_id.get(t.window_id) if t.window_id else None
    login = s.get(Operator, t.operator_id).login if t.operator_id else None
    est = None
    if with_estimate and t.status == S.WAITING:
        est = estimate(driver_cursor(s), office, t.service_id, category, as_utc(t.order_at), t.id, t.day,
                       mean_service_min(s, office, t.service_id))
    return TicketInfo(
        id=t.id, code=t.code, office=cat.office_code, day=t.day, service=svc.slug, service_name=svc.name,
        category=category.slug, category_name=category.name, channel=t.channel, status=S(t.status),
        issued_at=as_utc(t.issued_at), queued_at=as_utc(t.queued_at), called_at=as_utc(t.called_at),
        started_at=as_utc(t.started_at), finished_at=as_utc(t.finished_at), window=win.number if win else None,
        operator=login, recalls=t.recalls, category_claimed=t.category_claimed,
        category_verified=t.category_verified_at is not None, print_status=t.print_status, rating=t.rating,
        postponed_until=as_utc(t.postponed_until), position=est.people_ahead if est else None,
        estimated_wait_min=est.minutes if est else None,
    )
