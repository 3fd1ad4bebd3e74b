"""Issuing a ticket in one short transaction on the driver's own cursor: the issue path of every
channel (kiosk, informator, API) once the office's day has begun.

Issuing is the action an office performs most, at a kiosk with a visitor waiting for paper or at
the informator's desk. Through the ORM it cost ~40× the transaction itself on SQLite (flushes,
identity map, statement compilation), so :meth:`QueueService.issue_ticket` sends its tickets here:
the same counter upsert, ticket insert and ``issued`` event as the ORM path, written once per
dialect; for the informator also the lookup of the open shift at the desk and, for a category that
needs a document, the ``category_verified`` event of a check made at issue; plus one query for the
"people ahead" and "open windows" of the estimate, all in the transaction of
:meth:`Database.driver_write`. The ticket's instants (issued, queued, events) are one ``now``, the
instant of record (:mod:`queue_core.clock`) read once the write lock is ours (PostgreSQL: in the
office-lock statement; SQLite: inside ``BEGIN IMMEDIATE``), so numbers and issue times agree even
when kiosks queue for the write lock, and the ticket's day is the day of record. Values are stored
exactly as SQLAlchemy stores them (tests compare both paths).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime

from .catalog import CategoryRow, ServiceRow
from .clock import local_day
from .db import LOCK_OFFICE_SQL, OFFICE_LOCK_BASE
from .domain import EventKind, TicketInfo, TicketStatus, WaitEstimate
from .eventlog import Chain, canonical_json

_COUNTER = ("INSERT INTO daily_counter (office_id, day, service_id, last_number) VALUES (:o, :day, :s, 1) "
            "ON CONFLICT (office_id, day, service_id) DO UPDATE SET last_number = daily_counter.last_number + 1 "
            "RETURNING last_number")
_TICKET = ("INSERT INTO ticket (office_id, day, service_id, category_id, number, code, channel, status, issued_at, "
           "queued_at, order_at, recalls, category_claimed, category_verified_by, category_verified_at, "
           "print_status) VALUES (:o, :day, :s, :c, :n, :code, :channel, 'waiting', :now, :now, :now, 0, :claimed, "
           ":verified_by, :verified_at, 'none')")
_EVENT = ("INSERT INTO ticket_event (ticket_id, kind, at, office_id, window_id, operator_id, data, prev_hash, hash) "
          "VALUES (:t, :kind, :now, :o, :w, :op, :data, :prev, :hash)")
# The informator's open shift at the desk (who may issue there, and whose check a verification is).
_SHIFT = ("SELECT s.operator_id, o.login, o.full_name FROM operator_shift s JOIN operator o ON o.id = s.operator_id "
          "WHERE s.window_id = :w AND s.logged_out_at IS NULL")
# Waiting tickets of the service that the §4 order puts before the new one, and the open windows
# serving the service (logged in, not paused): the kiosk's "перед вами" and its estimate.
_AHEAD = ("SELECT (SELECT count(*) FROM ticket WHERE office_id = :o AND status = 'waiting' AND day = :day "
          "AND service_id = :s AND ({before})), "
          "(SELECT count(*) FROM operator_shift WHERE window_id IN ({windows}) AND logged_out_at IS NULL "
          "AND paused_at IS NULL)")
_SAME_CLASS = "(category_id IN ({same}) AND (order_at < :now OR (order_at = :now AND id < :t)))"


def _pg(sql: str) -> str:
    return re.sub(r":(\w+)", r"%(\1)s", sql)


def _ids(ids: list[int]) -> str:
    return ", ".join(str(int(i)) for i in ids) or "NULL"


class FastIssue:
    """Prepared SQL of one office's issue path for one database dialect."""

    def __init__(self, service) -> None:  # noqa: ANN001 - QueueService
        self.svc = service
        self.sqlite = service.db.is_sqlite
        conv = (lambda s: s) if self.sqlite else _pg
        # SQLite: the rowid of the insert (RETURNING there costs as much as the insert itself)
        self._counter, self._event, self._shift = conv(_COUNTER), conv(_EVENT), conv(_SHIFT)
        self._ticket = _TICKET if self.sqlite else _pg(_TICKET + " RETURNING id")
        self._ahead: dict[tuple[int, int], str] = {}
        self._json: dict[tuple[str, str, str], str] = {}
        self._conv = conv
        self._lock = _pg(LOCK_OFFICE_SQL)

    def ahead_sql(self, svc: ServiceRow, cat: CategoryRow) -> str:
        key = (svc.id, cat.id)
        sql = self._ahead.get(key)
        if sql is None:
            cats = self.svc.catalog.categories.values()
            before = [c.id for c in cats if (c.out_of_turn and not cat.out_of_turn)
                      or (c.out_of_turn == cat.out_of_turn and c.priority > cat.priority)]
            same = [c.id for c in cats if c.out_of_turn == cat.out_of_turn and c.priority == cat.priority]
            terms = ([f"category_id IN ({_ids(before)})"] if before else []) + [_SAME_CLASS.format(same=_ids(same))]
            windows = [w.id for w in self.svc.catalog.windows.values() if w.weights.get(svc.slug, 0) > 0]
            sql = self._ahead[key] = self._conv(_AHEAD.format(before=" OR ".join(terms), windows=_ids(windows)))
        return sql

    def _values(self, day: date, now: datetime) -> tuple[object, object]:
        if self.sqlite:  # as SQLAlchemy's SQLite Date/DateTime store them: "2025-10-06 03:00:00.000000"
            return day.isoformat(), now.replace(tzinfo=None).isoformat(" ", "microseconds")
        return day, now

    def _data(self, svc: ServiceRow, cat: CategoryRow, channel: str) -> str:
        key = (svc.slug, cat.slug, channel)
        data = self._json.get(key)
        if data is None:
            data = self._json[key] = canonical_json({"channel": channel, "service": svc.slug, "category": cat.slug})
        return data

    def _server_now(self, cur, office: int) -> datetime:  # noqa: ANN001 - a DB-API cursor
        """The database's clock, read with the office lock (see Database.lock_office): queue entries
        commit in event-id order and their instants in the same order."""
        if self.sqlite:
            return datetime.now(UTC)
        cur.execute(self._lock, {"k": OFFICE_LOCK_BASE + office})
        return cur.fetchone()[0]

    def _verified_data(self, cat: CategoryRow) -> str:
        key = ("category_verified", cat.slug, "")
        data = self._json.get(key)
        if data is None:
            data = self._json[key] = canonical_json({"category": cat.slug, "at_issue": True})
        return data

    def issue(self, svc: ServiceRow, cat: CategoryRow, channel: str, mean_service_min: float, *,
              window: int | None = None, login: str | None = None) -> TicketInfo:
        s = self.svc
        office = s.catalog.office_id
        desk = s._shift_window(window, login) if channel == "informator" else None
        verified_here = bool(cat.verify) and desk is not None  # the informator checks the document at issue
        claimed = bool(cat.verify) and not verified_here
        ahead_sql = self.ahead_sql(svc, cat)
        data = self._data(svc, cat, channel)
        with s.db.driver_write() as cur:
            now = s._of_record(self._server_now(cur, office)).astimezone(UTC)
            day = local_day(now, s.tz)
            day_v, now_v = self._values(day, now)
            operator_id = window_id = None
            if desk is not None:
                cur.execute(self._shift, {"w": desk.id})
                row = cur.fetchone()
                s._check_shift(desk, (row[1], row[2]) if row else None, login)
                operator_id, window_id = row[0], desk.id
            cur.execute(self._counter, {"o": office, "day": day_v, "s": svc.id})
            number = cur.fetchone()[0]
            code = s.config.office.number_format.format(prefix=svc.prefix, number=number)
            p = {"o": office, "day": day_v, "s": svc.id, "c": cat.id, "n": number, "code": code, "channel": channel,
                 "now": now_v, "claimed": int(claimed) if self.sqlite else claimed,
                 "verified_by": operator_id if verified_here else None, "verified_at": now_v if verified_here else None}
            cur.execute(self._ticket, p)
            tid = cur.lastrowid if self.sqlite else cur.fetchone()[0]
            event = {"t": tid, "now": now_v, "o": office, "w": window_id, "op": operator_id}
            chain = Chain(cur, office)  # under the office lock: the office's last hash, read once

            def insert_event(kind: EventKind, data_json: str) -> None:
                prev, h = chain.link(ticket_id=tid, kind=kind, at=now, window_id=window_id, operator_id=operator_id,
                                     data=data_json)
                cur.execute(self._event, {**event, "kind": kind.value, "data": data_json, "prev": prev, "hash": h})

            insert_event(EventKind.ISSUED, data)
            if verified_here:
                insert_event(EventKind.CATEGORY_VERIFIED, self._verified_data(cat))
            cur.execute(ahead_sql, {"o": office, "day": day_v, "s": svc.id, "now": now_v, "t": tid})
            ahead, open_windows = cur.fetchone()
        est = WaitEstimate(int(ahead), math.ceil(int(ahead) * mean_service_min / max(1, int(open_windows or 0))))
        return TicketInfo(
            id=tid, code=code, office=s.catalog.office_code, day=day, service=svc.slug, service_name=svc.name,
            category=cat.slug, category_name=cat.name, channel=channel, status=TicketStatus.WAITING, issued_at=now,
            queued_at=now, category_claimed=claimed, category_verified=verified_here, position=est.people_ahead,
            estimated_wait_min=est.minutes)
