"""The tamper-evident event log (DESIGN.md §13): every event of an office is chained to the office's
previous event by a SHA-256 hash, and :func:`verify` walks the chain and names the first event that
does not fit.

An event's hash covers its fields and the hash of the office's previous event (by id)::

    hash = sha256(canonical JSON of [prev_hash, office_id, ticket_id, kind, at, window_id, operator_id, data])

``at`` is the UTC instant as ``2025-10-06T03:00:00.000000Z`` (a naive datetime, as SQLite hands
them back, is UTC); ``data`` and the array are JSON with sorted keys, no spaces and UTF-8 text
(:func:`canonical_json`). The first event of an office links to :data:`GENESIS`. The database
stores ``data`` in the same canonical form (the engines' ``json_serializer``), so :func:`verify`
hashes the stored text as it is and re-serialises only a row stored otherwise (rows written before
revision 0004).

Writing: the chain is only as good as the order of its writers. Every writer of an office's events
holds the office lock (:meth:`queue_core.db.Database.lock_office`; on SQLite ``BEGIN IMMEDIATE``),
reads the office's last hash once per transaction and seals its events in the order it inserts
them — :class:`Chain`. A unique index on ``(office_id, prev_hash)`` makes a fork (two events
sealed on the same predecessor by writers outside the lock) fail the second transaction instead
of leaving a break for the next audit to find.

The log is append-only in the database itself (migration 0004): UPDATE and DELETE on
``ticket_event`` are refused by triggers on both backends.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

GENESIS = "0" * 64
HASH_MISMATCH = "хеш не совпадает"
LINK_MISMATCH = "ссылка на предыдущее событие не совпадает"
LAST_HASH_SQL = "SELECT hash FROM ticket_event WHERE office_id = :o ORDER BY id DESC LIMIT 1"
BATCH = 20_000  # events per query while verifying

_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
_SESSION_KEY = "talon_event_chain"


def canonical_json(value: object) -> str:
    """JSON with sorted keys, no spaces, UTF-8 text: the one text of a value that the chain hashes
    (and the form in which Talon's engines store JSON columns)."""
    return _ENCODER.encode(value)


def canonical_instant(at: datetime | str) -> str:
    """``2025-10-06T03:00:00.000000Z``: an instant in UTC with microseconds. A naive datetime is UTC
    (SQLite hands them back so); a string is what SQLite stores (``2025-10-06 03:00:00.000000``)."""
    if isinstance(at, str):
        if len(at) == 26 and at[10] == " ":  # as SQLAlchemy (and fastissue) store it on SQLite
            return f"{at[:10]}T{at[11:]}Z"
        at = datetime.fromisoformat(at)
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds") + "Z"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _text(prev_hash: str | None, office_id: int, ticket_id: int, kind: str, at: str, window_id: int | None,
          operator_id: int | None, data_json: str) -> str:
    """The canonical JSON array an event's hash covers, with ``data`` already as canonical text and
    ``at`` as :func:`canonical_instant` made it. Written out by hand — it is what verifying a million
    events spends its time on — and equal to ``canonical_json([prev_hash, …, operator_id, data])``
    (tests hold it); strings that would need escaping go through the encoder."""
    prev = "null" if prev_hash is None else f'"{prev_hash}"' if prev_hash.isalnum() else _ENCODER.encode(prev_hash)
    kind = f'"{kind}"' if kind.isidentifier() else _ENCODER.encode(kind)
    window = "null" if window_id is None else window_id
    operator = "null" if operator_id is None else operator_id
    return f'[{prev},{office_id},{ticket_id},{kind},"{at}",{window},{operator},{data_json}]'


def event_hash(prev_hash: str, *, office_id: int, ticket_id: int, kind: str, at: datetime | str,
               window_id: int | None, operator_id: int | None, data: Mapping | str | None) -> str:
    """The SHA-256 (hex) of one event chained to ``prev_hash``. A pure function of values: the same
    for a row built in Python and for the row read back from SQLite or PostgreSQL. ``data`` is the
    event's dict, or its JSON text in any form (a raw insert's parameter)."""
    if isinstance(data, str):
        data = json.loads(data)
    return _sha(_text(prev_hash, int(office_id), int(ticket_id), str(kind), canonical_instant(at),
                      None if window_id is None else int(window_id),
                      None if operator_id is None else int(operator_id), canonical_json(data or {})))


# --- writing --------------------------------------------------------------------------------
def read_last_hash(source, office_id: int) -> str:  # noqa: ANN001
    """The hash of the office's newest event (:data:`GENESIS` when it has none). ``source`` is a
    SQLAlchemy Session or Connection, or a DB-API cursor (sqlite3, psycopg)."""
    if isinstance(source, Session | sa.Connection):
        last = source.execute(sa.text(LAST_HASH_SQL), {"o": office_id}).scalar()
    else:
        source.execute(_driver_sql(source, LAST_HASH_SQL), {"o": office_id})
        row = source.fetchone()
        last = row[0] if row else None
    return last or GENESIS


class Chain:
    """The hash chain of one office inside one writing transaction, which holds the office lock.

    The office's last hash is read once, on the first event; each :meth:`seal` (or :meth:`link`)
    chains the next event to the previous one and remembers its hash. Events must be inserted in
    the order they are sealed (the ORM inserts pending objects of one class in the order they were
    added), and no other writer may add events of the office to the same transaction.

        chain = Chain(session, office_id)      # or Chain.of(session, office_id): one per transaction
        session.add(chain.seal(TicketEvent(...)))
        prev_hash, hash_ = chain.link(ticket_id=…, kind=…, at=…, window_id=…, operator_id=…, data=…)
    """

    def __init__(self, source, office_id: int, *, last_hash: str | None = None) -> None:  # noqa: ANN001
        self.office_id = office_id
        self._source = source
        self._last = last_hash

    @classmethod
    def of(cls, session: Session, office_id: int) -> Chain:
        """The chain of ``office_id`` for this session's transaction (a session is one transaction
        in Talon: :meth:`queue_core.db.Database.write`), made on first use."""
        chains = session.info.setdefault(_SESSION_KEY, {})
        chain = chains.get(office_id)
        if chain is None:
            chain = chains[office_id] = cls(session, office_id)
        return chain

    @property
    def last_hash(self) -> str:
        if self._last is None:
            self._last = read_last_hash(self._source, self.office_id)
        return self._last

    def link(self, *, ticket_id: int, kind: str, at: datetime | str, window_id: int | None = None,
             operator_id: int | None = None, data: Mapping | str | None = None) -> tuple[str, str]:
        """``(prev_hash, hash)`` of the next event of the office, which the caller inserts now."""
        prev = self.last_hash
        h = event_hash(prev, office_id=self.office_id, ticket_id=ticket_id, kind=kind, at=at,
                       window_id=window_id, operator_id=operator_id, data=data)
        self._last = h
        return prev, h

    def seal(self, event):  # noqa: ANN001, ANN201 - a TicketEvent or a dict of its columns; returned
        """Fill ``prev_hash`` and ``hash`` of ``event`` (a TicketEvent, or a dict with its columns)
        as the next event of the office. A TicketEvent's ``at`` is set to UTC: what SQLite stores
        is what was hashed."""
        is_row = isinstance(event, Mapping)
        get = event.get if is_row else (lambda k, d=None: getattr(event, k, d))
        office = get("office_id", self.office_id)
        if office != self.office_id:
            raise ValueError(f"event of office {office} sealed on the chain of office {self.office_id}")
        at = get("at")
        if not is_row and isinstance(at, datetime):
            at = event.at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
        prev, h = self.link(ticket_id=get("ticket_id"), kind=get("kind"), at=at, window_id=get("window_id"),
                            operator_id=get("operator_id"), data=get("data"))
        if is_row:
            event["prev_hash"], event["hash"] = prev, h
        else:
            event.prev_hash, event.hash = prev, h
        return event


def append(session: Session, events: Iterable) -> None:
    """Seal events of ONE office (TicketEvent objects or dicts of their columns) on the session's
    chain, in order, and add them to the session: objects are inserted at the next flush, a dict at
    once after a flush, so that ids follow the chain. Inside a writing transaction that holds the
    office lock."""
    from .models import TicketEvent

    events = list(events)
    if not events:
        return
    office = {e["office_id"] if isinstance(e, Mapping) else e.office_id for e in events}
    if len(office) != 1:
        raise ValueError(f"append: events of several offices {sorted(office)}")
    chain = Chain.of(session, office.pop())
    for e in events:
        chain.seal(e)
        if isinstance(e, Mapping):
            session.flush()  # the objects sealed before it go first
            session.execute(sa.insert(TicketEvent.__table__), [dict(e)])
        else:
            session.add(e)


@contextmanager
def owner_writable(c: sa.Connection) -> Iterator[None]:
    """What only the owner of the table can do (a repair, a retention job, a restore — or a forger with
    the owner's password): UPDATE and DELETE on ``ticket_event`` allowed inside this transaction of
    ``c``. The database refuses them otherwise (migration 0004); the refusal is back when the block
    ends. Talon itself never calls this; the benchmarks' history builder and the tests do."""
    if c.dialect.name == "sqlite":
        saved = c.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                  "AND name LIKE 'ticket_event_refuse_%'")).all()
        if not saved:
            raise RuntimeError("no refusing triggers on ticket_event")
        for name, _sql in saved:
            c.exec_driver_sql(f"DROP TRIGGER {name}")
        yield
        for _name, sql in saved:
            c.exec_driver_sql(sql)
    else:
        c.exec_driver_sql("ALTER TABLE ticket_event DISABLE TRIGGER ticket_event_append_only")
        yield
        c.exec_driver_sql("ALTER TABLE ticket_event ENABLE TRIGGER ticket_event_append_only")


def _driver_sql(cursor, sql: str) -> str:  # noqa: ANN001
    """``:name`` parameters for sqlite3, ``%(name)s`` for psycopg."""
    if type(cursor).__module__.startswith("sqlite3"):
        return sql
    import re

    return re.sub(r":(\w+)", r"%(\1)s", sql)


# --- verifying --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChainBreak:
    """The first event of an office that does not fit its chain."""

    office: str  # office code
    event_id: int
    ticket_id: int
    ticket_code: str  # "?" when the ticket row is gone
    kind: str
    at: datetime  # UTC, as stored
    timezone: str  # the office's, for showing ``at``
    problem: str  # HASH_MISMATCH | LINK_MISMATCH

    def describe(self) -> str:
        """«событие № 1234 (офис omsk-central, талон А-015, «called», 06.10.2025 09:15:02): хеш не совпадает»,
        in the office's local time."""
        local = self.at.astimezone(ZoneInfo(self.timezone))
        return (f"событие № {self.event_id} (офис {self.office}, талон {self.ticket_code}, «{self.kind}», "
                f"{local:%d.%m.%Y %H:%M:%S}): {self.problem}")

    def to_json(self) -> dict:
        return {"office": self.office, "event_id": self.event_id, "ticket_id": self.ticket_id,
                "ticket": self.ticket_code, "kind": self.kind,
                "at": self.at.isoformat().replace("+00:00", "Z"), "problem": self.problem}

    @classmethod
    def from_json(cls, data: Mapping, timezone: str) -> ChainBreak:
        at = datetime.fromisoformat(data["at"].replace("Z", "+00:00"))
        return cls(data["office"], data["event_id"], data["ticket_id"], data["ticket"], data["kind"], at, timezone,
                   data["problem"])


@dataclass(frozen=True)
class ChainReport:
    """What :func:`verify` found: how many events fit their chain (up to each office's first break, if
    any), and the first break of each office that has one."""

    checked: int
    offices: tuple[str, ...]
    breaks: tuple[ChainBreak, ...] = ()
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.breaks

    @property
    def first_break(self) -> ChainBreak | None:
        return self.breaks[0] if self.breaks else None

    def summary(self) -> str:
        """One Russian line for reports and the CLI."""
        if self.ok:
            return f"Журнал событий: целостность подтверждена ({events_ru(self.checked)})"
        more = len(self.breaks) - 1
        return (f"Журнал событий: НАРУШЕНА целостность — {self.first_break.describe()}"
                + (f" (нарушения есть ещё в офисах: {more})" if more else ""))

    def to_json(self) -> dict:  # no timing: equal reports give equal JSON
        return {"ok": self.ok, "checked": self.checked, "offices": list(self.offices),
                "breaks": [b.to_json() for b in self.breaks]}


def events_ru(n: int) -> str:
    """«1 событие», «3 события», «1 289 событий»."""
    word = ("событие" if n % 10 == 1 and n % 100 != 11
            else "события" if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14 else "событий")
    return f"{n:,} {word}".replace(",", " ")


def verify(db, office_code: str | None = None, *, progress: Callable[[int], None] | None = None,  # noqa: ANN001
           batch: int = BATCH) -> ChainReport:
    """Walk the whole chain of each office (``office_code``: one; None: every office in the database)
    in id order, in batches of ``batch`` events, recomputing every hash; an office's walk stops at its
    first event that does not fit. ``progress`` gets the number of events checked so far after each
    batch. Raises :class:`~queue_core.domain.NotFound` for an unknown office code."""
    from .domain import NotFound

    started = time.perf_counter()
    with db.read() as s:
        conn = s.connection()
        where, params = ("", {}) if office_code is None else (" WHERE code = :c", {"c": office_code})
        offices = conn.execute(sa.text(f"SELECT id, code FROM office{where} ORDER BY id"), params).all()
        if office_code is not None and not offices:
            raise NotFound(f"Офис «{office_code}» не найден в базе")
        checked, breaks = 0, []
        for oid, _code in offices:
            done = checked
            n, found = check_range(conn, oid, progress=progress and (lambda k, d=done: progress(d + k)), batch=batch)
            checked += n
            if found is not None:
                breaks.append(found)
    return ChainReport(checked, tuple(code for _, code in offices), tuple(breaks), time.perf_counter() - started)


def check_range(conn: sa.Connection, office_id: int, first: int = 0, last: int | None = None, *,
                progress: Callable[[int], None] | None = None, batch: int = BATCH) -> tuple[int, ChainBreak | None]:
    """Check the office's events with ``first <= id <= last`` (``last`` None: to the end of the log),
    the first of them against the stored hash of the office's event before it. Returns how many fit
    (up to the first that does not) and that first break, or None. Inside the caller's transaction."""
    before = conn.execute(sa.text("SELECT hash FROM ticket_event WHERE office_id = :o AND id < :a "
                                  "ORDER BY id DESC LIMIT 1"), {"o": office_id, "a": first}).scalar()
    prev = before or GENESIS
    pg = conn.dialect.name == "postgresql"
    sql = _PAGE_PG if pg else _PAGE
    if last is not None:
        sql = sql.replace(" ORDER BY", " AND id <= %(b)s ORDER BY" if pg else " AND id <= :b ORDER BY")
    params = {"o": office_id, "a": first, "n": batch, **({"b": last} if last is not None else {})}
    checked = 0
    cur = conn.connection.dbapi_connection.cursor()
    try:
        while True:
            cur.execute(sql, params)
            rows = cur.fetchall()
            for i, row in enumerate(rows):
                problem = _check(row, office_id, prev)
                if problem is not None:
                    return checked + i, _describe(conn, office_id, problem, row)
                prev = row[8]
            checked += len(rows)
            if progress is not None and rows:
                progress(checked)
            if len(rows) < batch:
                return checked, None
            params["a"] = rows[-1][0] + 1
    finally:
        cur.close()


# PostgreSQL hands the instant and the JSON over as text in the form SQLite stores them: cheaper than
# a datetime and a dict per row, and the stored JSON is hashed as it is.
_PAGE = ("SELECT id, ticket_id, kind, at, window_id, operator_id, data, prev_hash, hash FROM ticket_event "
         "WHERE office_id = :o AND id >= :a ORDER BY id LIMIT :n")
_PAGE_PG = ("SELECT id, ticket_id, kind, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), window_id, "
            "operator_id, data::text, prev_hash, hash FROM ticket_event "
            "WHERE office_id = %(o)s AND id >= %(a)s ORDER BY id LIMIT %(n)s")


def _check(row: tuple, office_id: int, prev: str) -> str | None:
    """What is wrong with one event row (None: it fits after the event whose hash is ``prev``)."""
    _id, tid, kind, at, window_id, operator_id, data, prev_hash, h = row
    at_text = canonical_instant(at)
    if isinstance(data, str):  # stored canonically (the usual case): hash the text as it is
        if _sha(_text(prev_hash, office_id, tid, kind, at_text, window_id, operator_id, data)) == h:
            return LINK_MISMATCH if prev_hash != prev else None
        data = json.loads(data)
    if _sha(_text(prev_hash, office_id, tid, kind, at_text, window_id, operator_id, canonical_json(data))) != h:
        return HASH_MISMATCH
    return LINK_MISMATCH if prev_hash != prev else None


def _describe(conn: sa.Connection, office_id: int, problem: str, row: tuple) -> ChainBreak:
    event_id, ticket_id, kind, at = row[0], row[1], row[2], row[3]
    code = conn.execute(sa.text("SELECT code FROM ticket WHERE id = :t"), {"t": ticket_id}).scalar()
    office, tz = conn.execute(sa.text("SELECT code, timezone FROM office WHERE id = :o"), {"o": office_id}).one()
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return ChainBreak(office, event_id, ticket_id, code or "?", str(kind), at, tz, problem)
