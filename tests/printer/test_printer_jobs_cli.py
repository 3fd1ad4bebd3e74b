"""Printing an issued ticket and recording it; `talon printer test | status`."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from printer.jobs import print_and_record
from talon.cli_printer import printer_group
from tests.printer.fake_printer import PAPER_NEAR_END, PAPER_OUT, refused_port


class FakeService:
    def __init__(self) -> None:
        self.records: list[tuple[int, bool, str]] = []

    def record_print(self, ticket_id: int, ok: bool, reason: str) -> None:
        self.records.append((ticket_id, ok, reason))


def with_printer(config, **changes):
    return config.model_copy(update={"printer": config.printer.model_copy(update=changes)})


def test_a_spooled_ticket_is_recorded_as_printed(config, ticket):
    service = FakeService()
    outcome = print_and_record(service, ticket, config)
    assert outcome.ok
    assert service.records == [(15, True, outcome.message_ru)]
    assert (config.spool_dir / "2025-11-05" / "А-015.bin").is_file()


def test_a_printer_fault_is_recorded_with_its_russian_reason(config, ticket):
    service = FakeService()
    port = refused_port()
    cfg = with_printer(config, backend="network", host="127.0.0.1", port=port, timeout_s=1)
    outcome = print_and_record(service, ticket, cfg)
    assert service.records == [(15, False, f"Принтер недоступен: соединение отклонено (127.0.0.1:{port})")]
    assert outcome.reason_code == "refused"


def test_nothing_is_recorded_when_printing_is_switched_off(config, ticket):
    service = FakeService()
    print_and_record(service, ticket, with_printer(config, backend="none"))
    assert service.records == []


def run(config, *args):
    return CliRunner().invoke(printer_group, list(args), obj=SimpleNamespace(config=config))


def test_cli_test_print_to_the_spool_folder(config):
    result = run(config, "test")
    assert result.exit_code == 0, result.output
    assert "Принтер: папка (без принтера)" in result.output
    assert "Талон сохранён в папку" in result.output
    assert list(config.spool_dir.glob("*/А-000.bin"))


def test_cli_test_print_to_a_printer_without_paper_fails_with_exit_1(config, fake_printer):
    printer = fake_printer(paper=PAPER_OUT)
    result = run(with_printer(config, backend="network", host="127.0.0.1", port=printer.port, timeout_s=1), "test")
    assert result.exit_code == 1
    assert "Закончилась бумага" in result.output
    assert "Traceback" not in result.output


def test_cli_status_of_a_network_printer(config, fake_printer):
    printer = fake_printer(paper=PAPER_NEAR_END)
    result = run(with_printer(config, backend="network", host="127.0.0.1", port=printer.port, timeout_s=1), "status")
    assert result.exit_code == 0, result.output
    assert "На связи: да" in result.output
    assert "Бумага: заканчивается" in result.output


def test_cli_status_of_an_unreachable_printer(config):
    port = refused_port()
    result = run(with_printer(config, backend="network", host="127.0.0.1", port=port, timeout_s=1), "status")
    assert result.exit_code == 1
    assert "На связи: нет" in result.output
    assert "соединение отклонено" in result.output


@pytest.mark.parametrize("verb", ["test", "status"])
def test_the_talon_command_exits_1_when_the_printer_is_unreachable(tmp_path, verb, capsys):
    from talon.cli import main
    from tests.conftest import write_config_file

    cfg = write_config_file(tmp_path)
    text = cfg.read_text(encoding="utf-8").replace('backend = "spool"', 'backend = "network"')
    text = text.replace('host = "192.0.2.10"', f'host = "127.0.0.1"\nport = {refused_port()}')
    cfg.write_text(text.replace("timeout_s = 5", "timeout_s = 1"), encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        main(["--config", str(cfg), "printer", verb])
    assert exit_.value.code == 1
    assert "Traceback" not in capsys.readouterr().err
