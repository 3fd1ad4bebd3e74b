"""Kiosks and windows as separate processes on one database for a set time, the kiosks printing on
fake network printers that refuse, hang and drop at random: every number unique, every ticket in
the state its events say, no ticket at two windows, the priority audit clean, no error escaped,
nothing reported as committed missing, and every ticket marked printed or print_failed as its kiosk
was told."""

from __future__ import annotations

from pathlib import Path

import random
import threading

import pytest
from tests.conftest import MONDAY_9
from tests.soak.harness import LONG, LONG_SECONDS, Soak, figures, report, soak_url  # noqa: F401 - fixture
from tests.soak.invariants import check_all, read_logs

from tests.printer.fake_printer import FakePrinter, refused_port

BEHAVIOURS = ["normal", "silent", "drop_on_status", "drop_mid_job"]


class FaultyPrinters:
    """A normal printer, one per kind of fault, a refused port, and one printer that changes its
    behaviour at random every few tenths of a second."""

    def __init__(self) -> None:
        self.printers = [FakePrinter(behaviour=b, drop_after=50) for b in BEHAVIOURS] + [FakePrinter()]
        self.ports = [p.port for p in self.printers] + [refused_port()]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._flip, daemon=True)
        self._thread.start()

    def _flip(self) -> None:
        rnd = random.Random(5)
        while not self._stop.wait(0.3):
            self.printers[-1].behaviour = rnd.choice(BEHAVIOURS)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        for p in self.printers:
            p.stop()

pytestmark = pytest.mark.soak


def test_kiosks_and_windows_under_load_keep_every_invariant(backend: str, soak_url: str, tmp_path: Path) -> None:
    seconds = LONG_SECONDS if LONG else 10
    windows = [0, 1, 2, 3, 4, 5] if LONG else [1, 2, 3]
    soak = Soak(tmp_path, soak_url, windows)
    printers = FaultyPrinters()
    try:
        soak.kiosks(4 if LONG else 3, gap_s=0.25, printer_ports=printers.ports, printer_timeout_s=0.5)
        soak.window_workers(service_s=0.02)
        soak.begin(seconds)
        codes = soak.wait(timeout=seconds + 90)
    finally:
        soak.stop()
        printers.stop()
    assert all(c == 0 for c in codes.values()), {n: soak.stderr(n) for n, c in codes.items() if c}
    logs = read_logs(soak.logs)
    problems, kinds = check_all(soak_url, MONDAY_9.date(), logs)
    fig = figures(logs)
    printed = [r for r in logs if r["op"] == "print"]
    report(f"load/{backend}", {"seconds": seconds, **fig, "events": sum(kinds.values()),
                               "printed": sum(r["ok"] for r in printed),
                               "print_failed": sum(not r["ok"] for r in printed)})
    assert problems == []
    assert len(printed) == fig["issued"]  # each issued ticket went to a printer once
    assert 0 < sum(r["ok"] for r in printed) < len(printed)  # the faults really happened
    assert fig["issued"] >= 10 and fig["calls"] >= 10
    assert fig["storage_errors"] == 0 and fig["refused"] == 0
