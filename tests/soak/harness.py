"""Running a soak: an office database, worker processes with their own logs, kills and outages.

Short form by default (CI); ``TALON_SOAK_LONG=1`` for the long one; ``TALON_SOAK_SECONDS`` sets the
load duration of the long form (default 600 s per backend).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from tests.conftest import MONDAY_9, PG_URL, PgSchema, admin, write_config_file

from queue_core import load_config, open_service

WORKER = Path(__file__).with_name("worker.py")
LONG = os.environ.get("TALON_SOAK_LONG") == "1"
LONG_SECONDS = float(os.environ.get("TALON_SOAK_SECONDS", "600"))
FAKE0 = MONDAY_9.isoformat()  # every worker's clock starts on this office day
SERVICES = {1: ["payments", "recalc"], 2: ["payments", "recalc", "contracts"], 3: ["recalc", "contracts", "payments"],
            4: ["contracts", "recalc"], 5: ["b2b-contracts", "b2b-billing", "contracts"]}
CATEGORIES = {"regular": 85, "disabled": 8, "svo": 7}
WINDOW_P = {"recall": 0.12, "no_show": 0.06, "redirect": 0.08}


def pg_with_app_name(base_url: str) -> tuple[PgSchema, str]:
    """A throw-away schema and a URL whose connections carry an application_name of their own,
    so an outage can cut exactly this run's connections."""
    schema = PgSchema(base_url)
    return schema, f"{schema.url}&application_name={schema.name}"


@dataclass
class Soak:
    tmp: Path
    url: str
    windows: list[int]
    wall0: float = field(default_factory=time.time)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    specs: dict[str, dict] = field(default_factory=dict)
    starts: int = 0

    def __post_init__(self) -> None:
        self.cfg = write_config_file(self.tmp, self.url)
        self.logs = self.tmp / "logs"
        self.logs.mkdir()
        svc = open_service(load_config(self.cfg), auto_upgrade=True)
        boss = admin(svc)
        for w in self.windows:
            login = "info" if w == 0 else f"op{w}"
            svc.add_operator(boss, login, f"Оператор {w}", "informator" if w == 0 else "operator", "1234")
        svc.db.dispose()
        self.services = sorted({s for w in self.windows for s in SERVICES.get(w, SERVICES[1])})

    @property
    def go(self) -> Path:
        return self.tmp / "go"

    def begin(self, seconds: float, timeout: float = 120) -> float:
        """Wait until every worker has opened the database, then let them run for ``seconds``."""
        end = time.time() + timeout
        while time.time() < end:
            ready = [n for n in self.specs if '"op": "ready"' in self._log_text(n)]
            dead = [n for n, p in self.procs.items() if p.poll() is not None]
            if dead:
                raise AssertionError({n: self.stderr(n) for n in dead})
            if len(ready) == len(self.specs):
                break
            time.sleep(0.1)
        else:
            raise AssertionError("workers did not start in time")
        self.deadline = time.time() + seconds
        tmp = self.tmp / "go.tmp"
        tmp.write_text(str(self.deadline))
        tmp.rename(self.go)
        return self.deadline

    def _log_text(self, name: str) -> str:
        p = self.logs / f"{name}.jsonl"
        return p.read_text(encoding="utf-8") if p.exists() else ""

    def add(self, name: str, role: str, **extra: object) -> None:
        spec = dict(role=role, config=str(self.cfg), log=str(self.logs / f"{name}.jsonl"), seed=zlib.crc32(name.encode()),
                    wall0=self.wall0, fake0=FAKE0, go=str(self.go), services=self.services,
                    categories=CATEGORIES, p=WINDOW_P, **extra)
        self.specs[name] = spec
        self.start(name)

    def kiosks(self, n: int, **extra: object) -> None:
        for i in range(n):
            self.add(f"kiosk{i}", "kiosk", **extra)

    def window_workers(self, **extra: object) -> None:
        for w in self.windows:
            self.add(f"window{w}", "window", window=w, login="info" if w == 0 else f"op{w}", **extra)

    def start(self, name: str) -> None:
        spec = self.specs[name]
        spec["seed"] += 1000  # a restarted worker does not replay its predecessor's choices
        path = self.tmp / f"{name}.json"
        path.write_text(json.dumps(spec), encoding="utf-8")
        err = open(self.tmp / f"{name}.stderr", "ab")  # noqa: SIM115 - owned by the child
        self.procs[name] = subprocess.Popen([sys.executable, str(WORKER), str(path)], stdout=subprocess.DEVNULL,
                                            stderr=err)
        self.starts += 1

    def kill9(self, name: str) -> None:
        p = self.procs[name]
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=10)

    def alive(self) -> list[str]:
        return [n for n, p in self.procs.items() if p.poll() is None]

    def wait(self, timeout: float = 120) -> dict[str, int]:
        end = time.time() + timeout
        codes = {}
        for name, p in self.procs.items():
            try:
                codes[name] = p.wait(timeout=max(1, end - time.time()))
            except subprocess.TimeoutExpired:
                p.kill()
                codes[name] = -999
        return codes

    def stderr(self, name: str) -> str:
        return (self.tmp / f"{name}.stderr").read_text(encoding="utf-8", errors="replace")[-3000:]

    def stop(self) -> None:
        for p in self.procs.values():
            if p.poll() is None:
                p.kill()
                p.wait(timeout=10)


def figures(logs: list[dict]) -> dict[str, int]:
    ops = [r["op"] for r in logs]
    return {"issued": ops.count("issue"), "calls": ops.count("call"), "finished": ops.count("finish"),
            "recalls": ops.count("recall"), "redirects": ops.count("redirect"), "no_shows": ops.count("no_show"),
            "storage_errors": ops.count("storage_error"), "refused": ops.count("refused")}


def report(name: str, data: dict) -> None:
    """One line per soak run on stdout (``pytest -s``) and appended to $TALON_SOAK_REPORT."""
    line = f"SOAK {name}: " + ", ".join(f"{k}={v}" for k, v in data.items())
    print(line)
    out = os.environ.get("TALON_SOAK_REPORT")
    if out:
        with open(out, "a", encoding="utf-8") as f:
            f.write(line + "\n")


@pytest.fixture
def soak_url(backend: str, tmp_path: Path):  # noqa: ANN201
    """A fresh database URL for the backend. With TALON_TEST_DATABASE_URL set, an unreachable
    PostgreSQL fails the soak (PgSchema raises): never a skip."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'talon.db'}"
        return
    schema, url = pg_with_app_name(PG_URL)
    try:
        yield url
    finally:
        schema.drop()
