"""Faults under load: kiosk and window processes killed with SIGKILL at random moments (and
restarted), and PostgreSQL connections cut mid-run. Afterwards the database is intact, no ticket is
half-written, every invariant of the load soak holds, nothing reported as committed is missing,
and the survivors carry on."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import MONDAY_9, PG_URL
from tests.soak.harness import LONG, Soak, figures, report, soak_url  # noqa: F401 - fixture
from tests.soak.invariants import check_all, read_logs

pytestmark = pytest.mark.soak


def _carried_on(logs: list[dict], since: float) -> dict[str, int]:
    after = [r for r in logs if r.get("t0", 0) > since]
    return {"issued": sum(r["op"] == "issue" for r in after), "calls": sum(r["op"] == "call" for r in after)}


@pytest.mark.parametrize("backend", ["sqlite", *(["postgres"] if LONG else [])])
def test_kill_9_of_kiosks_and_windows_loses_and_half_writes_nothing(backend: str, soak_url: str,
                                                                    tmp_path: Path) -> None:
    kills = 50 if LONG else 6
    soak = Soak(tmp_path, soak_url, [1, 2, 3])
    rnd = random.Random(11)
    killed: list[str] = []
    try:
        soak.kiosks(3, gap_s=0.05)  # busy kiosks: a kill often lands inside a transaction
        soak.window_workers(service_s=0.0)
        deadline = soak.begin(kills * 1.6 + 10)
        while len(killed) < kills and time.time() < deadline - 8:
            time.sleep(rnd.uniform(0.3, 2.0))
            name = rnd.choice(soak.alive() or list(soak.procs))
            soak.kill9(name)
            killed.append(name)
            soak.start(name)  # the office restarts it, as a watchdog would
        last_kill = time.time()
        codes = soak.wait(timeout=deadline - time.time() + 90)
    finally:
        soak.stop()
    assert all(c == 0 for c in codes.values()), {n: soak.stderr(n) for n, c in codes.items() if c}
    logs = read_logs(soak.logs)
    problems, kinds = check_all(soak_url, MONDAY_9.date(), logs)
    after = _carried_on(logs, last_kill)
    report(f"crash/{backend}", {"kills": len(killed), **figures(logs), "after_last_kill": after})
    assert problems == []
    assert len(killed) == kills
    assert after["issued"] > 0 and after["calls"] > 0


def _terminate(admin: sa.Engine, app_name: str) -> int:
    with admin.connect() as c:
        return len(c.execute(sa.text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :a AND pid <> "
            "pg_backend_pid()"), {"a": app_name}).all())


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"])
def test_postgres_connections_cut_mid_run_are_reported_and_recovered(backend: str, soak_url: str,
                                                                    tmp_path: Path) -> None:
    outages = 30 if LONG else 3
    app_name = soak_url.rsplit("application_name=", 1)[1]
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    soak = Soak(tmp_path, soak_url, [1, 2, 3])
    rnd = random.Random(13)
    cut = 0
    try:
        soak.kiosks(2, gap_s=0.05)
        soak.window_workers(service_s=0.0)
        deadline = soak.begin(outages * 2.5 + 8)
        done = 0
        while done < outages and time.time() < deadline - 6:
            time.sleep(rnd.uniform(0.5, 2.0))
            end = time.time() + rnd.uniform(0.3, 1.0)  # an outage: every connection cut, again and again
            while time.time() < end:
                cut += _terminate(admin, app_name)
                time.sleep(0.05)
            done += 1
        last_outage = time.time()
        codes = soak.wait(timeout=deadline - time.time() + 90)
    finally:
        soak.stop()
        admin.dispose()
    assert all(c == 0 for c in codes.values()), {n: soak.stderr(n) for n, c in codes.items() if c}
    logs = read_logs(soak.logs)
    problems, kinds = check_all(soak_url, MONDAY_9.date(), logs)
    fig = figures(logs)
    after = _carried_on(logs, last_outage)
    report(f"outage/{backend}", {"outages": done, "connections_cut": cut, **fig, "after_last_outage": after})
    assert problems == []
    assert done == outages and cut > 0
    assert fig["storage_errors"] > 0  # the processes did notice, and said so
    assert after["issued"] > 0 and after["calls"] > 0


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres", *(["sqlite"] if LONG else [])])
def test_workers_whose_clock_steps_away_are_refused_and_land_nothing(backend: str, soak_url: str,
                                                                    tmp_path: Path) -> None:
    if backend == "postgres" and not PG_URL:
        pytest.skip("TALON_TEST_DATABASE_URL is not set (PostgreSQL tests run in .ci/run)")
    soak = Soak(tmp_path, soak_url, [1, 3])
    skewed = {"skewed-kiosk": 86_400, "skewed-window3": -1200}  # a day ahead; 20 minutes slow
    try:  # one sound kiosk and window beside them: the short form stays cheap
        soak.kiosks(1, gap_s=0.1)
        soak.add("skewed-kiosk", "kiosk", gap_s=0.1, channel="api", skew_s=skewed["skewed-kiosk"])
        soak.add("window1", "window", window=1, login="op1", service_s=0.0)
        soak.add("skewed-window3", "window", window=3, login="op3", skew_s=skewed["skewed-window3"])
        deadline = soak.begin(3 if not LONG else 60)
        codes = soak.wait(timeout=deadline - time.time() + 90)
    finally:
        soak.stop()
    assert all(c == 0 for c in codes.values()), {n: soak.stderr(n) for n, c in codes.items() if c}
    logs = read_logs(soak.logs)
    problems, _ = check_all(soak_url, MONDAY_9.date(), logs)  # incl. every ticket on the run's day
    theirs = [r for r in logs if r["worker"] in skewed and r["op"] not in ("ready", "done")]
    refusals = [r for r in theirs if r["op"] == "storage_error"]
    engine = sa.create_engine(soak_url)
    try:
        with engine.connect() as c:
            op3_shifts = c.execute(sa.text("SELECT count(*) FROM operator_shift s JOIN operator o "
                                           "ON o.id = s.operator_id WHERE o.login = 'op3'")).scalar()
    finally:
        engine.dispose()
    report(f"skewed-clock/{backend}", {**figures(logs), "refusals": len(refusals)})
    assert problems == []
    assert {r["worker"] for r in refusals} == set(skewed)
    assert all(r["op"] in ("storage_error", "refused") for r in theirs)  # nothing reported as committed
    assert all("Часы этого компьютера" in r["msg"] for r in refusals)
    assert op3_shifts == 0
    assert figures(logs)["issued"] > 0 and figures(logs)["calls"] > 0  # the others worked meanwhile
