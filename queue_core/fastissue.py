"""The kiosk's hot path: issuing a ticket in one short transaction on the driver's own cursor.

Issuing is the action an office performs most, at a kiosk with a visitor waiting for paper.
Through the ORM it cost ~40× the transaction itself on SQLite (flushes, identity map, statement
compilation), so :meth:`QueueService.issue_ticket` sends its kiosk/API tickets here: the same
counter upsert, ticket insert and ``issued`` event as the ORM path, written once per dialect, plus
one query for the "people ahead" and "open windows" of the estimate, all in the transaction of
:meth:`Database.driver_write`. The ticket's instants (issued, queued, event) are one ``now``,
the instant of record (:mod:`queue_core.clock`) read once the write lock is ours (PostgreSQL: in
the office-lock statement; SQLite: inside ``BEGIN IMMEDIATE``), so numbers and issue times agree
even when kiosks queue for the write lock, and the ticket's day is the day of record. Values
are stored exactly as SQLAlchemy stores them (tests compare both paths).
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, date, datetime

from .catalog import CategoryRow, ServiceRow
from .clock import local_day
from .db import LOCK_OFFICE_SQL, OFFICE_LOCK_BASE
from .domain import EventKind, TicketInfo, TicketStatus, WaitEstimate

_COUNTER = ("INSERT INTO daily_counter (office_id, day, service_id, last_number) VALUES (:o, :day, :s, 1) "
            "ON CONFLICT (office_id, day, service_id) DO UPDATE SET last_number = daily_counter.last_number + 1 "
            "RETURNING last_number")
_TICKET = ("INSERT INTO ticket (office_id, day, service_id, category_id, number, code, channel, status, issued_at, "
           "queued_at, order_at, recalls, category_claimed, print_status) "
           "VALUES (:o, :day, :s, :c, :n, :code, :channel, 'waiting', :now, :now, :now, 0, :claimed, 'none')")
_EVENT = ("INSERT INTO ticket_event (ticket_id, kind, at, office_id, data) "
          f"VALUES (:t, '{EventKind.ISSUED.value}', :now, :o, :data)")
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
        self._counter, self._event = conv(_COUNTER), conv(_EVENT)
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
            data = self._json[key] = json.dumps({"channel": channel, "service": svc.slug, "category": cat.slug})
        return data

    def _server_now(self, cur, office: int) -> datetime:  # noqa: ANN001 - a DB-API cursor
        """The database's clock, read with the office lock (see Database.lock_office): queue entries
        commit in event-id order and their instants in the same order."""
        if self.sqlite:
            return datetime.now(UTC)
        cur.execute(self._lock, {"k": OFFICE_LOCK_BASE + office})
        return cur.fetchone()[0]

    def issue(self, svc: ServiceRow, cat: CategoryRow, channel: str, mean_service_min: float) -> TicketInfo:
        s = self.svc
        office, claimed = s.catalog.office_id, bool(cat.verify)
        ahead_sql = self.ahead_sql(svc, cat)
        data = self._data(svc, cat, channel)
        with s.db.driver_write() as cur:
            now = s._of_record(self._server_now(cur, office)).astimezone(UTC)
            day = local_day(now, s.tz)
            cur.execute(self._counter, {"o": office, "day": day.isoformat() if self.sqlite else day, "s": svc.id})
            number = cur.fetchone()[0]
            day_v, now_v = self._values(day, now)
            code = s.config.office.number_format.format(prefix=svc.prefix, number=number)
            p = {"o": office, "day": day_v, "s": svc.id, "c": cat.id, "n": number, "code": code, "channel": channel,
                 "now": now_v, "claimed": int(claimed) if self.sqlite else claimed}
            cur.execute(self._ticket, p)
            tid = cur.lastrowid if self.sqlite else cur.fetchone()[0]
            cur.execute(self._event, {"t": tid, "now": now_v, "o": office, "data": data})
            cur.execute(ahead_sql, {"o": office, "day": day_v, "s": svc.id, "now": now_v, "t": tid})
            ahead, open_windows = cur.fetchone()
        est = WaitEstimate(int(ahead), math.ceil(int(ahead) * mean_service_min / max(1, int(open_windows or 0))))
        return TicketInfo(
            id=tid, code=code, office=s.catalog.office_code, day=day, service=svc.slug, service_name=svc.name,
            category=cat.slug, category_name=cat.name, channel=channel, status=TicketStatus.WAITING, issued_at=now,
            queued_at=now, category_claimed=claimed, position=est.people_ahead, estimated_wait_min=est.minutes)
