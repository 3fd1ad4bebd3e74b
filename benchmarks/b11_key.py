"""B11: the operator's F2 — from the key to the called code on screen, through Textual's Pilot on the
real operator app (headless), with 300 visitors waiting and 20 000 past tickets in the database.

The floor is the service call the key makes (``call_next``, timed inside the app's own worker): what
is left is the app's share. Latencies are taken over the first 60 calls of a fresh app and over 60
calls after 400 earlier call–start–finish cycles, so that anything that grows through the day (a
widget leak, full garbage collections over more and more objects) shows up. Targets on p95: ≤ 100 ms
on SQLite, ≤ 150 ms on PostgreSQL.

The same run gives B6 its operator row for cycles: objects alive and the time of a full collection
after 60 and after 400 cycles (target: no growth beyond 5 %, or 2 000 objects / 5 ms).

Each backend runs in a process of its own (``python -m benchmarks.b11_key BACKEND CYCLES``).
"""

from __future__ import annotations

import asyncio
import gc
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import MONDAY_9, OMSK, PG_URL, ROOT, Row, office_config, on_shift

HISTORY = 20_000
WAITING = 300
SAMPLE = 60
LATE = 400
TARGET_P95_MS = {"sqlite": 100.0, "postgres": 150.0}


def p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]


def run(backend: str, *, late: int = LATE, log=print) -> list[Row]:  # noqa: ANN001
    r = subprocess.run([sys.executable, "-m", "benchmarks.b11_key", backend, str(late)], cwd=ROOT,
                       capture_output=True, text=True, timeout=1800)
    if r.returncode != 0 or not r.stdout.strip():
        return [Row("B11", f"F2 → code on screen, {backend}", "not available", note=r.stderr.strip()[-300:])]
    m = json.loads(r.stdout.strip().splitlines()[-1])
    target = TARGET_P95_MS[backend]
    rows = []
    for when, key in (("fresh app", "early"), (f"after {late} calls", "late")):
        lat, floor = m[key]["latency"], m[key]["floor"]
        rows.append(Row("B11", f"F2 → code on screen, p50/p95, {backend}, {when}",
                        f"{statistics.median(lat):.0f} / {p95(lat):.0f} ms",
                        f"{statistics.median(floor):.1f} / {p95(floor):.1f} ms",
                        p95(lat) / p95(floor), f"p95 ≤ {target:g} ms", p95(lat) <= target,
                        note=f"{len(lat)} calls; full collections during them: {m[key]['full_gcs']}"))
    if backend == "sqlite":
        rows.append(memory_row(m, late))
    return rows


def memory_row(m: dict, late: int) -> Row:
    """B6's operator row for call–start–finish cycles, from a B11 run on SQLite."""
    a, b = m["mem"][str(SAMPLE)], m["mem"][str(late)]
    grew = b["objects"] - a["objects"]
    slower = b["gc_ms"] - a["gc_ms"]
    ok = grew <= max(0.05 * a["objects"], 2000) and slower <= max(0.05 * a["gc_ms"], 5.0)
    return Row("B6", f"operator app, {late} call–start–finish cycles", f"{b['objects']:,} objects, full gc "
               f"{b['gc_ms']:.0f} ms", "—", None, f"no growth {SAMPLE}th→{late}th", ok,
               note=f"after {SAMPLE} cycles {a['objects']:,} objects, full gc {a['gc_ms']:.0f} ms; "
                    f"after {late}: {grew:+,} objects, {slower:+.0f} ms")


def _database(backend: str, folder: Path) -> str:
    from .history import pg_history, sqlite_history

    if backend == "sqlite":
        import shutil

        src = sqlite_history(HISTORY, log=lambda _m: None).split("///", 1)[1]
        shutil.copy(src, folder / "talon.db")
        return f"sqlite:///{folder / 'talon.db'}"
    return pg_history(HISTORY, PG_URL, log=lambda _m: None)


class TimedService:
    """The office's service with ``call_next`` timed where the app's worker calls it (the floor)."""

    def __init__(self, svc) -> None:  # noqa: ANN001
        self._svc, self.calls = svc, []

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self._svc, name)

    def call_next(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        t = time.perf_counter()
        try:
            return self._svc.call_next(*args, **kwargs)
        finally:
            self.calls.append((time.perf_counter() - t) * 1000)


def _full_gc_ms() -> float:
    """A full collection's time: the median of five (one alone is at the mercy of the scheduler)."""
    gc.collect()
    times = []
    for _ in range(5):
        t = time.perf_counter()
        gc.collect()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


async def _drive(app, timed: TimedService, session, late: int) -> dict:  # noqa: ANN001
    from textual import events
    from textual.worker import WorkerCancelled

    from operator_tui.widgets.big_code import BigCode

    async def settle(pilot) -> None:  # noqa: ANN001
        for _ in range(3):
            try:
                await app.workers.wait_for_complete()
            except WorkerCancelled:
                pass
            await pilot.pause()

    full_gcs = [0]

    def count(phase: str, info: dict) -> None:
        if phase == "start" and info.get("generation") == 2:
            full_gcs[0] += 1

    out: dict = {"mem": {}}
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        app.open_work(session)
        await settle(pilot)
        gc.callbacks.append(count)
        lat: list[float] = []
        for i in range(1, late + SAMPLE + 1):
            if i in (1, late + 1):
                lat, timed.calls, full_gcs[0] = [], [], 0
            big = app.screen.query_one(BigCode)
            before = big.code
            t = time.perf_counter()
            app.post_message(events.Key("f2", None))
            while big.code == before:
                await asyncio.sleep(0.0005)
            lat.append((time.perf_counter() - t) * 1000)
            await settle(pilot)
            app.post_message(events.Key("f4", None))
            await settle(pilot)
            app.post_message(events.Key("f5", None))
            await settle(pilot)
            if i in (SAMPLE, late + SAMPLE):
                out["early" if i == SAMPLE else "late"] = {"latency": list(lat), "floor": list(timed.calls),
                                                           "full_gcs": full_gcs[0]}
            if i in (SAMPLE, late):
                out["mem"][str(i)] = {"gc_ms": _full_gc_ms(), "objects": len(gc.get_objects())}
        gc.callbacks.remove(count)
    return out


def _child(backend: str, late: int) -> None:
    from operator_tui.app import build_app
    from queue_core import FixedClock, open_service

    from .history import clear_bench_day

    with tempfile.TemporaryDirectory() as tmp:
        url = _database(backend, Path(tmp))
        config = office_config(Path(tmp), url, operator={"result_codes": [], "ask_rating": False})
        clock = FixedClock(MONDAY_9, OMSK)
        svc = open_service(config, clock, auto_upgrade=True)
        try:
            for i in range(WAITING + late + SAMPLE):
                svc.issue_ticket(("payments", "recalc")[i % 2])
            session = on_shift(svc, 1, "bench-op1", "Оператор 1")
            timed = TimedService(svc)
            app = build_app(config, timed, clock, window=1, login="bench-op1")
            out = asyncio.run(_drive(app, timed, session, late))
        finally:
            svc.db.dispose()
            if backend != "sqlite":
                clear_bench_day(url)
    print(json.dumps(out))


if __name__ == "__main__":
    _child(sys.argv[1], int(sys.argv[2]))
