"""B5: start-up. ``talon ticket issue`` as a process (start to exit) and the kiosk app from process
start to its first frame (headless), each next to ``python -c pass`` measured in the same run,
alternating. ``python -m benchmarks.b5_startup kiosk CONFIG`` is the child that shows the frame."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import ROOT, Row

ALWAYS_OPEN = "".join(f'{d} = "00:00-23:59"\n' for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))


def _config(folder: Path) -> Path:
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    start = text.index("[office.hours]")
    end = text.index("[database]")
    text = text[:start] + "[office.hours]\n" + ALWAYS_OPEN + "\n" + text[end:]
    text = text.replace('backend = "spool"', 'backend = "none"')
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("TALON_CONFIG", "TALON_DATABASE_URL")}


def _time(cmd: list[str], cwd: Path) -> float:
    t = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=120)
    took = time.perf_counter() - t
    if r.returncode != 0:
        raise RuntimeError(f"{cmd}: {r.stderr[-500:]}")
    return took


def _first_frame(cmd: list[str], cwd: Path) -> float:
    """Seconds from spawning the kiosk child to the first frame it reports."""
    t = time.time()
    r = subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=120)
    if r.returncode != 0 or "FRAME" not in r.stdout:
        raise RuntimeError(f"kiosk: {r.stderr[-800:]}")
    return float(r.stdout.split("FRAME", 1)[1].split()[0]) - t


def run(*, repeats: int = 5) -> list[Row]:
    talon = [sys.executable, "-m", "talon"]
    with tempfile.TemporaryDirectory() as tmp_:
        tmp = Path(tmp_)
        cfg = _config(tmp)
        subprocess.run([*talon, "--config", str(cfg), "db", "upgrade"], cwd=tmp, env=_env(), check=True,
                       capture_output=True)
        issue = [*talon, "--config", str(cfg), "ticket", "issue", "--service", "payments", "--json"]
        kiosk = [sys.executable, "-m", "benchmarks.b5_startup", "kiosk", str(cfg)]
        empty = [sys.executable, "-c", "pass"]
        env_root = str(ROOT)
        os.environ["PYTHONPATH"] = env_root + os.pathsep + os.environ.get("PYTHONPATH", "")
        floor, cli, app = [], [], []
        _time(issue, tmp)  # warm the OS file cache
        _first_frame(kiosk, tmp)
        for _ in range(repeats):
            floor.append(_time(empty, tmp))
            cli.append(_time(issue, tmp))
            app.append(_first_frame(kiosk, tmp))
    f, c, a = (statistics.median(x) for x in (floor, cli, app))
    return [Row("B5", "`talon ticket issue` process, start to exit", f"{c:.2f} s", f"{f:.3f} s", c / f),
            Row("B5", "kiosk app, start to first frame (headless)", f"{a:.2f} s", f"{f:.3f} s", a / f)]


def _kiosk_child(cfg_path: str) -> None:
    from queue_core import load_config
    from queue_kiosk.app import build_app

    async def first_frame(pilot) -> None:  # noqa: ANN001
        await pilot.pause()
        os.write(1, f"FRAME {time.time()}\n".encode())  # Textual captures print() while it runs
        pilot.app.exit()

    build_app(load_config(cfg_path)).run(headless=True, size=(120, 40), auto_pilot=first_frame)


if __name__ == "__main__":
    if sys.argv[1] == "kiosk":
        _kiosk_child(sys.argv[2])
