"""B4: throughput under load — 8 kiosk + 8 window processes for 30 s on SQLite, and 8 kiosks +
32 window processes on PostgreSQL (a hall of 32 windows). Each process is the soak worker
(``tests/soak/worker.py``) with no pauses: kiosks issue as fast as they can, windows call and finish.
Prints tickets/s and calls/s; every StorageError, refusal or escaped error counts as an error."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import MONDAY_9, PG_URL, ROOT, PgSchema, Row, admin

WORKER = ROOT / "tests" / "soak" / "worker.py"
SERVICES = ["payments", "recalc", "contracts"]


def _config(folder: Path, url: str, windows: int) -> Path:
    text = (ROOT / "config.toml").read_text(encoding="utf-8").replace('url = "sqlite:///talon.db"', f'url = "{url}"')
    text = text.replace('backend = "spool"', 'backend = "none"')
    for n in range(6, windows + 1):
        text += f"\n[[windows]]\nnumber = {n}\nservices = {{ payments = 1, recalc = 1, contracts = 1 }}\n"
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run(backend: str, *, kiosks: int = 8, windows: int | None = None, seconds: float = 30) -> Row:
    from queue_core import load_config, open_service

    windows = windows or (8 if backend == "sqlite" else 32)
    with tempfile.TemporaryDirectory() as tmp_:
        tmp = Path(tmp_)
        schema = PgSchema(PG_URL) if backend == "postgres" else None
        url = schema.url if schema else f"sqlite:///{tmp / 'talon.db'}"
        procs: list[subprocess.Popen] = []
        try:
            cfg = _config(tmp, url, max(windows, 5))
            svc = open_service(load_config(cfg), auto_upgrade=True)
            boss = admin(svc)
            for w in range(1, windows + 1):
                svc.add_operator(boss, f"op{w}", f"Оператор {w}", "operator", "1234")
            svc.db.dispose()
            (tmp / "logs").mkdir()
            go = tmp / "go"
            base = dict(config=str(cfg), wall0=time.time(), fake0=MONDAY_9.isoformat(), go=str(go),
                        services=SERVICES, categories={"regular": 90, "disabled": 5, "svo": 5},
                        p={"recall": 0, "no_show": 0, "redirect": 0}, gap_s=0, service_s=0)
            specs = [dict(base, role="kiosk", seed=i, log=str(tmp / "logs" / f"k{i}.jsonl")) for i in range(kiosks)]
            specs += [dict(base, role="window", seed=100 + w, window=w, login=f"op{w}",
                           log=str(tmp / "logs" / f"w{w}.jsonl")) for w in range(1, windows + 1)]
            for i, spec in enumerate(specs):
                p = tmp / f"spec{i}.json"
                p.write_text(json.dumps(spec), encoding="utf-8")
                procs.append(subprocess.Popen([sys.executable, str(WORKER), str(p)], stdout=subprocess.DEVNULL,
                                              stderr=open(tmp / f"err{i}.txt", "wb")))  # noqa: SIM115
            end = time.time() + 300
            while time.time() < end:  # everyone ready (imports and connections done)?
                ready = sum('"ready"' in Path(s["log"]).read_text() for s in specs if Path(s["log"]).exists())
                if ready == len(specs) or any(p.poll() is not None for p in procs):
                    break
                time.sleep(0.2)
            start = time.time()
            (tmp / "go.tmp").write_text(str(start + seconds))
            (tmp / "go.tmp").rename(go)
            codes = [p.wait(timeout=seconds + 120) for p in procs]
            records = [json.loads(line) for s in specs for line in Path(s["log"]).read_text().splitlines()]
            ops = [r["op"] for r in records]
            problems = [f"{r['op']} in {r.get('where', '?')}: {r.get('msg') or r.get('tb', '')[-200:]}"
                        for r in records if r["op"] in ("storage_error", "refused", "escaped")]
            problems += [f"exit {c}: {(tmp / f'err{i}.txt').read_text(errors='replace')[-200:]}"
                         for i, c in enumerate(codes) if c != 0]
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
            if schema:
                schema.close()
    issued, calls = ops.count("issue"), ops.count("call")
    errors = sum(ops.count(k) for k in ("storage_error", "refused", "escaped")) + sum(c != 0 for c in codes)
    return Row("B4", f"{kiosks} kiosks + {windows} windows, {seconds:g} s, {backend}",
               f"{issued / seconds:.0f} tickets/s, {calls / seconds:.0f} calls/s", "—", None, "errors = 0",
               errors == 0, note=f"{issued} tickets, {calls} calls, {errors} errors"
               + (f"; first: {problems[0]}" if problems else ""))
