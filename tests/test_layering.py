"""The layering rules of DESIGN.md §2, proved by import-linter on every test run."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_linter_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    r = subprocess.run([str(lint), "--config", str(ROOT / "pyproject.toml")], cwd=ROOT, capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "queue_core is the core: no UI, no printer KEPT" in r.stdout


def test_quick_cli_commands_import_no_textual_and_no_escpos() -> None:
    code = ("import sys; from talon import cli; import queue_core.service, queue_core.reports; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'escpos', 'queue_kiosk', "
            "'operator_tui')))")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"
