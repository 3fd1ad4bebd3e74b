"""A network printer on 127.0.0.1 that works, refuses, hangs, drops the link or runs out of paper.

Whatever happens, print_ticket returns an outcome with a Russian message and never raises.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from printer import print_ticket, printer_status
from tests.printer.conftest import printer_cfg
from tests.printer.fake_printer import COVER_OPEN, OFFLINE, PAPER_NEAR_END, PAPER_OUT, refused_port

PAPER_QUERY = b"\x10\x04\x04"
ONLINE_QUERY = b"\x10\x04\x01"


def network(config, port: int, **changes):
    return printer_cfg(config, backend="network", host="127.0.0.1", port=port, timeout_s=1, **changes)


def test_a_ticket_reaches_a_working_printer(config, tp, tmp_path, fake_printer):
    printer = fake_printer()
    outcome = print_ticket(tp, network(config, printer.port), tmp_path)
    assert (outcome.ok, outcome.reason_code, outcome.message_ru) == (True, "printed", "Талон напечатан")
    assert (outcome.backend, outcome.paper) == ("network", "ok")
    assert printer.wait_for_job()
    job = bytes(printer.received)
    assert job.startswith(PAPER_QUERY + ONLINE_QUERY)  # asked about paper and readiness before printing
    assert job.endswith(PAPER_QUERY)  # and once more: the link held to the end
    assert "Талон".encode("cp866") in job and "А-015".encode("cp866") in job
    assert b"\x1dV" in job


def test_a_refused_connection_names_the_printer(config, tp, tmp_path):
    port = refused_port()
    outcome = print_ticket(tp, network(config, port), tmp_path)
    assert (outcome.ok, outcome.reason_code) == (False, "refused")
    assert outcome.message_ru == f"Принтер недоступен: соединение отклонено (127.0.0.1:{port})"


def test_a_printer_that_never_answers_times_out_within_the_configured_seconds(config, tp, tmp_path, fake_printer):
    printer = fake_printer(behaviour="silent")
    started = time.monotonic()
    outcome = print_ticket(tp, network(config, printer.port), tmp_path)
    elapsed = time.monotonic() - started
    assert (outcome.ok, outcome.reason_code, outcome.message_ru) == (False, "timeout", "Принтер не отвечает (1 с)")
    assert 0.9 < elapsed < 3
    assert "Талон".encode("cp866") not in bytes(printer.received)  # gave up before sending the job


def test_without_the_paper_check_a_printer_that_never_answers_still_gets_the_ticket(
        config, tp, tmp_path, fake_printer):
    printer = fake_printer(behaviour="silent")
    outcome = print_ticket(tp, network(config, printer.port, check_paper=False), tmp_path)
    assert (outcome.ok, outcome.reason_code, outcome.paper) == (True, "printed", None)
    assert printer.wait_for_job()
    assert not bytes(printer.received).startswith(PAPER_QUERY)
    assert "А-015".encode("cp866") in bytes(printer.received)


def test_a_connection_dropped_in_the_middle_of_the_job(config, tp, tmp_path, fake_printer):
    printer = fake_printer(behaviour="drop_mid_job")
    outcome = print_ticket(tp, network(config, printer.port), tmp_path)
    assert (outcome.ok, outcome.reason_code) == (False, "broken")
    assert outcome.message_ru == f"Связь с принтером прервана (127.0.0.1:{printer.port})"


def test_a_connection_dropped_on_the_status_query(config, tp, tmp_path, fake_printer):
    printer = fake_printer(behaviour="drop_on_status")
    outcome = print_ticket(tp, network(config, printer.port), tmp_path)
    assert (outcome.ok, outcome.reason_code) == (False, "broken")


def test_no_paper_means_no_job_is_sent(config, tp, tmp_path, fake_printer):
    printer = fake_printer(paper=PAPER_OUT)
    outcome = print_ticket(tp, network(config, printer.port), tmp_path)
    assert (outcome.ok, outcome.reason_code, outcome.message_ru, outcome.paper) == \
        (False, "paper_out", "Закончилась бумага", "out")
    assert printer.wait_for_job()
    assert bytes(printer.received) == PAPER_QUERY


def test_paper_near_end_prints_and_warns(config, tp, tmp_path, fake_printer):
    printer = fake_printer(paper=PAPER_NEAR_END)
    outcome = print_ticket(tp, network(config, printer.port), tmp_path)
    assert (outcome.ok, outcome.reason_code, outcome.message_ru, outcome.paper) == \
        (True, "paper_near_end", "Бумага заканчивается", "near_end")
    assert printer.wait_for_job()
    assert "А-015".encode("cp866") in bytes(printer.received)


def test_status_of_a_working_printer_with_little_paper(config, fake_printer):
    printer = fake_printer(paper=PAPER_NEAR_END)
    info = printer_status(network(config, printer.port))
    assert (info.online, info.paper) == (True, "near_end")
    assert info.message_ru == f"Сетевой принтер 127.0.0.1:{printer.port}: на связи; бумага заканчивается"


def test_a_printer_with_its_cover_open_gets_no_job(config, tp, tmp_path, fake_printer):
    printer = fake_printer(online=OFFLINE, cause=COVER_OPEN)
    outcome = print_ticket(tp, network(config, printer.port), tmp_path)
    assert (outcome.ok, outcome.reason_code, outcome.message_ru) == \
        (False, "offline", "Принтер не готов: открыта крышка")
    assert printer.wait_for_job()
    assert "А-015".encode("cp866") not in bytes(printer.received)


def test_status_of_a_printer_with_its_cover_open(config, fake_printer):
    printer = fake_printer(online=OFFLINE, cause=COVER_OPEN)
    info = printer_status(network(config, printer.port))
    assert info.online is False
    assert info.message_ru == f"Сетевой принтер 127.0.0.1:{printer.port}: не готов: открыта крышка"


def test_status_of_an_unreachable_printer(config):
    port = refused_port()
    info = printer_status(network(config, port))
    assert (info.online, info.paper) == (False, "unknown")
    assert info.message_ru == f"Принтер недоступен: соединение отклонено (127.0.0.1:{port})"


def test_talking_to_a_printer_leaves_no_stderr_handler_on_the_root_logger(fake_printer):
    """escpos logs through logging.info(), which would configure the root logger (and draw on a TUI)."""
    printer = fake_printer()
    root = Path(__file__).resolve().parents[2]
    code = (
        "import logging, sys\n"
        "from pathlib import Path\n"
        "from queue_core.config import load_config\n"
        "from printer import print_ticket, printer_status, sample_ticket_print\n"
        "c = load_config('config.toml')\n"
        f"pc = c.printer.model_copy(update={{'backend': 'network', 'host': '127.0.0.1', 'port': {printer.port}}})\n"
        "assert print_ticket(sample_ticket_print(c), pc, Path('unused')).ok\n"
        "assert printer_status(pc).online\n"
        "print(len(logging.getLogger().handlers))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(root)}
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, env=env, timeout=30)
    assert out.returncode == 0, out.stderr
    assert (out.stdout.strip(), out.stderr) == ("0", "")
