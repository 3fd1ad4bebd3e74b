"""B2: ``call_next`` stays flat as history grows: p50 with 300 waiting tickets on top of a history of
10 k past tickets vs. 1 M, measured in alternating batches on the two databases.

Each call is followed (untimed) by finishing the ticket and issuing a new one, so 300 wait
throughout. The query plan of the candidates query is printed: it must search
``ix_ticket_office_status_day`` (today's waiting tickets), never scan the history.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from .common import MONDAY_9, PG_URL, Row, ms, office_config, on_shift, p50
from .history import clear_bench_day, pg_history, sqlite_history

TARGET = 1.3
WAITING = 300
SMALL, LARGE = 10_000, 1_000_000


class Office:
    def __init__(self, url: str, tmp: Path) -> None:
        from queue_core import FixedClock, open_service

        clear_bench_day(url)
        self.url = url
        self.svc = open_service(office_config(tmp, url), FixedClock(MONDAY_9), auto_upgrade=True)
        self.operator = on_shift(self.svc, 1, "bench1", "Оператор").actor
        self.rnd = random.Random(3)
        for _ in range(WAITING):
            self.issue()

    def issue(self) -> None:
        service = self.rnd.choice(["payments", "payments", "recalc", "contracts"])
        category = self.rnd.choices(["regular", "disabled", "svo"], [0.9, 0.05, 0.05])[0]
        self.svc.issue_ticket(service, category)

    def call(self) -> float:
        t = time.perf_counter()
        call = self.svc.call_next(self.operator)
        took = time.perf_counter() - t
        self.svc.finish(self.operator, call.ticket.id)
        self.issue()
        return took

    def plan(self) -> str:
        import sqlalchemy as sa

        sql = ("SELECT id FROM ticket WHERE office_id = 1 AND status = 'waiting' AND day = '2025-10-06' "
               "AND service_id IN (1, 2)")
        with self.svc.db.read() as s:
            if self.svc.db.is_sqlite:
                rows = s.execute(sa.text("EXPLAIN QUERY PLAN " + sql)).all()
                return "; ".join(r[-1] for r in rows)
            rows = s.execute(sa.text("EXPLAIN " + sql.replace("'2025-10-06'", "DATE '2025-10-06'"))).all()
            return " / ".join(r[0].strip() for r in rows if "Scan" in r[0] or "Index" in r[0])

    def close(self) -> None:
        self.svc.db.dispose()
        clear_bench_day(self.url)


def run(backend: str, *, rounds: int = 20, batch: int = 10, log=print, build: bool = True) -> Row:  # noqa: ANN001
    with tempfile.TemporaryDirectory() as tmp:
        if backend == "sqlite":
            small_url, large_url = sqlite_history(SMALL, log), sqlite_history(LARGE, log)
        else:
            small_url = pg_history(SMALL, PG_URL, log)  # seconds to build
            large_url = pg_history(LARGE, PG_URL, log, build=build)
        small, large = Office(small_url, Path(tmp) / "s"), Office(large_url, Path(tmp) / "l")
        try:
            for _ in range(10):  # warm both
                small.call()
                large.call()
            a: list[float] = []
            b: list[float] = []
            for r in range(rounds):
                first, second = ((large, a), (small, b)) if r % 2 == 0 else ((small, b), (large, a))
                for office, out in (first, second):
                    out += [office.call() for _ in range(batch)]
            plan = large.plan()
        finally:
            small.close()
            large.close()
    ratio = p50(a) / p50(b)
    ok = ratio <= TARGET and "SCAN ticket" not in plan and "Seq Scan" not in plan
    return Row("B2", f"call_next p50, {WAITING} waiting, 1M vs 10k history, {backend}", ms(p50(a)), ms(p50(b)),
               ratio, f"≤ {TARGET:g}", ok, note=f"plan: {plan}")
