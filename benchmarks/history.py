"""Past tickets for the benchmarks, generated fast and cached between runs.

A history of N tickets is a past quarter (2025Q3, weekdays) of several offices of the example
catalogue, each ticket with the events a real day leaves: issued, called (with the policy's rule
and reason), recalled, started, finished, no-show, redirected, cancelled, expired, rated, printed.
Rows are written by bulk insert (``executemany`` on SQLite, ``COPY`` on PostgreSQL), never through
the service layer; events are chained per office as the product chains them (:mod:`queue_core.eventlog`:
canonical JSON, ``prev_hash``/``hash`` in id order). SQLite histories are files in ``benchmarks/.cache/``; PostgreSQL histories are
schemas ``talon_bench_h<N>`` in the benchmark database, with a marker file in the same folder.
The benchmarks only ever add rows of the bench day (2025-10-06) and delete them again (the newest
events of the office: what is left is still a whole chain).

After the bulk insert every office-day of the quarter is rolled up (``ticket_fact``, ``audit_day``)
by :func:`queue_core.reports.rollup.roll_up`, as the offices' reports do for each day once it is
over; the time it took is kept beside the history (``*.rollup``) and shown in B3's note.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from queue_core.eventlog import GENESIS, canonical_json, event_hash, owner_writable

from .common import CACHE, MONDAY_9, OMSK, PgSchema, office_config

QUARTER = (date(2025, 7, 1), date(2025, 9, 30))
TICKETS_PER_OFFICE_DAY = 300
SERVICES = ["payments", "recalc", "contracts", "b2b-contracts", "b2b-billing"]
SERVICE_P = [0.45, 0.25, 0.18, 0.07, 0.05]
WINDOWS = {"payments": [1, 2, 3, 0], "recalc": [1, 2, 3, 4, 0], "contracts": [3, 4, 2, 0],
           "b2b-contracts": [5, 0], "b2b-billing": [5, 0]}
VERSION = 5  # bump when the generated rows change (2: closed days rolled up, schema 0002; 3: schema 0003, whose upgrade drops rollups;
# 4: schema 0005, the register of rights: an older history's categories differ from config.toml's, so the service refuses it;
# 5: schema 0004 too, chained events, and 0006, staff sessions)


def weekdays(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1) if (start + timedelta(days=i)).weekday() < 5]


def plan(n: int) -> tuple[int, list[date]]:
    """Offices and days so that offices × days × TICKETS_PER_OFFICE_DAY ≈ n within the quarter."""
    days = weekdays(*QUARTER)
    offices = max(1, round(n / (len(days) * TICKETS_PER_OFFICE_DAY)))
    per_office_days = min(len(days), max(1, round(n / (offices * TICKETS_PER_OFFICE_DAY))))
    return offices, days[:per_office_days]


def _ts(sqlite: bool, dt: datetime):  # noqa: ANN202
    return dt.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else dt


class Generator:
    """Rows of tickets and events for one office-day at a time (ids assigned here)."""

    def __init__(self, sqlite: bool, catalog: dict, seed: int = 1) -> None:
        self.sqlite = sqlite
        self.cat = catalog  # office_id -> {"services": {slug: id}, "windows": {number: id}}
        self.rnd = random.Random(seed)
        self.tid = 0
        self.eid = 0
        self.last: dict[int, str] = {}  # office -> hash of its newest event

    def day(self, office: int, day: date, operators: dict[int, int]) -> tuple[list[tuple], list[tuple]]:
        r = self.rnd
        sv, wn = self.cat[office]["services"], self.cat[office]["windows"]
        opening = datetime.combine(day, datetime.min.time().replace(hour=8), OMSK).astimezone(UTC)
        tickets, events = [], []
        numbers: dict[str, int] = {}
        ts = lambda dt: _ts(self.sqlite, dt)  # noqa: E731
        t = opening
        for _ in range(TICKETS_PER_OFFICE_DAY):
            t += timedelta(seconds=r.expovariate(1 / (8 * 3600 / TICKETS_PER_OFFICE_DAY)))
            service = r.choices(SERVICES, SERVICE_P)[0]
            cat = r.choices([1, 2, 3], [0.9, 0.05, 0.05])[0]  # regular, disabled, svo (catalogue ids)
            numbers[service] = numbers.get(service, 0) + 1
            self.tid += 1
            tid = self.tid
            code = f"{'АБВГД'[SERVICES.index(service)]}-{numbers[service]:03d}"
            ev = []

            def add(kind: str, at: datetime, window: int | None = None, **data: object) -> None:
                self.eid += 1
                w = wn[window] if window is not None else None
                op = operators.get(window) if w else None
                prev = self.last.get(office, GENESIS)
                h = self.last[office] = event_hash(prev, office_id=office, ticket_id=tid, kind=kind, at=at, window_id=w,
                                                   operator_id=op, data=data)
                ev.append((self.eid, tid, kind, ts(at), office, w, op, canonical_json(data), prev, h))

            add("issued", t, channel="kiosk", service=service, category=("regular", "disabled", "svo")[cat - 1])
            add("printed" if r.random() < 0.97 else "print_failed", t + timedelta(seconds=2), reason="")
            fate = r.random()
            wait = timedelta(seconds=r.expovariate(1 / (300 if cat == 3 else 900)))
            window = r.choice(WINDOWS[service])
            called = started = finished = None
            status, final_service = "done", service
            if fate < 0.02:
                status = "cancelled"
                add("cancelled", t + wait, reason="ушёл")
            elif fate < 0.03:
                status = "expired"
                add("expired", opening + timedelta(hours=9))
            else:
                called = t + wait
                rule = ("out_of_turn", "вне очереди: участник СВО") if cat == 3 else ("longest_wait", "ожидает дольше всех")
                add("called", called, window, rule=rule[0], reason=rule[1], category="svo" if cat == 3 else "regular",
                    priority_call=cat == 2, service=service)
                if r.random() < 0.1:
                    add("recalled", called + timedelta(seconds=40), window, recall=1)
                if fate < 0.08:
                    status = "no_show"
                    add("no_show", called + timedelta(seconds=90), window, auto=False, recalls=1)
                else:
                    started = called + timedelta(seconds=r.uniform(20, 90))
                    add("started", started, window)
                    if fate < 0.12:  # redirected once, then served elsewhere
                        final_service = r.choice([s for s in SERVICES if s != service])
                        add("redirected", started + timedelta(seconds=60), window, from_service=service,
                            to_service=final_service, position="front")
                        window = r.choice(WINDOWS[final_service])
                        called = started + timedelta(seconds=60 + r.expovariate(1 / 600))
                        add("called", called, window, rule="longest_wait", reason="ожидает дольше всех",
                            category="regular", priority_call=False, service=final_service)
                        started = called + timedelta(seconds=30)
                        add("started", started, window)
                    finished = started + timedelta(seconds=r.lognormvariate(6.2, 0.5))
                    add("finished", finished, window, result_code=None)
                    if r.random() < 0.2:
                        add("rated", finished + timedelta(seconds=30), rating=r.choice([3, 4, 5, 5, 5]))
            wid = wn[window] if called else None
            tickets.append((tid, office, day.isoformat() if self.sqlite else day, sv[final_service], cat,
                            numbers[service], code, "kiosk", status, ts(t), ts(t), ts(t),
                            ts(called) if called else None, ts(started) if started else None,
                            ts(finished) if finished else None, wid, operators.get(window) if wid else None,
                            0, False, "printed"))
            events += ev
        return tickets, events


TICKET_COLS = ("id, office_id, day, service_id, category_id, number, code, channel, status, issued_at, queued_at, "
               "order_at, called_at, started_at, finished_at, window_id, operator_id, recalls, category_claimed, "
               "print_status")
EVENT_COLS = "id, ticket_id, kind, at, office_id, window_id, operator_id, data, prev_hash, hash"


def _catalog(svc, offices: int) -> tuple[dict, dict[int, dict[int, int]]]:  # noqa: ANN001
    """The example office plus ``offices - 1`` more with the same catalogue; operators per window."""
    import sqlalchemy as sa

    from queue_core.models import Office, Operator, Service, Window, WindowService

    cat: dict = {}
    ops: dict[int, dict[int, int]] = {}
    with svc.db.write() as s:
        c = s.connection()
        for k in range(offices):
            if k == 0:
                oid = svc.catalog.office_id
                sv = {slug: row.id for slug, row in svc.catalog.services.items()}
                wn = {num: row.id for num, row in svc.catalog.windows.items()}
            else:
                oid = c.execute(sa.insert(Office.__table__).values(code=f"bench-{k:02d}", name=f"Офис {k}",
                                                                   timezone="Asia/Omsk").returning(Office.__table__.c.id)).scalar_one()
                sv, wn = {}, {}
                for order, (slug, row) in enumerate(svc.catalog.services.items()):
                    sv[slug] = c.execute(sa.insert(Service.__table__).values(
                        office_id=oid, slug=slug, prefix=row.prefix, name=row.name, segment=row.segment,
                        target_wait_min=row.target_wait_min, active=True, sort_order=order)
                        .returning(Service.__table__.c.id)).scalar_one()
                for num, row in svc.catalog.windows.items():
                    wn[num] = c.execute(sa.insert(Window.__table__).values(
                        office_id=oid, number=num, name=row.title, role=row.role, active=True)
                        .returning(Window.__table__.c.id)).scalar_one()
                    for slug, weight in row.weights.items():
                        c.execute(sa.insert(WindowService.__table__).values(window_id=wn[num], service_id=sv[slug],
                                                                            weight=weight))
            cat[oid] = {"services": sv, "windows": wn}
            ops[oid] = {}
            for num in wn:
                ops[oid][num] = c.execute(sa.insert(Operator.__table__).values(
                    login=f"h{k:02d}w{num}", full_name=f"Оператор {k}-{num}", role="operator", pin_hash="",
                    pin_salt="", active=True, failed_attempts=0).returning(Operator.__table__.c.id)).scalar_one()
    return cat, ops


def _batches(gen: Generator, cat: dict, ops: dict, days: list[date]) -> Iterator[tuple[list, list]]:
    for day in days:
        for oid in cat:
            yield gen.day(oid, day, ops[oid])


def build_sqlite(n: int, path: Path) -> None:
    from queue_core import FixedClock, open_service

    tmp = path.with_suffix(".building")
    shutil.rmtree(tmp, ignore_errors=True)
    cfg = office_config(tmp)
    svc = open_service(cfg, FixedClock(MONDAY_9), auto_upgrade=True)
    offices, days = plan(n)
    cat, ops = _catalog(svc, offices)
    svc.db.dispose()
    con = sqlite3.connect(tmp / "talon.db", isolation_level=None)
    con.execute("PRAGMA journal_mode=OFF")  # a file being built: nothing to recover if this stops
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-262144")  # 256 MiB: pages are written once, not spilled again and again
    gen = Generator(True, cat)
    con.execute("BEGIN")
    for tickets, events in _batches(gen, cat, ops, days):
        con.executemany(f"INSERT INTO ticket ({TICKET_COLS}) VALUES ({', '.join('?' * 20)})", tickets)
        con.executemany(f"INSERT INTO ticket_event ({EVENT_COLS}) VALUES ({', '.join('?' * 10)})", events)
    con.execute("COMMIT")
    con.execute("ANALYZE")
    con.execute("PRAGMA journal_mode=WAL")
    con.close()
    _roll_up(f"sqlite:///{tmp / 'talon.db'}", rollup_file(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(tmp / "talon.db"), str(path))
    shutil.rmtree(tmp, ignore_errors=True)


def rollup_file(history: Path) -> Path:
    return history.with_suffix(".rollup")


def _roll_up(url: str, record: Path) -> None:
    """Roll up the quarter's closed days, as each office's first report after the day did."""
    from queue_core.db import Database
    from queue_core.reports.rollup import roll_up

    db = Database(url)
    try:
        t = time.perf_counter()
        n = roll_up(db, *QUARTER, now=MONDAY_9.astimezone(UTC))
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(f"{n} office-days rolled up in {time.perf_counter() - t:.0f} s\n", encoding="utf-8")
    finally:
        db.dispose()


def build_pg(n: int, base_url: str, schema_name: str) -> None:
    import psycopg

    from queue_core import FixedClock, open_service

    from .common import psycopg_dsn

    schema = PgSchema(base_url, schema_name, keep=True)
    with schema._admin.connect() as c:
        c.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema_name} CASCADE")
        c.exec_driver_sql(f"CREATE SCHEMA {schema_name}")
    with tempfile_dir() as tmp:
        svc = open_service(office_config(tmp, schema.url), FixedClock(MONDAY_9), auto_upgrade=True)
        offices, days = plan(n)
        cat, ops = _catalog(svc, offices)
        svc.db.dispose()
    gen = Generator(False, cat)
    with psycopg.connect(psycopg_dsn(schema.url)) as con, con.cursor() as cur:
        for tickets, events in _batches(gen, cat, ops, days):
            with cur.copy(f"COPY ticket ({TICKET_COLS}) FROM STDIN") as cp:
                for row in tickets:
                    cp.write_row(row)
            with cur.copy(f"COPY ticket_event ({EVENT_COLS}) FROM STDIN") as cp:
                for row in events:
                    cp.write_row(row)
        for table in ("ticket", "ticket_event"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        con.commit()
        con.autocommit = True
        cur.execute("ANALYZE")
    _roll_up(schema.url, rollup_file(CACHE / f"{schema_name}.pg"))
    schema.close()


class tempfile_dir:  # noqa: N801 - a context manager used like tempfile.TemporaryDirectory, but a Path
    def __enter__(self) -> Path:
        import tempfile

        self._d = tempfile.TemporaryDirectory()
        return Path(self._d.name)

    def __exit__(self, *exc: object) -> None:
        self._d.cleanup()


def label(n: int) -> str:
    return f"{n // 1_000_000}m" if n % 1_000_000 == 0 else f"{n // 1000}k"


def sqlite_history(n: int, log=print) -> str:  # noqa: ANN001
    """URL of the cached SQLite history of ``n`` tickets, built on first use."""
    path = CACHE / f"history-v{VERSION}-{label(n)}.db"
    if not path.exists():
        t = time.perf_counter()
        log(f"  building the SQLite history of {n:,} tickets in {path} (once)…")
        build_sqlite(n, path)
        log(f"  …built in {time.perf_counter() - t:.0f} s")
    return f"sqlite:///{path}"


class HistoryMissing(Exception):
    """A PostgreSQL history is not built yet and building was not asked for."""


def pg_history(n: int, base_url: str, log=print, *, build: bool = True) -> str:  # noqa: ANN001
    """URL of the cached PostgreSQL history schema of ``n`` tickets, built on first use
    (``build=False``: raise :class:`HistoryMissing` instead)."""
    name = f"talon_bench_h{label(n)}_v{VERSION}"
    marker = CACHE / f"{name}.pg"
    schema = PgSchema(base_url, name, keep=True)
    if not (marker.exists() and schema.exists_with_tables()):
        if not build:
            schema.close()
            raise HistoryMissing(f"PostgreSQL history of {n:,} tickets ({name}) is not built; build it once with "
                                 "python -m benchmarks --build-pg-history (≈ 15–20 min for 1 M tickets)")
        t = time.perf_counter()
        log(f"  building the PostgreSQL history of {n:,} tickets in schema {name} (once)…")
        schema.close()
        build_pg(n, base_url, name)
        CACHE.mkdir(parents=True, exist_ok=True)
        marker.write_text(base_url.split("@")[-1] + "\n", encoding="utf-8")
        log(f"  …built in {time.perf_counter() - t:.0f} s")
    else:
        schema.close()
    return schema.url


def clear_bench_day(url: str) -> None:
    """Remove what a benchmark added on the bench day (its tickets, events, counters, shifts, staff
    sessions, and its operators and admin: logins ``bench…``). The event log refuses deletes
    (migration 0004): the refusal is lifted for this transaction only, as the table's owner may; the
    bench day's events are the newest, so the chains stay whole."""
    import sqlalchemy as sa

    from queue_core.db import Database

    day = MONDAY_9.date()
    db = Database(url)
    with db.write() as s:
        c = s.connection()
        with owner_writable(c):
            c.execute(sa.text("DELETE FROM ticket_event WHERE ticket_id IN (SELECT id FROM ticket WHERE day = :d)"),
                      {"d": day})
        c.execute(sa.text("DELETE FROM ticket_fact WHERE day = :d"), {"d": day})
        c.execute(sa.text("DELETE FROM audit_day WHERE day = :d"), {"d": day})
        c.execute(sa.text("DELETE FROM ticket WHERE day = :d"), {"d": day})
        c.execute(sa.text("DELETE FROM daily_counter WHERE day = :d"), {"d": day})
        if sa.inspect(c).has_table("staff_session"):  # a history made before schema 0006 has none yet
            c.execute(sa.text("DELETE FROM staff_session"))
        c.execute(sa.text("DELETE FROM shift_pause"))
        c.execute(sa.text("DELETE FROM operator_shift"))
        c.execute(sa.text("DELETE FROM operator WHERE login LIKE 'bench%'"))
    db.dispose()


