"""B1: ``issue_ticket`` through the service layer, for every channel a user has, vs. the same
transaction in the raw driver.

Channels: ``kiosk`` (a visitor at the touch kiosk, within office hours: the local kiosk actor),
``api`` (the same ticket from another system: ``Actor.api``) and ``informator`` (the front desk: the
clerk acts with the session of their PIN login, which must be live and bound to the open shift at
the desk, and a category that needs a document is checked there and then — ``category_verified`` at
issue). The informator row issues a ``disabled`` ticket, so that check is part of what it measures.

The floor of each channel is what issuing that ticket must cost on this database: in one
transaction, for the informator the check of the clerk's session (the SHA-256 of its token looked
up with its operator and shift in one query: not ended, not expired, operator active, shift open at
the desk), then the counter upsert, the ticket insert, the read of the office's last event hash, the
``issued`` event insert and, for the informator, the ``category_verified`` event insert, each event
chained (its SHA-256 over the previous hash, :func:`queue_core.eventlog.event_hash`) — with the same
pragmas (SQLite) or the same server and schema (PostgreSQL). The floor leaves out what the product
does on top (the office lock on PostgreSQL, the "people ahead" count and the estimate returned to
the visitor). The office has 100 waiting tickets throughout (a very busy morning), so that count is
measured at a realistic size.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import tempfile
from datetime import UTC
from pathlib import Path

from queue_core.eventlog import canonical_json, event_hash

from .common import MONDAY_9, PG_URL, PgSchema, Row, interleaved, ms, office_config, on_shift, p50, psycopg_dsn

TARGET = 3.0
WAITING = 100  # a very busy office: 100 people waiting across its services
DESK = 0  # the informator's window in config.toml
# channel -> (service, category) of the ticket each row issues
CHANNELS = {"kiosk": ("payments", "regular"), "informator": ("payments", "disabled"), "api": ("payments", "regular")}

# The clerk's session: live, its operator active, its shift open (the window is checked by the caller).
_SESSION = ("SELECT o.id, o.login, sh.window_id FROM staff_session ss JOIN operator o ON o.id = ss.operator_id "
            "JOIN operator_shift sh ON sh.id = ss.shift_id WHERE ss.token_hash = :h AND ss.ended_at IS NULL "
            "AND ss.expires_at > :at AND o.active AND sh.logged_out_at IS NULL")
_COUNTER = ("INSERT INTO daily_counter (office_id, day, service_id, last_number) VALUES (:o, :day, :s, 1) "
            "ON CONFLICT (office_id, day, service_id) DO UPDATE SET last_number = daily_counter.last_number + 1 "
            "RETURNING last_number")
_TICKET = ("INSERT INTO ticket (office_id, day, service_id, category_id, number, code, channel, status, issued_at, "
           "queued_at, order_at, recalls, category_claimed, category_verified_by, category_verified_at, print_status) "
           "VALUES (:o, :day, :s, :c, :n, :code, :channel, 'waiting', :at, :at, :at, 0, :claimed, :vby, :vat, 'none')")
_EVENT = ("INSERT INTO ticket_event (ticket_id, kind, at, office_id, window_id, operator_id, data, prev_hash, hash) "
          "VALUES (:t, :kind, :at, :o, :w, :op, :data, :prev, :hash)")
_LAST_HASH = "SELECT hash FROM ticket_event WHERE office_id = :o ORDER BY id DESC LIMIT 1"


def _floor(svc, channel: str, sqlite_path: str | None, pg_url: str | None, token: str | None):  # noqa: ANN001, ANN202
    """The raw transaction of ``channel`` on the driver's own connection, and its closer
    (``token``: the informator's session token)."""
    cat = svc.catalog
    service, category = (cat.services[CHANNELS[channel][0]], cat.categories[CHANNELS[channel][1]])
    office, day, desk = cat.office_id, svc.clock.today(), cat.windows[DESK].id
    informator = channel == "informator"
    issued_data = {"channel": channel, "service": service.slug, "category": category.slug}
    verified_data = {"category": category.slug, "at_issue": True}
    issued, verified = canonical_json(issued_data), canonical_json(verified_data)
    at = MONDAY_9.astimezone(UTC)
    if sqlite_path:
        con = sqlite3.connect(sqlite_path, isolation_level=None, timeout=10)
        for p in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=10000"):
            con.execute(f"PRAGMA {p}")
        sql = lambda q: q  # noqa: E731
        at, day = at.replace(tzinfo=None).isoformat(" ", "microseconds"), day.isoformat()
        begin, commit = (lambda: con.execute("BEGIN IMMEDIATE")), (lambda: con.execute("COMMIT"))
        cur = con
    else:
        import psycopg

        con = psycopg.connect(psycopg_dsn(pg_url))
        sql = lambda q: re.sub(r":(\w+)", r"%(\1)s", q)  # noqa: E731
        begin, commit, cur = (lambda: None), con.commit, con.cursor()
    session_sql, counter_sql, event_sql, last_sql = sql(_SESSION), sql(_COUNTER), sql(_EVENT), sql(_LAST_HASH)
    instant = MONDAY_9.astimezone(UTC)
    ticket_sql = sql(_TICKET) + ("" if sqlite_path else " RETURNING id")

    def issue() -> None:
        begin()
        op = w = None
        if informator:
            row = cur.execute(session_sql, {"h": hashlib.sha256(token.encode()).hexdigest(), "at": at}).fetchone()
            op, login, w = row
            assert login == "info" and w == desk
        n = cur.execute(counter_sql, {"o": office, "day": day, "s": service.id}).fetchone()[0]
        c = cur.execute(ticket_sql, {
            "o": office, "day": day, "s": service.id, "c": category.id, "n": n, "code": f"Б-{n:03d}",
            "channel": channel, "at": at, "claimed": bool(category.verify and not informator),
            "vby": op, "vat": at if informator else None})
        tid = c.lastrowid if sqlite_path else c.fetchone()[0]
        ev = {"t": tid, "at": at, "o": office, "w": w, "op": op}
        prev = cur.execute(last_sql, {"o": office}).fetchone()[0]
        for kind, data, text in (("issued", issued_data, issued),) + (
                (("category_verified", verified_data, verified),) if informator else ()):
            h = event_hash(prev, office_id=office, ticket_id=tid, kind=kind, at=instant, window_id=w, operator_id=op,
                           data=data)
            cur.execute(event_sql, {**ev, "kind": kind, "data": text, "prev": prev, "hash": h})
            prev = h
        commit()

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


def run(backend: str, *, rounds: int = 16, batch: int = 40) -> list[Row]:
    from queue_core import FixedClock, open_service
    from queue_core.domain import Actor

    out: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        schema = PgSchema(PG_URL) if backend == "postgres" else None
        try:
            cfg = office_config(Path(tmp), schema.url if schema else None)
            svc = open_service(cfg, FixedClock(MONDAY_9), auto_upgrade=True)
            # the informator holds the desk, as in the office, and issues with the session of that login
            clerk = on_shift(svc, DESK, "info", "Информатор", "informator").actor
            for i in range(WAITING):
                svc.issue_ticket(("payments", "recalc", "contracts")[i % 3])
            actors = {"kiosk": Actor.kiosk(), "api": Actor.api("api"), "informator": clerk}
            for channel, (service, category) in CHANNELS.items():
                subject = lambda s=service, c=category, a=actors[channel]: svc.issue_ticket(s, c, actor=a)  # noqa: E731
                assert subject().channel == channel
                for _ in range(20):  # warm both paths
                    subject()
                floor, close = _floor(svc, channel, None if schema else cfg.database_url.split("///", 1)[1],
                                      schema.url if schema else None, clerk.token)
                a: list[float] = []
                b: list[float] = []
                for _ in range(rounds // 2):  # keep the queue at WAITING between batches (not timed)
                    x, y = interleaved(subject, floor, rounds=2, batch=batch, warmup=0, between=lambda: _trim(svc))
                    a += x
                    b += y
                    _trim(svc)
                close()
                ratio = p50(a) / p50(b)
                what = f"issue_ticket p50, {channel}" + (f", {category} checked at issue" * (channel == "informator"))
                out.append(Row("B1", f"{what}, {backend}, {WAITING} waiting", ms(p50(a)), ms(p50(b)), ratio,
                               f"≤ {TARGET:g}", ratio <= TARGET))
            svc.db.dispose()
        finally:
            if schema:
                schema.close()
    return out
