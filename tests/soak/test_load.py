"""Kiosks and windows as separate processes on one database for a set time: every number unique,
every ticket in the state its events say, no ticket at two windows, the priority audit clean,
no error escaped and nothing reported as committed missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import MONDAY_9
from tests.soak.harness import LONG, LONG_SECONDS, Soak, figures, report, soak_url  # noqa: F401 - fixture
from tests.soak.invariants import check_all, read_logs

pytestmark = pytest.mark.soak


def test_kiosks_and_windows_under_load_keep_every_invariant(backend: str, soak_url: str, tmp_path: Path) -> None:
    seconds = LONG_SECONDS if LONG else 10
    windows = [0, 1, 2, 3, 4, 5] if LONG else [1, 2, 3]
    soak = Soak(tmp_path, soak_url, windows)
    try:
        soak.kiosks(4 if LONG else 3, seconds, gap_s=0.25)
        soak.window_workers(seconds, service_s=0.02)
        codes = soak.wait(timeout=seconds + 90)
    finally:
        soak.stop()
    assert all(c == 0 for c in codes.values()), {n: soak.stderr(n) for n, c in codes.items() if c}
    logs = read_logs(soak.logs)
    problems, kinds = check_all(soak_url, MONDAY_9.date(), logs, excuse_concurrent=backend == "postgres")
    fig = figures(logs)
    report(f"load/{backend}", {"seconds": seconds, **fig, "events": sum(kinds.values())})
    assert problems == []
    assert fig["issued"] > 20 and fig["calls"] > 20
    assert fig["storage_errors"] == 0 and fig["refused"] == 0
