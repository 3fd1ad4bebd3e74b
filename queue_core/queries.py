"""Read-side queries for live screens and the informator (no actor: what a hall may see).

Each function runs in one read transaction and returns frozen values. Screens poll them about
once a second, so they read only today's open tickets and the tail of the event log.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, time

import sqlalchemy as sa
from sqlalchemy import Select
from sqlmodel import Session, select

from .clock import as_utc
from .domain import (
    AT_WINDOW, CallShown, EventInfo, EventKind, QueueSnapshot, ServiceQueue, TicketInfo, TicketStatus,
    WaitEstimate, WindowState,
)
from .models import Operator, OperatorShift, Ticket, TicketEvent
from .office import Office
from .uow import find_ticket
from .prepared import driver_cursor
from .views import estimate, mean_service_min, ticket_info

S = TicketStatus


def ticket(office: Office, ref: str | int) -> TicketInfo:
    """A ticket by code (today's) or id, with its place in the queue when it waits."""
    with office.db.read() as s:
        return ticket_info(s, office, find_ticket(s, office, ref, office.clock.today()), with_estimate=True)

def ticket_history(office: Office, ref: str | int) -> list[EventInfo]:
    """Every event of a ticket, oldest first (the informator's "история талона")."""
    with office.db.read() as s:
        t = find_ticket(s, office, ref, office.clock.today())
        rows = s.exec(select(TicketEvent).where(TicketEvent.ticket_id == t.id).order_by(TicketEvent.id)).all()
        logins = _logins(s, {e.operator_id for e in rows if e.operator_id})
        return [EventInfo(e.id, t.id, t.code, EventKind(e.kind), as_utc(e.at),
                          office.window_number(e.window_id), logins.get(e.operator_id), dict(e.data))
                for e in rows]

def estimate_wait(office: Office, service: str, category: str = "regular") -> WaitEstimate:
    """What a new ticket of this service and category would be told at the kiosk."""
    svc, cat = office.service(service), office.category(category)
    with office.db.read() as s:
        return estimate(driver_cursor(s), office, svc.id, cat, office.clock.now(), None, office.clock.today(),
                        mean_service_min(s, office, svc.id))

def waiting_counts(office: Office) -> dict[str, int]:
    """Waiting tickets per service slug, today (the kiosk's buttons show these)."""
    with office.db.read() as s:
        rows = s.execute(select(Ticket.service_id, sa.func.count()).where(
            Ticket.office_id == office.catalog.office_id, Ticket.day == office.clock.today(),
            Ticket.status == S.WAITING).group_by(Ticket.service_id)).all()
    counts = {slug: 0 for slug in office.catalog.services}
    for sid, n in rows:
        counts[office.catalog.service_by_id[sid].slug] = n
    return counts

def queue_snapshot(office: Office, *, last_calls: int = 10) -> QueueSnapshot:
    """Everything a hall, window or supervisor screen shows, from one read transaction."""
    now, today = office.clock.now(), office.clock.today()
    with office.db.read() as s:
        open_rows = s.exec(select(Ticket).where(
            Ticket.office_id == office.id, Ticket.day == today,
            Ticket.status.in_((S.WAITING, S.CALLED, S.SERVING, S.POSTPONED)))).all()
        faults = s.exec(select(Ticket).where(
            Ticket.office_id == office.id, Ticket.day == today,
            Ticket.print_status == "failed", Ticket.status == S.WAITING)).all()
        waiting = [t for t in open_rows if t.status == S.WAITING]
        services, past_target = _service_queues(office, waiting, now)
        calls = _calls(office, s, select(TicketEvent).order_by(TicketEvent.id.desc()).limit(last_calls))
        return QueueSnapshot(now, today, office.is_open(now), tuple(services), _windows(office, s, open_rows),
                             tuple(reversed(calls)), tuple(ticket_info(s, office, t) for t in faults),
                             tuple(ticket_info(s, office, t) for t in past_target))


def _windows(office: Office, s: Session, open_rows: list[Ticket]) -> tuple[WindowState, ...]:
    """Each window: who works there, on a break or not, and the visitor at it."""
    shifts = {sh.window_id: sh for sh in s.exec(select(OperatorShift).where(OperatorShift.logged_out_at.is_(None)))}
    names = {o.id: o for o in s.exec(select(Operator).where(
        Operator.id.in_([sh.operator_id for sh in shifts.values()] or [0])))}
    at_window = {t.window_id: t for t in open_rows if t.status in AT_WINDOW}
    out = []
    for w in sorted(office.catalog.windows.values(), key=lambda w: w.number):
        sh = shifts.get(w.id)
        op = names.get(sh.operator_id) if sh else None
        cur = at_window.get(w.id)
        out.append(WindowState(w.number, w.title, w.role, w.weights, op and op.login, op and op.full_name,
                               bool(sh and sh.paused_at), sh and sh.pause_reason,
                               ticket_info(s, office, cur) if cur else None))
    return tuple(out)


def _service_queues(office: Office, waiting: list[Ticket], now: datetime) -> tuple[list[ServiceQueue], list[Ticket]]:
    """Each active service's queue (by category, its longest wait), and the tickets past their target."""
    groups: dict[int, list[Ticket]] = defaultdict(list)
    for t in waiting:
        groups[t.service_id].append(t)
    services, past_target = [], []
    cats = office.catalog.category_by_id
    for svc in office.catalog.services.values():
        if not svc.active:
            continue
        rows = groups.get(svc.id, [])
        waited = {t.id: (now - as_utc(t.issued_at)).total_seconds() for t in rows}
        by_cat: dict[str, int] = defaultdict(int)
        for t in rows:
            by_cat[cats[t.category_id].slug] += 1
        services.append(ServiceQueue(svc.slug, svc.name, svc.prefix, svc.segment, len(rows), dict(by_cat),
                                     int(max(waited.values(), default=0)), svc.target_wait_min))
        past_target += [t for t in rows
                        if waited[t.id] > (cats[t.category_id].target_wait_min or svc.target_wait_min) * 60]
    return services, past_target


def calls_since(office: Office, last_event_id: int, *, windows: list[int] | None = None, limit: int = 100) -> list[CallShown]:
    """Calls and recalls after ``last_event_id``, oldest first: the board's feed.

    Read by id from the append-only log, so a board that reconnects misses none and shows none twice.
    """
    q = select(TicketEvent).where(TicketEvent.id > last_event_id).order_by(TicketEvent.id).limit(limit)
    with office.db.read() as s:
        calls = _calls(office, s, q)
    if windows:
        calls = [c for c in calls if c.window in windows]
    return calls

def recent_calls(office: Office, n: int, *, windows: list[int] | None = None) -> list[CallShown]:
    """The last ``n`` calls of today, oldest first (a board that starts shows these once)."""
    with office.db.read() as s:
        q = (select(TicketEvent).where(TicketEvent.at >= _day_start(office))
             .order_by(TicketEvent.id.desc()).limit(max(n * 4, 40)))
        calls = _calls(office, s, q)
    if windows:
        calls = [c for c in calls if c.window in windows]
    return sorted(calls, key=lambda c: c.event_id)[-n:]

def last_event_id(office: Office) -> int:
    with office.db.read() as s:
        return s.execute(select(sa.func.max(TicketEvent.id)).where(
            TicketEvent.office_id == office.catalog.office_id)).scalar() or 0

def operator_day(office: Office, window: int, login: str) -> tuple[int, float | None]:
    """(served today, mean service seconds) for the operator's own counter."""
    with office.db.read() as s:
        op = s.exec(select(Operator).where(Operator.login == login.strip().lower())).first()
        if op is None:
            return 0, None
        rows = s.execute(select(Ticket.started_at, Ticket.finished_at).where(
            Ticket.office_id == office.catalog.office_id, Ticket.day == office.clock.today(),
            Ticket.operator_id == op.id, Ticket.status == S.DONE)).all()
    secs = [(as_utc(f) - as_utc(st)).total_seconds() for st, f in rows if st and f]
    return len(rows), (sum(secs) / len(secs) if secs else None)

# --- helpers --------------------------------------------------------------------------------
def _day_start(office: Office) -> datetime:
    """Local midnight of today as a UTC instant (SQLite compares stored UTC text, so bind UTC)."""
    return datetime.combine(office.clock.today(), time(0), office.tz).astimezone(UTC)

def _calls(office: Office, s: Session, query: Select) -> list[CallShown]:
    query = query.where(TicketEvent.office_id == office.catalog.office_id,
                        TicketEvent.kind.in_((EventKind.CALLED, EventKind.RECALLED)))
    events = s.exec(query).all()
    if not events:
        return []
    codes = dict(s.execute(select(Ticket.id, Ticket.code).where(
        Ticket.id.in_({e.ticket_id for e in events}))).all())
    out = []
    for e in events:
        win = office.catalog.window_by_id.get(e.window_id)
        if win is None:
            continue
        out.append(CallShown(e.id, codes[e.ticket_id], win.number, win.title, as_utc(e.at),
                             e.kind == EventKind.RECALLED))
    return out

def _logins(s: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(s.execute(select(Operator.id, Operator.login).where(Operator.id.in_(ids))).all())
