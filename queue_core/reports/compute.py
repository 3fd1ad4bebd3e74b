"""``compute_report``: every DESIGN.md §8 measure of a period, an office and groupings."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy import select

from ..db import Database
from ..domain import NotFound
from ..models import Category, Office, Operator, Service, Window
from .audit import run_audit
from .facts import Aggregate, aggregate, build_facts, drop_facts
from .model import GROUPINGS, Group, Metrics, OutOfTurn, PriorityAudit, Report
from .period import Period, parse_period

WEEKDAYS_RU = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
SEGMENTS_RU = {"b2c": "Физические лица (B2C)", "b2b": "Юридические лица (B2B)"}
DEFAULT_GROUPINGS = ("service", "category", "day", "hour", "window", "operator")


def compute_report(source, period: Period | str, office: str | None = None,  # noqa: ANN001
                   by: Iterable[str] = ("service",), *, audit: bool = True,
                   progress: Callable[[str], None] | None = None, now: datetime | None = None) -> Report:
    """Compute the report of ``period`` (a :class:`Period` or ``"2025Q4"``, ``"2025-10"``,
    ``"2025-10-06"``) for ``office`` (its code; None = every office in the database), with one table
    of groups per name in ``by`` (see :data:`~queue_core.reports.model.GROUPINGS`).

    ``source`` is a :class:`~queue_core.service.QueueService` (its clock stamps the report) or a
    :class:`~queue_core.db.Database`. One read transaction; the per-ticket facts are built once in a
    temporary table and every grouping is a GROUP BY over it. ``audit=False`` skips the priority
    audit (a replay of the event log in Python, the slowest part). ``progress`` is called with a
    Russian step name before each step. Safe to call from a worker thread; returns frozen values.
    Raises :class:`~queue_core.domain.NotFound` for an unknown office code.
    """
    db: Database = source.db if hasattr(source, "db") else source
    if now is None:
        now = source.clock.now() if hasattr(source, "clock") else datetime.now(UTC)
    if isinstance(period, str):
        period = parse_period(period)
    by = tuple(by)
    for name in by:
        if name not in GROUPINGS:
            raise ValueError(f"unknown grouping {name!r}; known: {', '.join(GROUPINGS)}")
    step = progress or (lambda _name: None)
    with db.read() as s:
        conn = s.connection()
        office_id, office_name, tz = _office(conn, office)
        step("Сбор талонов периода")
        build_facts(conn, period.start, period.end, office_id)
        try:
            step("Итоги")
            total = _metrics(aggregate(conn, None).get(None))
            oot = _out_of_turn(aggregate(conn, None, only_oot=True).get(None))
            labels = _Labels(conn, office_id)
            groups: dict[str, tuple[Group, ...]] = {}
            for name in by:
                step(f"Группировка: {GROUPINGS[name].lower()}")
                rows = aggregate(conn, name)
                keys = sorted(rows, key=lambda k, n=name: labels.sort_key(n, k))
                groups[name] = tuple(Group(_key(name, k), labels.label(name, k), _metrics(rows[k])) for k in keys)
        finally:
            drop_facts(conn)
        pa: PriorityAudit | None = None
        if audit:
            step("Аудит очерёдности")
            pa = run_audit(conn, period.start, period.end, office_id)
    return Report(period, office, office_name, now, total, groups, oot, pa, tz)


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
        only = (lambda c: c == office_id) if office_id is not None else (lambda c: sa.true())
        self.services = {slug: (name, order) for slug, name, order in conn.execute(
            select(sv.c.slug, sv.c.name, sv.c.sort_order).where(only(sv.c.office_id)))}
        self.categories = {slug: (name, -prio) for slug, name, prio in conn.execute(
            select(ct.c.slug, ct.c.name, ct.c.priority))}
        self.windows = {num: name for num, name in conn.execute(
            select(wn.c.number, wn.c.name).where(only(wn.c.office_id)))}
        self.operators = dict(conn.execute(select(op.c.login, op.c.full_name)).all())
        self.offices = dict(conn.execute(select(of.c.code, of.c.name)).all())

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
