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
    assert "the apps see the core only through the service protocol and its values KEPT" in r.stdout
    assert "the apps write no SQL KEPT" in r.stdout


def test_quick_cli_commands_import_no_textual_and_no_escpos() -> None:
    code = ("import sys; from talon import cli; import queue_core.service, queue_core.reports; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'escpos', 'queue_kiosk', "
            "'operator_tui')))")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_no_function_in_queue_core_is_more_complex_than_radon_grade_c() -> None:
    """A use case that grows past grade C (cyclomatic complexity > 20) is two use cases."""
    from radon.complexity import cc_rank, cc_visit
    from radon.visitors import Class

    too_complex = []
    for path in sorted((ROOT / "queue_core").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for block in cc_visit(path.read_text(encoding="utf-8")):
            for f in block.methods if isinstance(block, Class) else [block]:
                if cc_rank(f.complexity) > "C":
                    too_complex.append(f"{path.relative_to(ROOT)}:{f.lineno} {f.name} ({f.complexity})")
    assert too_complex == []
