"""What the queue does by itself, inside the unit of work of whoever acts next: past days close
(their waiting tickets expire) and put-aside visitors come back when their time is up."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlmodel import select

from .clock import as_utc
from .domain import EventKind, TicketStatus, next_status
from .models import Ticket
from .uow import UnitOfWork

S = TicketStatus
_T = Ticket.__table__


def close_past_days(uow: UnitOfWork) -> None:
    """Waiting/postponed tickets of a past day become ``expired`` at that day's closing time.
    Past is decided by the clock of record, never by this process' own date. Once a day per
    process; on the driver's cursor, so the issue path needs no ORM session for it."""
    office = uow.office
    if office.expired_through == uow.today:
        return
    find = office.statements.get("past_open", lambda: select(_T.c.id, _T.c.day, _T.c.status, _T.c.code).where(
        _T.c.office_id == sa.bindparam("office_id"), _T.c.day < sa.bindparam("today", type_=sa.Date),
        _T.c.status.in_([sa.literal_column(f"'{s}'") for s in (S.WAITING, S.POSTPONED)])))
    expire = office.statements.get("expire", lambda: sa.update(_T).where(_T.c.id == sa.bindparam("tid")).values(
        status=sa.bindparam("status", type_=sa.String)))
    for tid, day, status, code in find.run(uow.cursor, office_id=office.id, today=uow.today).fetchall():
        day = date.fromisoformat(day) if isinstance(day, str) else day
        expire.run(uow.cursor, tid=tid, status=str(next_status(status, EventKind.EXPIRED, code)))
        uow.event(tid, EventKind.EXPIRED, at=office.closing_instant(day), ids={})
    office.expired_through = uow.today


def return_due_postponed(uow: UnitOfWork) -> None:
    """Visitors put aside whose time is up go back to the queue (``return_position``)."""
    position = uow.office.config.policy.return_position
    due = uow.s.exec(select(Ticket).where(Ticket.office_id == uow.office.id, Ticket.day == uow.today,
                                          Ticket.status == S.POSTPONED, Ticket.postponed_until <= uow.now)).all()
    for ticket in due:
        requeue(uow, ticket, position)
        uow.move(ticket, EventKind.RETURNED, ids={}, auto=True, position=position)
    if due:
        uow.s.flush()


def requeue(uow: UnitOfWork, ticket: Ticket, position: str) -> None:
    """Put a ticket back in the queue: at its original place (``front``) or as if it came now."""
    ticket.queued_at = uow.now
    ticket.order_at = as_utc(ticket.issued_at) if position == "front" else uow.now
    ticket.window_id = ticket.operator_id = ticket.postponed_until = None
