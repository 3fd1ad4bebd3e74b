"""B1: ``issue_ticket`` through the service layer vs. the same transaction in the raw driver.

The floor is what issuing a ticket must cost on this database: in one transaction, the counter
upsert, the ticket insert and the ``issued`` event insert, with the same pragmas (SQLite) or the
same server and schema (PostgreSQL). The office has 100 waiting tickets throughout (a very busy morning),
so the service's "people ahead of you" count for the returned ticket is measured at a realistic size.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from datetime import UTC, date
from pathlib import Path

from .common import MONDAY_9, PG_URL, PgSchema, Row, interleaved, ms, office_config, p50, psycopg_dsn

TARGET = 3.0
WAITING = 100  # a very busy office: 100 people waiting across its services


def _ids(svc) -> tuple[int, int, int, date]:  # noqa: ANN001
    cat = svc.catalog
    return cat.office_id, cat.services["recalc"].id, cat.categories["regular"].id, svc.clock.today()


def _sqlite_floor(path: str, svc):  # noqa: ANN001, ANN202
    con = sqlite3.connect(path, isolation_level=None, timeout=10)
    for p in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=10000"):
        con.execute(f"PRAGMA {p}")
    office, service, category, day = _ids(svc)
    at = MONDAY_9.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    data = json.dumps({"channel": "kiosk", "service": "recalc", "category": "regular"})

    def issue() -> None:
        con.execute("BEGIN IMMEDIATE")
        n = con.execute(
            "INSERT INTO daily_counter (office_id, day, service_id, last_number) VALUES (?, ?, ?, 1) "
            "ON CONFLICT (office_id, day, service_id) DO UPDATE SET last_number = last_number + 1 "
            "RETURNING last_number", (office, day.isoformat(), service)).fetchone()[0]
        cur = con.execute(
            "INSERT INTO ticket (office_id, day, service_id, category_id, number, code, channel, status, issued_at, "
            "queued_at, order_at, recalls, category_claimed, print_status) "
            "VALUES (?, ?, ?, ?, ?, ?, 'kiosk', 'waiting', ?, ?, ?, 0, 0, 'none')",
            (office, day.isoformat(), service, category, n, f"Б-{n:03d}", at, at, at))
        con.execute("INSERT INTO ticket_event (ticket_id, kind, at, office_id, data) VALUES (?, 'issued', ?, ?, ?)",
                    (cur.lastrowid, at, office, data))
        con.execute("COMMIT")

    return issue, con.close


def _pg_floor(url: str, svc):  # noqa: ANN001, ANN202
    import psycopg

    con = psycopg.connect(psycopg_dsn(url))
    office, service, category, day = _ids(svc)
    at = MONDAY_9.astimezone(UTC)
    data = json.dumps({"channel": "kiosk", "service": "recalc", "category": "regular"})

    def issue() -> None:
        with con.transaction(), con.cursor() as cur:
            n = cur.execute(
                "INSERT INTO daily_counter (office_id, day, service_id, last_number) VALUES (%s, %s, %s, 1) "
                "ON CONFLICT (office_id, day, service_id) DO UPDATE SET last_number = daily_counter.last_number + 1 "
                "RETURNING last_number", (office, day, service)).fetchone()[0]
            tid = cur.execute(
                "INSERT INTO ticket (office_id, day, service_id, category_id, number, code, channel, status, "
                "issued_at, queued_at, order_at, recalls, category_claimed, print_status) "
                "VALUES (%s, %s, %s, %s, %s, %s, 'kiosk', 'waiting', %s, %s, %s, 0, false, 'none') RETURNING id",
                (office, day, service, category, n, f"Б-{n:03d}", at, at, at)).fetchone()[0]
            cur.execute("INSERT INTO ticket_event (ticket_id, kind, at, office_id, data) "
                        "VALUES (%s, 'issued', %s, %s, %s)", (tid, at, office, data))

    return issue, con.close


def _trim(svc) -> None:  # noqa: ANN001
    """Keep the queue at its realistic size: everything past the first WAITING tickets is served."""
    import sqlalchemy as sa

    with svc.db.write() as s:
        keep = s.execute(sa.text(
            "SELECT id FROM ticket WHERE status = 'waiting' ORDER BY id LIMIT :n"), {"n": WAITING}).scalars().all()
        if keep:
            s.execute(sa.text("UPDATE ticket SET status = 'done' WHERE status = 'waiting' AND id > :m"),
                      {"m": max(keep)})


def run(backend: str, *, rounds: int = 16, batch: int = 40) -> Row:
    from queue_core import FixedClock, open_service

    with tempfile.TemporaryDirectory() as tmp:
        schema = PgSchema(PG_URL) if backend == "postgres" else None
        try:
            cfg = office_config(Path(tmp), schema.url if schema else None)
            clock = FixedClock(MONDAY_9)
            svc = open_service(cfg, clock, auto_upgrade=True)
            for i in range(WAITING):
                svc.issue_ticket(("payments", "recalc", "contracts")[i % 3])
            for _ in range(20):  # warm both paths
                svc.issue_ticket("payments")
            floor, close = (_pg_floor(schema.url, svc) if schema else
                            _sqlite_floor(cfg.database_url.split("///", 1)[1], svc))
            subject = lambda: svc.issue_ticket("payments")  # noqa: E731
            a: list[float] = []
            b: list[float] = []
            for _ in range(rounds // 2):  # keep the queue at WAITING between batches (not timed)
                x, y = interleaved(subject, floor, rounds=2, batch=batch, warmup=0, between=lambda: _trim(svc))
                a += x
                b += y
                _trim(svc)
            close()
            svc.db.dispose()
        finally:
            if schema:
                schema.close()
    ratio = p50(a) / p50(b)
    return Row("B1", f"issue_ticket p50, {backend}, {WAITING} waiting", ms(p50(a)), ms(p50(b)), ratio, f"≤ {TARGET:g}",
               ratio <= TARGET)
