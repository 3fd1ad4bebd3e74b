"""Issuing tickets: the one path of every channel (kiosk, informator desk, API).

Issuing is what an office does most, with a visitor waiting for paper, so the path is SQLAlchemy
Core on the unit of work's connection (no ORM flush, no identity map): the counter upsert, the
ticket insert, its events and one query for the estimate, in one short transaction.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from .catalog import CategoryRow, ServiceRow
from .domain import Actor, DomainError, EventKind, OfficeClosed, Role, TicketInfo, TicketStatus
from .housekeeping import close_past_days
from .models import DailyCounter, Ticket
from .office import Office
from .uow import UnitOfWork
from .views import cached_mean_service_min, estimate

_COUNTER = DailyCounter.__table__
_TICKETS = Ticket.__table__
CHANNEL_OF = {Role.KIOSK: "kiosk", Role.API: "api"}  # staff at the desk: "informator"


def issue_ticket(office: Office, actor: Actor, service: str, category: str = "regular") -> TicketInfo:
    """Issue a numbered ticket. Kiosk tickets respect office hours; a priority category taken at a
    kiosk is "claimed" (checked at the window), one issued at the informator's desk is verified."""
    svc, cat = office.service(service), office.category(category)
    channel = CHANNEL_OF.get(actor.role, "informator")
    if channel == "kiosk" and not office.is_open():
        raise OfficeClosed(f"Талоны на сегодня больше не выдаются. Часы работы: {office.config.office.hours_text()}")
    mean_min = cached_mean_service_min(office, svc.id)
    with UnitOfWork(office, actor, "issue", orm=False) as uow:
        close_past_days(uow)
        verified_here = bool(cat.verify) and uow.acting.desk
        tid, code = insert_ticket(uow, svc, cat, channel, verified_here=verified_here)
        est = estimate(uow.cursor, office, svc.id, cat, uow.now, tid, uow.today, mean_min)
    return TicketInfo(
        id=tid, code=code, office=office.catalog.office_code, day=uow.today, service=svc.slug,
        service_name=svc.name, category=cat.slug, category_name=cat.name, channel=channel,
        status=TicketStatus.WAITING, issued_at=uow.now, queued_at=uow.now,
        category_claimed=bool(cat.verify) and not verified_here, category_verified=verified_here,
        position=est.people_ahead, estimated_wait_min=est.minutes)


def insert_ticket(uow: UnitOfWork, svc: ServiceRow, cat: CategoryRow, channel: str, *,
                  verified_here: bool, direct: bool = False) -> tuple[int, str]:
    """Number and insert a waiting ticket at the instant of record, with its ``issued`` event (and
    ``category_verified`` when the desk checked the document); its id and code."""
    if channel not in ("kiosk", "informator", "api"):
        raise DomainError(f"Неизвестный канал выдачи «{channel}»")
    cat.check_in_force(uow.today)  # the register of rights, on the day of record
    office, now = uow.office, uow.now
    sqlite = office.db.is_sqlite
    cur = uow.cursor
    counter = office.statements.get("counter", lambda: _counter_upsert(sqlite))
    number = counter.run(cur, office_id=office.id, day=uow.today, service_id=svc.id).fetchone()[0]
    code = office.code(svc.prefix, number)
    insert = office.statements.get("ticket", lambda: _ticket_insert(sqlite))
    insert.run(cur, office_id=office.id, day=uow.today, service_id=svc.id, category_id=cat.id, number=number,
               code=code, channel=channel, issued_at=now, queued_at=now, order_at=now,
               category_claimed=bool(cat.verify) and not verified_here,
               category_verified_by=uow.acting.operator_id if verified_here else None,
               category_verified_at=now if verified_here else None)
    tid = cur.lastrowid if sqlite else cur.fetchone()[0]  # SQLite: the rowid (RETURNING costs an insert)
    extra = {"direct": True} if direct else {}
    uow.event(tid, EventKind.ISSUED, channel=channel, service=svc.slug, category=cat.slug, **extra)
    if verified_here:
        uow.event(tid, EventKind.CATEGORY_VERIFIED, category=cat.slug, at_issue=True)
    return tid, code


def _counter_upsert(is_sqlite: bool) -> sa.Insert:
    """The (office, day, service) counter: inserted at 1 or incremented, the new number returned."""
    insert = sqlite.insert if is_sqlite else postgresql.insert
    t = _COUNTER
    stmt = insert(t).values(office_id=sa.bindparam("office_id"), day=sa.bindparam("day", type_=sa.Date),
                            service_id=sa.bindparam("service_id"), last_number=1)
    return stmt.on_conflict_do_update(index_elements=[t.c.office_id, t.c.day, t.c.service_id],
                                      set_={"last_number": t.c.last_number + 1}).returning(t.c.last_number)


def _ticket_insert(is_sqlite: bool) -> sa.Insert:
    """A waiting ticket; every column the caller does not bind has its value for a new ticket."""
    t = _TICKETS
    bound = ("office_id", "day", "service_id", "category_id", "number", "code", "channel", "issued_at",
             "queued_at", "order_at", "category_claimed", "category_verified_by", "category_verified_at")
    stmt = sa.insert(t).values({**{c: sa.bindparam(c, type_=t.c[c].type) for c in bound},
                                "status": TicketStatus.WAITING.value, "recalls": 0, "print_status": "none"})
    return stmt if is_sqlite else stmt.returning(t.c.id)
