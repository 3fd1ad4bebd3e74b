"""B6: memory of the kiosk and operator apps over 1 000 refreshes (headless, each app in a process of
its own). Every refresh re-reads the database and updates the widgets; every tenth, a visitor
arrives and the longest-waiting one leaves, so what there is to show changes but not its amount. Python heap (tracemalloc) after the 100th and the 1 000th refresh,
its peak, and the process' peak RSS; target: no growth between the 100th and the 1 000th
(≤ 5 % or 256 KiB, whichever is larger, to allow for caches that fill once)."""

from __future__ import annotations

import asyncio
import gc
import json
import resource
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path

from .common import MONDAY_9, ROOT, Row, office_config, on_shift

REFRESHES = 1000


def run(*, refreshes: int = REFRESHES) -> list[Row]:
    rows = []
    for app in ("kiosk", "operator"):
        r = subprocess.run([sys.executable, "-m", "benchmarks.b6_memory", app, str(refreshes)], cwd=ROOT,
                           capture_output=True, text=True, timeout=1800)
        if r.returncode != 0 or not r.stdout.strip():
            rows.append(Row("B6", f"{app} app memory", "not available", note=r.stderr.strip()[-300:]))
            continue
        m = json.loads(r.stdout.strip().splitlines()[-1])
        growth = m["at_end"] - m["at_100"]
        ok = growth <= max(0.05 * m["at_100"], 256 * 1024)
        rows.append(Row("B6", f"{app} app, {refreshes} refreshes", f"heap peak {m['peak'] / 2**20:.1f} MiB, "
                        f"RSS peak {m['rss'] / 2**10:.0f} MiB", "—", None, "no growth 100th→1000th", ok,
                        note=f"heap after 100th {m['at_100'] / 2**20:.2f} MiB, after {refreshes}th "
                             f"{m['at_end'] / 2**20:.2f} MiB ({growth / 2**10:+.0f} KiB)"))
    return rows


async def _settle(app, pilot) -> None:  # noqa: ANN001
    """Wait for the refresh's workers (an exclusive worker replaced by a newer one counts as done)."""
    from textual.worker import WorkerCancelled

    try:
        await app.workers.wait_for_complete()
    except WorkerCancelled:
        pass
    await pilot.pause()


def _churn(svc, desk, i: int) -> None:  # noqa: ANN001
    """One visitor arrives and the longest-waiting one leaves (the informator at ``desk`` cancels the
    ticket): new data, the same amount of it (memory that grows with the queue is not a leak)."""
    import sqlalchemy as sa

    svc.issue_ticket(("payments", "recalc", "contracts")[i % 3])
    with svc.db.read() as s:
        first = s.execute(sa.text("SELECT id FROM ticket WHERE status = 'waiting' ORDER BY id LIMIT 1")).scalar()
    svc.cancel(desk, first, "ушёл, не дождавшись")


def _heap() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


async def _kiosk(svc, config, clock, desk, refreshes: int) -> dict:  # noqa: ANN001
    from queue_kiosk.app import build_app

    app = build_app(config, svc, clock=clock)
    out = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for i in range(1, refreshes + 1):
            if i % 10 == 0:
                _churn(svc, desk, i)
            screen = app.screen
            screen._state = None  # noqa: SLF001 - force the widgets to be touched, as a state change does
            screen._changed_token = None  # noqa: SLF001
            screen.refresh_state()
            screen.load_counts()
            await _settle(app, pilot)
            if i == 100:
                out["at_100"] = _heap()
        out["at_end"] = _heap()
    return out


async def _operator(svc, config, clock, desk, refreshes: int) -> dict:  # noqa: ANN001
    from operator_tui.app import build_app

    shift = on_shift(svc, 1, "op1", "Оператор 1")
    app = build_app(config, svc, clock, window=1, login="op1")
    out = {}
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.pause()
        app.open_work(shift)
        await pilot.pause()
        for i in range(1, refreshes + 1):
            if i % 10 == 0:
                _churn(svc, desk, i)
                clock.advance(7)
            app.screen.refresh_now()
            await _settle(app, pilot)
            if i == 100:
                out["at_100"] = _heap()
        out["at_end"] = _heap()
    return out


def _peak_rss_kib() -> int:
    """This process' peak RSS in KiB. ``VmHWM`` starts afresh at exec; ``ru_maxrss`` does not (the
    child started from the benchmark process, which held B3's million rows, reported its peak)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def _child(which: str, refreshes: int) -> None:
    from queue_core import FixedClock, open_service

    with tempfile.TemporaryDirectory() as tmp:
        config = office_config(Path(tmp))
        clock = FixedClock(MONDAY_9)
        svc = open_service(config, clock, auto_upgrade=True)
        for i in range(30):
            svc.issue_ticket(("payments", "recalc", "contracts")[i % 3])
        desk = on_shift(svc, 0, "info", "Информатор", "informator").actor  # cancels for those who leave
        tracemalloc.start()
        out = asyncio.run((_kiosk if which == "kiosk" else _operator)(svc, config, clock, desk, refreshes))
        out["peak"] = tracemalloc.get_traced_memory()[1]
        out["rss"] = _peak_rss_kib()
        svc.db.dispose()
    print(json.dumps(out))


if __name__ == "__main__":
    _child(sys.argv[1], int(sys.argv[2]))
