"""The spool folder (a fresh machine without a printer), missing extras, and no printing at all."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from printer import backends, print_ticket, printer_status
from printer.render import render_job
from tests.printer.conftest import printer_cfg


def test_spool_writes_the_job_and_a_readable_preview_per_day(config, tp, tmp_path):
    spool = tmp_path / "spool"
    outcome = print_ticket(tp, config.printer, spool)
    assert (outcome.ok, outcome.reason_code, outcome.backend) == (True, "spooled", "spool")
    day = spool / "2025-11-05"
    assert outcome.message_ru == f"Талон сохранён в папку {day}"
    assert (day / "А-015.bin").read_bytes() == render_job(tp, config.printer).data
    preview = (day / "А-015.txt").read_text(encoding="utf-8")
    assert "Талон" in preview and "А - 0 1 5" in preview and "Перед вами: 4" in preview
    assert max(len(line) for line in preview.splitlines()) <= 48


def test_raster_spool_also_keeps_the_image(config, tp, tmp_path):
    outcome = print_ticket(tp, printer_cfg(config, mode="raster"), tmp_path)
    assert outcome.ok
    assert (tmp_path / "2025-11-05" / "А-015.png").stat().st_size > 1000


def test_a_spool_folder_that_cannot_be_written_is_a_fault_not_a_crash(config, tp, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    outcome = print_ticket(tp, config.printer, blocker)
    assert (outcome.ok, outcome.reason_code) == (False, "error")
    assert outcome.message_ru.startswith("Не удалось сохранить талон в папку")


@pytest.mark.parametrize(("backend", "hint"), [
    ("usb", "Для USB-принтера установите: pip install 'talon-queue[usb]'"),
    ("serial", "Для принтера на COM-порту установите: pip install 'talon-queue[serial]'"),
    ("cups", "Для печати через CUPS установите: pip install 'talon-queue[cups]'"),
])
def test_a_missing_optional_library_gives_the_pip_extra(monkeypatch, config, tp, tmp_path, backend, hint):
    real = backends.importlib.util.find_spec
    monkeypatch.setattr(backends.importlib.util, "find_spec",
                        lambda name, *a: None if name == backends.EXTRAS[backend][0] else real(name, *a))
    cfg = printer_cfg(config, backend=backend, usb_vendor_id=0x04B8, usb_product_id=0x0E15)
    outcome = print_ticket(tp, cfg, tmp_path)
    assert (outcome.ok, outcome.reason_code, outcome.message_ru) == (False, "missing_extra", hint)
    assert printer_status(cfg).message_ru == hint


def test_a_file_backend_writes_the_job_to_the_device_path(config, tp, tmp_path):
    device = tmp_path / "lp0"
    outcome = print_ticket(tp, printer_cfg(config, backend="file", device=str(device)), tmp_path)
    assert (outcome.ok, outcome.reason_code) == (True, "printed")
    assert device.read_bytes() == render_job(tp, config.printer).data


def test_a_missing_device_is_named(config, tp, tmp_path):
    device = tmp_path / "no" / "lp0"
    outcome = print_ticket(tp, printer_cfg(config, backend="file", device=str(device)), tmp_path)
    assert (outcome.ok, outcome.reason_code) == (False, "not_found")
    assert outcome.message_ru == f"Принтер недоступен: нет устройства {device}"


def test_an_unknown_profile_is_a_setup_fault(config, tp, tmp_path):
    outcome = print_ticket(tp, printer_cfg(config, profile="NO-SUCH-PRINTER"), tmp_path)
    assert (outcome.ok, outcome.reason_code) == (False, "setup")
    assert "NO-SUCH-PRINTER" in outcome.message_ru


def test_printing_switched_off(config, tp, tmp_path):
    outcome = print_ticket(tp, printer_cfg(config, backend="none"), tmp_path)
    assert (outcome.ok, outcome.reason_code) == (False, "disabled")
    assert list(tmp_path.iterdir()) == []


def test_outcomes_are_logged(config, tp, tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="printer"):
        print_ticket(tp, printer_cfg(config, backend="file", device=str(tmp_path / "no" / "lp0")), tmp_path)
    (record,) = [r for r in caplog.records if r.name.startswith("printer")]
    assert record.levelno == logging.WARNING
    assert "А-015" in record.getMessage() and "not_found" in record.getMessage()


def test_importing_printer_is_cheap_and_escpos_leaves_no_log_handler_behind():
    root = Path(__file__).resolve().parents[2]
    code = (
        "import logging, sys, printer\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('escpos', 'PIL', 'qrcode')], 'eager import'\n"
        "from printer.render import new_dummy\n"
        "new_dummy('TM-T20II')\n"
        "assert 'escpos' in sys.modules\n"
        "print(len(logging.getLogger().handlers))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"


def test_status_of_a_device_path_does_not_touch_it(config, tmp_path):
    device = tmp_path / "lp0"
    device.write_bytes(b"earlier job")
    info = printer_status(printer_cfg(config, backend="file", device=str(device)))
    assert info.online and device.read_bytes() == b"earlier job"
    missing = printer_status(printer_cfg(config, backend="file", device=str(tmp_path / "lp9")))
    assert (missing.online, missing.message_ru) == (False, f"Принтер недоступен: нет устройства {tmp_path / 'lp9'}")


def test_status_of_the_spool_folder_and_of_no_printer(config, tmp_path):
    assert printer_status(config.printer, tmp_path).message_ru == \
        f"Талоны сохраняются в папку {tmp_path} (принтер не подключён)"
    off = printer_status(printer_cfg(config, backend="none"))
    assert (off.online, off.message_ru) == (False, "Печать отключена (printer.backend = none)")
