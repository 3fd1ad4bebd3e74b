"""A cancel racing calls (separate processes, PostgreSQL and SQLite): every change takes the office
lock, so no window's call fails and none comes back empty while an eligible ticket waits; a
ticket is either called once or cancelled, never both."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from queue_core import load_config, open_service
from queue_core.domain import Actor
from tests.conftest import admin, write_config_file
from tests.core.test_concurrency import WORKER

pytestmark = pytest.mark.slow

CANCELLER = """
import json, sys
from queue_core import load_config, open_service
from queue_core.domain import Actor, DomainError, Role
svc = open_service(load_config(sys.argv[1]), auto_upgrade=False)
actor = Actor(Role.INFORMATOR, "info", 0, sys.argv[2])
out = {"cancelled": [], "refused": []}
for tid in json.loads(sys.argv[3]):
    try:
        svc.cancel(actor, tid, "ушёл, не дождавшись")
        out["cancelled"].append(tid)
    except DomainError as e:
        out["refused"].append([tid, str(e)])
print(json.dumps(out))
"""


def test_a_cancel_racing_three_windows_never_makes_a_call_fail(tmp_path: Path, db_url: str) -> None:
    cfg = write_config_file(tmp_path, db_url)
    svc = open_service(load_config(cfg), auto_upgrade=True)
    boss = admin(svc)
    ids = [svc.issue_ticket("payments", actor=Actor.api("api")).id for _ in range(300)]
    svc.add_operator(boss, "info", "Информатор", "informator", "1234")
    desk = svc.login(0, "info", "1234").token
    jobs = []
    for w in (1, 2, 3):
        svc.add_operator(boss, f"op{w}", f"Оператор {w}", "operator", "1234")
        jobs.append([sys.executable, str(WORKER), str(cfg), "drain", str(w), f"op{w}", svc.login(w, f"op{w}", "1234").token])
    victims = ids  # the canceller walks the queue from its head, where the windows call: they meet all the time
    procs = [subprocess.Popen(j, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for j in jobs]
    procs.append(subprocess.Popen([sys.executable, "-c", CANCELLER, str(cfg), desk, json.dumps(victims)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-2000:]  # no call failed: a failure escapes the worker loudly
        results.append(json.loads(out.strip().splitlines()[-1]))
    *drains, cancels = results
    called = [t for r in drains for t in r["called"]]
    assert len(called) == len(set(called))
    assert sorted(called + cancels["cancelled"]) == sorted(ids)  # each ticket called once or cancelled
    assert all("Нельзя отменить" in why for _, why in cancels["refused"])  # only ones already called
    with svc.db.read() as s:
        waiting = s.execute(sa.text("SELECT count(*) FROM ticket WHERE status = 'waiting'")).scalar()
    assert waiting == 0  # nothing was left behind by a window that gave up
    svc.db.dispose()
