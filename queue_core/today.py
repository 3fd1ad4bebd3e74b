"""Today's first calls with their waits: a stop-gap for the supervisor's chart until
:mod:`queue_core.reports` offers KPIs per hour (then the supervisor screen calls that instead)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

import sqlalchemy as sa
from sqlmodel import select

from .clock import as_utc
from .domain import EventKind
from .models import Ticket, TicketEvent


@dataclass(frozen=True)
class FirstCall:
    code: str
    service: str
    category: str
    issued_at: datetime
    called_at: datetime

    @property
    def wait_s(self) -> float:
        return (self.called_at - self.issued_at).total_seconds()


def first_calls_today(service) -> list[FirstCall]:  # noqa: ANN001 - QueueService
    """Every ticket of today that has been called, with its first call instant (§8 ``wait``)."""
    day_start = datetime.combine(service.clock.today(), time(0), service.tz).astimezone(UTC)
    first = (select(TicketEvent.ticket_id, sa.func.min(TicketEvent.at).label("called_at"))
             .where(TicketEvent.office_id == service.catalog.office_id, TicketEvent.kind == EventKind.CALLED,
                    TicketEvent.at >= day_start)
             .group_by(TicketEvent.ticket_id).subquery())
    with service.db.read() as s:
        rows = s.execute(select(Ticket.code, Ticket.service_id, Ticket.category_id, Ticket.issued_at, first.c.called_at)
                         .join(first, first.c.ticket_id == Ticket.id)
                         .where(Ticket.office_id == service.catalog.office_id, Ticket.day == service.clock.today())
                         .order_by(first.c.called_at)).all()
    cats, svcs = service.catalog.category_by_id, service.catalog.service_by_id
    return [FirstCall(code, svcs[sid].slug, cats[cid].slug, as_utc(issued), as_utc(called))
            for code, sid, cid, issued, called in rows]
