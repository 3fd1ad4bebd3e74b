"""B3: the quarterly report with every metric (all groupings and the priority audit) over the 1 M
ticket history, vs. one raw aggregate query (count and mean first wait per service) over the same
rows. Floor, then report, ``repeats`` times, best of each.

The quarter is over, so its office-days are rolled up (as they were when the history was built,
the way each office's first report after a day does it); the note says what that took, once."""

from __future__ import annotations

import time
from pathlib import Path

from .common import CACHE, PG_URL, Row
from .history import QUARTER, VERSION, label, pg_history, rollup_file, sqlite_history

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


def run(backend: str, *, n: int = N, repeats: int = 3, log=print, build: bool = True) -> Row:  # noqa: ANN001
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
    history = (Path(url.split("///", 1)[1]) if backend == "sqlite"
               else CACHE / f"talon_bench_h{label(n)}_v{VERSION}.pg")
    record = rollup_file(history)
    note = f"rollup at build: {record.read_text(encoding='utf-8').strip()}" if record.exists() else ""
    return Row("B3", f"quarterly report, all metrics + audit, {tickets:,} tickets, {backend}", f"{subject:.1f} s",
               f"{floor:.1f} s", ratio, f"≤ {TARGET:g}", ratio <= TARGET, note)
