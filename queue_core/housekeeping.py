"""What the queue does by itself, inside the unit of work of whoever acts next: past days close
(their waiting tickets expire) and put-aside visitors come back when their time is up."""

from __future__ import annotations

from sqlmodel import select

from .domain import EventKind, TicketStatus
from .models import Ticket
from .uow import UnitOfWork

S = TicketStatus


def close_past_days(uow: UnitOfWork) -> None:
    """Waiting/postponed tickets of a past day become ``expired`` at that day's closing time.
    Past is decided by the clock of record, never by this process' own date."""
    office = uow.office
    if office.expired_through == uow.today:
        return
    rows = uow.s.exec(select(Ticket).where(Ticket.office_id == office.id, Ticket.day < uow.today,
                                           Ticket.status.in_((S.WAITING, S.POSTPONED)))).all()
    for ticket in rows:
        uow.move(ticket, EventKind.EXPIRED, at=office.closing_instant(ticket.day), ids={})
    uow.s.flush()
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
    from .clock import as_utc

    ticket.queued_at = uow.now
    ticket.order_at = as_utc(ticket.issued_at) if position == "front" else uow.now
    ticket.window_id = ticket.operator_id = ticket.postponed_until = None
