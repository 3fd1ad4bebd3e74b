"""``compute_report``: every DESIGN.md §8 measure of a period, an office and groupings."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.sql.elements import ColumnElement

from ..db import Database
from ..domain import NotFound, StorageError
from ..eventlog import ChainReport
from ..models import Category, Office, Operator, Service, TicketFact, Window
from .aggregate import LOAD_COLUMNS, Aggregate, FactSet, packed_expression
from .audit import run_audit
from .chain import period_chain
from .facts import build_facts, drop_facts, facts
from .model import GROUPINGS, Group, Metrics, OutOfTurn, PriorityAudit, Report, Right
from .period import Period, parse_period
from .rollup import first_live_day, roll_up

if TYPE_CHECKING:
    from ..service import QueueService

WEEKDAYS_RU = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
SEGMENTS_RU = {"b2c": "Физические лица (B2C)", "b2b": "Юридические лица (B2B)"}
DEFAULT_GROUPINGS = ("service", "category", "day", "hour", "window", "operator")
log = logging.getLogger(__name__)


def compute_report(source: QueueService | Database, period: Period | str, office: str | None = None,
                   by: Iterable[str] = ("service",), *, audit: bool = True,
                   progress: Callable[[str], None] | None = None, now: datetime | None = None,
                   rollup: bool = True, event_log: bool = True) -> Report:
    """Compute the report of ``period`` (a :class:`Period` or ``"2025Q4"``, ``"2025-10"``,
    ``"2025-10-06"``) for ``office`` (its code; None = every office in the database), with one table
    of groups per name in ``by`` (see :data:`~queue_core.reports.model.GROUPINGS`).

    ``source`` is a :class:`~queue_core.service.QueueService` (its clock of record stamps the report
    and says which days are over; a refused clock raises ClockSkew) or a :class:`~queue_core.db.Database`. First the period's closed office-days
    not rolled up yet are rolled up (:mod:`.rollup`; ``rollup=False`` skips this and computes them
    live). Then one read transaction: the facts of rolled-up days are read from ``ticket_fact``,
    those of open days built from the event log; every grouping is aggregated from them in memory
    (:mod:`.aggregate`); the priority audit adds the stored audits of rolled-up days to a replay of
    the others (``audit=False`` skips it). ``progress`` is called with a Russian step name before
    each step. Last, the event log's hash chain over the period's days of the report's offices:
    the verdicts stored with rolled-up days, the rest walked live (:mod:`.chain`; ``event_log=False``
    skips it). Safe to call from a worker
    thread; returns frozen values. Raises :class:`~queue_core.domain.NotFound` for an unknown office code.
    """
    db: Database = source.db if hasattr(source, "db") else source
    if now is None:
        now = source.now_of_record() if hasattr(source, "now_of_record") else datetime.now(UTC)
    if isinstance(period, str):
        period = parse_period(period)
    by = tuple(by)
    for name in by:
        if name not in GROUPINGS:
            raise ValueError(f"unknown grouping {name!r}; known: {', '.join(GROUPINGS)}")
    step = progress or (lambda _name: None)
    with db.read() as s:
        office_id, office_name, tz = _office(s.connection(), office)
    if rollup:
        try:
            roll_up(db, period.start, period.end, office_id, now=now, progress=step)
        except (StorageError, sa.exc.ProgrammingError) as e:  # a read-only user, a busy database
            log.warning("отчёт: закрытые дни не свёрнуты, посчитано напрямую по событиям: %s",
                        str(e).splitlines()[0] if str(e) else type(e).__name__)
    with db.read() as s:
        conn = s.connection()
        step("Сбор талонов периода")
        # The first day some office has not rolled up (None: all are); without rollups, the start.
        live_from = first_live_day(conn, period.start, period.end, office_id) if rollup else period.start
        fs = load_facts(conn, period.start, period.end, office_id, live_from, rolled_up=rollup)
        step("Итоги")
        total = _metrics(fs.aggregate(None).get(None))
        oot = _out_of_turn(fs.only_out_of_turn().aggregate(None).get(None))
        labels = _Labels(conn, office_id)
        groups: dict[str, tuple[Group, ...]] = {}
        for name in by:
            step(f"Группировка: {GROUPINGS[name].lower()}")
            rows = fs.aggregate(name, labels.key_of(name))
            keys = sorted(rows, key=lambda k, n=name: labels.sort_key(n, k))
            groups[name] = tuple(Group(_key(name, k), labels.label(name, k), _metrics(rows[k])) for k in keys)
        pa: PriorityAudit | None = None
        if audit:
            step("Аудит очерёдности")
            pa = run_audit(conn, period.start, period.end, office_id, use_rollups=rollup, live_from=live_from)
        rights = _rights(conn)
        chain: ChainReport | None = None
        if event_log:
            step("Проверка журнала событий")
            chain = period_chain(conn, period.start, period.end, office_id, use_rollups=rollup)
    return Report(period, office, office_name, now, total, groups, oot, pa, tz, rights, chain)


def _rights(conn: sa.Connection) -> tuple[Right, ...]:
    """The register of rights as the database holds it: out-of-turn first, then by priority."""
    c = Category.__table__.c
    rows = conn.execute(select(c.slug, c.name, c.priority, c.out_of_turn, c.verify, c.basis, c.valid_from,
                               c.valid_to)).all()
    rights = [Right(slug, name, prio, bool(oot), bool(verify), basis or "", vf, vt)
              for slug, name, prio, oot, verify, basis, vf, vt in rows]
    return tuple(sorted(rights, key=lambda r: (not r.out_of_turn, -r.priority, r.category)))


def _day_number(is_sqlite: bool, day: ColumnElement) -> ColumnElement:
    """Days since 1970-01-01 of a DATE column (cheaper to carry than a date per ticket)."""
    if is_sqlite:
        return sa.cast(func.julianday(day) - 2440587.5, sa.Integer)
    return sa.type_coerce(day - sa.cast(sa.literal("1970-01-01"), sa.Date), sa.Integer)


def load_facts(conn: sa.Connection, start: date, end: date, office_id: int | None, live_from: date | None, *,
               rolled_up: bool = True) -> FactSet:
    """The per-ticket facts of the period: ``ticket_fact`` rows of rolled-up office-days (when
    ``rolled_up``), the others — none before ``live_from``, none at all when it is None — built
    from the event log."""
    is_sqlite = conn.dialect.name == "sqlite"

    def load(table: sa.Table, *where: ColumnElement) -> list:
        c = table.c
        q = select(*(c[n] for n in LOAD_COLUMNS[:-1]), packed_expression(c, _day_number(is_sqlite, c.day))).where(*where)
        # Plain numbers only: the driver's own cursor, without a result row object per ticket.
        sql = str(q.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        cur = conn.connection.dbapi_connection.cursor()
        try:
            cur.execute(sql)
            return cur.fetchall()
        finally:
            cur.close()

    rows: list = []
    if rolled_up:
        tf = TicketFact.__table__
        mine = [tf.c.office_id == office_id] if office_id is not None else []
        rows = load(tf, tf.c.day.between(start, end), *mine)
    if live_from is not None and build_facts(conn, live_from, end, office_id, skip_rolled_up=rolled_up):
        try:
            rows += load(facts)
        finally:
            drop_facts(conn)
    else:
        drop_facts(conn)
    return FactSet(rows)


def _office(conn: sa.Connection, code: str | None) -> tuple[int | None, str, str]:
    o = Office.__table__
    if code is None:
        rows = conn.execute(select(o.c.name, o.c.timezone).order_by(o.c.id)).all()
        return (None, rows[0][0], rows[0][1]) if len(rows) == 1 else (None, "Все офисы", "UTC")
    row = conn.execute(select(o.c.id, o.c.name, o.c.timezone).where(o.c.code == code)).first()
    if row is None:
        raise NotFound(f"Офис «{code}» не найден в базе")
    return row[0], row[1], row[2]


def _r(v: float | None, digits: int = 3) -> float | None:
    return None if v is None else round(v, digits)


def _pct(num: int, den: int) -> float | None:
    return round(100.0 * num / den, 1) if den else None


def _metrics(a: Aggregate | None) -> Metrics:
    if a is None:
        return Metrics()
    return Metrics(
        issued=a.issued, called=a.called, served=a.served, no_show=a.no_show, cancelled=a.cancelled,
        expired=a.expired, redirected=a.redirected, wait_mean_s=_r(a.wait_mean), wait_median_s=_r(a.wait_median),
        wait_p90_s=_r(a.wait_p90), wait_max_s=_r(a.wait_max), total_wait_mean_s=_r(a.total_wait_mean),
        within_target=a.within, target_base=a.target_base, within_target_pct=_pct(a.within, a.target_base),
        service_mean_s=_r(a.service_mean), service_median_s=_r(a.service_median),
        walk_mean_s=_r(a.walk_sum / a.walk_n) if a.walk_n else None,
        rating_count=a.rating_count, rating_mean=_r(a.rating_mean),
        rating_top2_pct=_pct(a.rating_top2, a.rating_count),
    )


def _out_of_turn(a: Aggregate | None) -> OutOfTurn:
    if a is None:
        return OutOfTurn()
    return OutOfTurn(count=a.issued, verified=a.oot_verified, declined=a.oot_declined, called=a.called,
                     served=a.served, wait_mean_s=_r(a.wait_mean), wait_median_s=_r(a.wait_median),
                     wait_p90_s=_r(a.wait_p90), wait_max_s=_r(a.wait_max), within_target=a.within,
                     target_base=a.target_base, within_target_pct=_pct(a.within, a.target_base))


def _key(name: str, k: object) -> str | None:
    """A group's stable key: a slug, a login, an ISO day, a window number, an hour as "09"."""
    if k is None:
        return None
    if isinstance(k, date):
        return k.isoformat()
    if name == "hour":
        return f"{int(k):02d}"
    return str(k)


class _Labels:
    """Russian labels and display order of group keys, from the catalogue tables."""

    def __init__(self, conn: sa.Connection, office_id: int | None) -> None:
        sv, ct, wn, op, of = (m.__table__ for m in (Service, Category, Window, Operator, Office))
        services = conn.execute(select(sv.c.id, sv.c.slug, sv.c.name, sv.c.sort_order, sv.c.segment)).all()
        self.services = {slug: (name, order) for _id, slug, name, order, _seg in services}
        categories = conn.execute(select(ct.c.id, ct.c.slug, ct.c.name, ct.c.priority)).all()
        self.categories = {slug: (name, -prio) for _id, slug, name, prio in categories}
        windows = conn.execute(select(wn.c.id, wn.c.number, wn.c.name, wn.c.office_id)).all()
        self.windows = {num: name for _id, num, name, oid in windows if office_id is None or oid == office_id}
        operators = conn.execute(select(op.c.id, op.c.login, op.c.full_name)).all()
        self.operators = {login: name for _id, login, name in operators}
        offices = conn.execute(select(of.c.id, of.c.code, of.c.name)).all()
        self.offices = {code: name for _id, code, name in offices}
        # A group's key from the id stored on a fact (services and windows of several offices that
        # share a slug or a number form one group).
        self._by_id = {
            "service": {i: slug for i, slug, *_ in services}, "segment": {i: seg for i, *_, seg in services},
            "category": {i: slug for i, slug, *_ in categories}, "window": {i: num for i, num, *_ in windows},
            "operator": {i: login for i, login, _ in operators}, "office": {i: code for i, code, _ in offices},
        }

    def key_of(self, name: str) -> Callable[[int], object] | None:
        ids = self._by_id.get(name)
        return None if ids is None else (lambda i: ids.get(i, i))

    def label(self, name: str, k: object) -> str:
        if k is None:
            return "— (не вызван)" if name in ("window", "operator") else "—"
        if name == "service":
            return self.services.get(k, (k, 0))[0]
        if name == "category":
            return self.categories.get(k, (k, 0))[0]
        if name == "segment":
            return SEGMENTS_RU.get(k, str(k))
        if name == "day":
            return f"{k:%d.%m.%Y} {WEEKDAYS_RU[k.weekday()]}"
        if name == "hour":
            return f"{k:02d}:00–{k + 1:02d}:00"
        if name == "window":
            return self.windows.get(k) or f"Окно {k}"
        if name == "operator":
            return self.operators.get(k, k)
        if name == "office":
            return self.offices.get(k, k)
        return str(k)

    def sort_key(self, name: str, k: object) -> tuple:
        if k is None:
            return (1, 0, "")
        if name == "service":
            return (0, self.services.get(k, ("", 999))[1], k)
        if name == "category":
            return (0, self.categories.get(k, ("", 0))[1], k)
        if name in ("day", "hour", "window"):
            return (0, 0, k)
        return (0, 0, str(self.label(name, k)))
