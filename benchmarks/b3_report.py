"""B3: the quarterly report with every metric (all groupings and the priority audit) over the 1 M
ticket history, vs. one raw aggregate query (count and mean first wait per service) over the same
rows. Floor, then report (``repeats`` times; one report over 1 M tickets takes minutes)."""

from __future__ import annotations

import time

from .common import PG_URL, Row
from .history import QUARTER, pg_history, sqlite_history

TARGET = 3.0
N = 1_000_000
PERIOD = "2025Q3"

_FLOOR = """
SELECT t.service_id, count(*), avg({wait})
FROM ticket t LEFT JOIN (SELECT ticket_id, min(at) AS first_call FROM ticket_event WHERE kind = 'called'
                         GROUP BY ticket_id) c ON c.ticket_id = t.id
WHERE t.day BETWEEN :a AND :b
GROUP BY t.service_id
"""
_WAIT = {"sqlite": "(julianday(c.first_call) - julianday(t.issued_at)) * 86400.0",
         "postgres": "extract(epoch FROM c.first_call - t.issued_at)"}


def run(backend: str, *, n: int = N, repeats: int = 1, log=print, build: bool = True) -> Row:  # noqa: ANN001
    import sqlalchemy as sa

    from queue_core.db import Database
    from queue_core.reports import DEFAULT_GROUPINGS, compute_report

    url = sqlite_history(n, log) if backend == "sqlite" else pg_history(n, PG_URL, log, build=build)
    db = Database(url)
    floor_sql = sa.text(_FLOOR.format(wait=_WAIT[backend]))
    a: list[float] = []
    b: list[float] = []
    tickets = 0
    try:
        for _ in range(repeats):
            t = time.perf_counter()
            with db.read() as s:
                rows = s.execute(floor_sql, {"a": QUARTER[0], "b": QUARTER[1]}).all()
            b.append(time.perf_counter() - t)
            tickets = sum(r[1] for r in rows)
            t = time.perf_counter()
            report = compute_report(db, PERIOD, None, by=DEFAULT_GROUPINGS, audit=True)
            a.append(time.perf_counter() - t)
            assert report.total.issued == tickets, (report.total.issued, tickets)
    finally:
        db.dispose()
    subject, floor = min(a), min(b)  # best of the runs: each run is seconds long
    ratio = subject / floor
    return Row("B3", f"quarterly report, all metrics + audit, {tickets:,} tickets, {backend}", f"{subject:.1f} s",
               f"{floor:.1f} s", ratio, f"≤ {TARGET:g}", ratio <= TARGET)
