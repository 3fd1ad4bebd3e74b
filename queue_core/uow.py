"""The unit of work: one writing transaction of one office, the only way the queue changes.

It opens the transaction, takes the office lock (every change to an office's queue and staff is
serialised by it: event ids follow commit order, numbers and instants agree, a cancel cannot make a
concurrent call fail), reads the instant of record once, checks who acts (:mod:`authority`), moves
tickets by the state table (:data:`queue_core.domain.TRANSITIONS`) and appends their events.
Committed on success, rolled back on any error.
"""

from __future__ import annotations

import re
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from .authority import Acting, resolve
from .clock import local_day
from .db import LOCK_OFFICE_SQL, OFFICE_LOCK_BASE
from .domain import Actor, DomainError, EventKind, NotFound, TicketStatus, next_status
from .eventlog import Chain
from .models import OperatorShift, Ticket, TicketEvent
from .office import Office
from .prepared import driver_cursor

_CODE_RE = re.compile(r"^\s*([^\W\d_]{1,2})\s*-?\s*(\d{1,4})\s*$")
_EVENTS = TicketEvent.__table__


class UnitOfWork(AbstractContextManager["UnitOfWork"]):
    """``with UnitOfWork(office, actor, "call_next") as uow:`` — see the module docstring.

    ``uow.cursor`` is the driver's cursor inside the transaction (prepared statements run on it);
    ``uow.s`` the ORM session on the same transaction. ``orm=False`` (issuing a ticket, the hot path)
    runs on a connection the database keeps for it, without a session."""

    now: datetime
    today: date
    acting: Acting
    cursor: Any

    def __init__(self, office: Office, actor: Actor, verb: str | None, *, orm: bool = True) -> None:
        """``verb``: the right the actor needs (:data:`queue_core.authority.RIGHTS`); None only for
        the PIN login itself, whose credential is the PIN."""
        self.office = office
        self.actor = actor
        self.verb = verb
        self.orm = orm
        self._tx = office.db.write() if orm else office.db.driver_write()
        self._s: Session | None = None
        self._chain: Chain | None = None  # the office's event chain in this transaction (queue_core.eventlog)

    def __enter__(self) -> UnitOfWork:
        db = self.office.db
        opened = self._tx.__enter__()
        try:
            if self.orm:
                self._s = opened
                self.cursor = driver_cursor(opened)
                db.lock_office(opened, self.office.id)
                server_now = db.server_now(opened)
            else:
                self.cursor = opened
                server_now = self._lock_office()
            self.now = self.office.of_record(server_now)
            self.today = local_day(self.now, self.office.tz)
            self.acting = (Acting(self.actor) if self.verb is None
                           else resolve(self.cursor, self.office, self.actor, self.verb, self.now))
        except BaseException as e:
            self._tx.__exit__(type(e), e, e.__traceback__)
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool | None:
        return self._tx.__exit__(kind, exc, tb)

    def _lock_office(self) -> datetime:
        """The office lock on the driver's cursor (see :meth:`Database.lock_office`) and the
        database's clock read after it; SQLite's ``BEGIN IMMEDIATE`` is the lock already."""
        if self.office.db.is_sqlite:
            return datetime.now(UTC)
        lock = self.office.statements.get("lock", lambda: sa.text(LOCK_OFFICE_SQL).bindparams(
            sa.bindparam("k", type_=sa.Integer)))
        return lock.run(self.cursor, k=OFFICE_LOCK_BASE + self.office.id).fetchone()[0].astimezone(UTC)

    @property
    def s(self) -> Session:
        """The ORM session of this transaction (units of work opened with ``orm=True``)."""
        if self._s is None:
            raise RuntimeError("this unit of work runs on the driver's cursor only (orm=False)")
        return self._s

    def shift(self) -> OperatorShift:
        """The acting staff's shift, as a row this transaction may change."""
        return self.s.get(OperatorShift, self.acting.shift_id)

    # --- tickets ------------------------------------------------------------------------------
    def ticket(self, ref: str | int) -> Ticket:
        """Today's ticket by code (``А-015``, ``а15``) or any ticket of the office by id."""
        return find_ticket(self.s, self.office, ref, self.today)

    def move(self, ticket: Ticket, kind: EventKind, *, at: datetime | None = None, **data: object) -> None:
        """Move ``ticket`` by ``kind`` per the state table (or refuse in Russian) and log it."""
        ticket.status = next_status(ticket.status, kind, ticket.code)
        self.event(ticket.id, kind, at=at, **data)

    def event(self, ticket_id: int, kind: EventKind, *, at: datetime | None = None,
              ids: dict[str, int | None] | None = None, **data: object) -> None:
        """Append one event to the office's log: at the instant of record, by the acting staff."""
        who = ids if ids is not None else self.acting.ids
        row = {"ticket_id": ticket_id, "kind": str(kind), "at": at or self.now, "window_id": who.get("window_id"),
               "operator_id": who.get("operator_id"), "data": data}
        if self._chain is None:  # the office's last hash, read once: the office lock is ours
            self._chain = Chain(self.cursor, self.office.id)
        prev, digest = self._chain.link(**row)
        append = self.office.statements.get("event", _event_insert)
        append.run(self.cursor, office_id=self.office.id, prev_hash=prev, hash=digest, **row)

    def at_window(self, ref: str | int, kind: EventKind) -> Ticket:
        """The ticket at the acting window, if ``kind`` may happen to it now."""
        return self.here(self.ticket(ref), kind)

    def here(self, ticket: Ticket, kind: EventKind) -> Ticket:
        """``ticket``, if ``kind`` may happen to it now and it is at the acting window."""
        next_status(ticket.status, kind, ticket.code)
        if ticket.window_id != self.acting.window_id:
            raise DomainError(f"Талон {ticket.code} вызван не в это окно")
        return ticket


def _event_insert() -> sa.Insert:
    return sa.insert(_EVENTS).values({c: sa.bindparam(c, type_=_EVENTS.c[c].type) for c in (
        "ticket_id", "kind", "at", "office_id", "window_id", "operator_id", "data", "prev_hash", "hash")})


def find_ticket(s: Session, office: Office, ref: str | int, today: date) -> Ticket:
    """A ticket by code (today's) or id, or :class:`NotFound` / a Russian hint at the format."""
    q = select(Ticket).where(Ticket.office_id == office.id)
    if isinstance(ref, str) and re.fullmatch(r"[0-9]+", ref.strip()):
        ref = int(ref.strip())
    if isinstance(ref, int):
        if not 0 < ref < 2**31:  # an id the database could not even hold
            raise NotFound(f"Талон «{ref}» не найден")
        q = q.where(Ticket.id == ref)
    else:
        m = _CODE_RE.match(ref or "")
        if not m:
            raise DomainError(f"Неверный номер талона «{ref}»: пример А-015")
        code = office.code(m.group(1).upper(), int(m.group(2)))
        q = q.where(Ticket.day == today, Ticket.code == code).order_by(Ticket.id.desc())
    ticket = s.exec(q).first()
    if ticket is None:
        raise NotFound(f"Талон «{ref}» не найден")
    return ticket


S = TicketStatus
