"""The `talon` command as a person types it: bad configs and arguments give one line and exit 2;
the SVO scenario holds through the CLI on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import ROOT, write_config_file

from queue_core import load_config, open_service
from queue_core.domain import Actor

BASE = (ROOT / "config.toml").read_text(encoding="utf-8")


def talon(cfg: Path, *args: str, input_: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("TALON_CONFIG", "TALON_DATABASE_URL")}
    return subprocess.run([sys.executable, "-m", "talon", "--config", str(cfg), *args], capture_output=True,
                          text=True, env=env, input=input_, timeout=120)


BAD_CONFIGS = {
    "unknown service in a window": (BASE.replace("services = { payments = 3, recalc = 1 }",
                                                 "services = { payments = 3, xyz = 1 }"),
                                    "windows[1].services: неизвестная услуга «xyz»"),
    "duplicate prefix": (BASE.replace('prefix = "Б"', 'prefix = "А"'), "services[1].prefix: префикс «А» уже есть"),
    "bad time zone": (BASE.replace('timezone = "Asia/Omsk"', 'timezone = "Asia/Omskk"'),
                      "office.timezone: неизвестный часовой пояс «Asia/Omskk»"),
    "hours backwards": (BASE.replace('tue = "08:00-17:00"', 'tue = "17:00-08:00"'),
                        "office.hours: часы «17:00-08:00»: закрытие раньше открытия"),
    "category without a name": (BASE.replace('name = "Обычная очередь"\n', ""), "categories[0].name: обязательное поле"),
    "unknown printer backend": (BASE.replace('backend = "spool"', 'backend = "bluetooth"'), "printer.backend"),
    "negative recall limit": (BASE.replace("recall_limit = 2", "recall_limit = -1"), "policy.recall_limit"),
    "toml syntax": (BASE.replace("[office]", "[office"), "ошибка синтаксиса TOML"),
    "unknown field": (BASE.replace("[kiosk]", "[kiosk]\ncolour = 'red'"), "kiosk.colour: неизвестное поле"),
    "sqlite url with two slashes": (BASE.replace('url = "sqlite:///talon.db"', 'url = "sqlite://talon.db"'),
                                    "database.url: «sqlite://talon.db»: путь к файлу SQLite пишется после трёх"),
    "postgres url without psycopg": (BASE.replace('url = "sqlite:///talon.db"', 'url = "postgresql://u@h/db"'),
                                     "database.url: драйвер «postgresql» не поддерживается"),
    "number format without the number": (BASE.replace("last_ticket_min = 15 ", 'number_format = "{prefix}"\n'
                                                      "last_ticket_min = 15 "),
                                         "office.number_format: формат номера «{prefix}» должен содержать {number}"),
    "number format longer than a code": (BASE.replace("last_ticket_min = 15 ", 'number_format = "Талон № {prefix}'
                                                      '-{number:05d} ок"\nlast_ticket_min = 15 '),
                                         "даёт «Талон № Ж-09999 ок»: длиннее 16 символов"),
    "two-letter prefix": (BASE.replace('prefix = "Б"', 'prefix = "АБ"'),
                          "services[1].prefix: префикс «АБ» должен быть одной буквой"),
    "out-of-turn category without its legal basis": (
        BASE.replace('basis = "Программа', 'basis = ""  # "Программа'),
        "categories[2].basis: укажите правовое основание внеочередного обслуживания"),
    "validity that ends before it starts": (
        BASE.replace('target_wait_min = 5\n', 'target_wait_min = 5\nvalid_from = 2026-01-01\nvalid_to = 2025-12-31\n'),
        "categories[2].valid_to: 31.12.2025 раньше valid_from 01.01.2026"),
    "window services not a table": (BASE.replace("services = { payments = 3, recalc = 1 }", 'services = "payments"'),
                                    "windows[1].services: ожидается таблица вида ключ = значение"),
}


@pytest.mark.parametrize("case", list(BAD_CONFIGS))
def test_each_bad_config_value_gives_one_line_naming_the_field_and_exit_2(tmp_path: Path, case: str) -> None:
    text, expected = BAD_CONFIGS[case]
    cfg = tmp_path / "config.toml"
    cfg.write_text(text, encoding="utf-8")
    r = talon(cfg, "config", "check")
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr
    assert lines[0].startswith(f"ошибка конфигурации: {cfg}: ")
    assert expected in lines[0]


def test_missing_config_file_and_bad_arguments(tmp_path: Path) -> None:
    r = talon(tmp_path / "nope.toml", "config", "check")
    assert r.returncode == 2 and "файл конфигурации не найден" in r.stderr
    cfg = write_config_file(tmp_path)
    r = talon(cfg, "ticket", "issue")
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0 and "--service" in r.stderr
    r = talon(cfg, "operator", "--window", "77")
    assert r.returncode == 2 and "--window" in r.stderr and "окна 77 нет" in r.stderr
    r = talon(cfg, "ticket", "issue", "--service", "nope")
    assert r.returncode == 2 and "Неизвестная услуга «nope»" in r.stderr


def test_a_pin_not_given_is_read_from_piped_input_never_from_the_terminal(tmp_path: Path) -> None:
    cfg = write_config_file(tmp_path)
    r = talon(cfg, "login", "--window", "3", "--login", "ivanova", input_="")
    assert r.returncode == 2 and r.stderr.strip() == "ошибка: PIN не указан: введите его в терминале или подайте " \
                                                     "строкой на стандартный ввод"
    r = talon(cfg, "operators", "add", "ivanova", "--name", "Иванова А. П.", "--role", "admin", input_="1234\n")
    assert r.returncode == 0, r.stderr  # the office's first admin: made by the server box without a session
    r = talon(cfg, "login", "--window", "3", "--login", "ivanova", input_="1234\n")
    assert r.returncode == 0 and "Окно 3: работает Иванова А. П." in r.stdout


def test_config_check_prints_the_resolved_settings(tmp_path: Path) -> None:
    cfg = write_config_file(tmp_path)
    r = talon(cfg, "config", "check")
    assert r.returncode == 0, r.stderr
    assert "Asia/Omsk" in r.stdout and "Пн–Пт 08:00–17:00" in r.stdout
    assert f"sqlite:///{tmp_path / 'talon.db'}" in r.stdout  # relative to the config file
    assert "Заключение и изменение договора" in r.stdout


def test_the_svo_scenario_through_the_cli(tmp_path: Path, db_url: str) -> None:
    cfg = write_config_file(tmp_path, db_url)
    assert talon(cfg, "db", "upgrade").returncode == 0
    assert talon(cfg, "db", "check").returncode == 0
    r = talon(cfg, "operators", "add", "boss", "--name", "Администратор", "--role", "admin", "--pin", "9999")
    assert r.returncode == 0, r.stderr
    r = talon(cfg, "operators", "add", "ivanova", "--name", "Иванова А. П.", "--pin", "1234", "--as", "boss",
              input_="9999\n")  # the admin's PIN prompted
    assert r.returncode == 0, r.stderr
    r = talon(cfg, "login", "--window", "3", "--login", "ivanova", input_="1234\n")  # PIN prompted
    assert r.returncode == 0 and "Окно 3: работает Иванова А. П." in r.stdout
    session = r.stdout.split("TALON_SESSION=")[1].strip()  # printed once; the verbs below take it
    assert talon(cfg, "ticket", "issue", "--service", "payments").returncode == 0
    svc = open_service(load_config(cfg))  # nine more regular visitors, quicker than nine processes
    for _ in range(9):
        svc.issue_ticket("payments", actor=Actor.api("api"))
    svc.db.dispose()
    r = talon(cfg, "ticket", "issue", "--service", "payments", "--category", "svo", "--json")
    svo = json.loads(r.stdout)
    assert {"id", "code", "service", "category", "status", "day", "issued_at", "called_at", "window", "position",
            "estimated_wait_min"} <= svo.keys()
    assert (svo["code"], svo["category"], svo["position"]) == ("А-011", "svo", 0)
    assert svo["issued_at"].endswith("Z")
    r = talon(cfg, "call-next", "--session", session, "--json")
    call = json.loads(r.stdout)
    assert (call["code"], call["rule"], call["reason"], call["window"]) == ("А-011", "out_of_turn",
                                                                            "вне очереди: участник СВО", 3)
    r = talon(cfg, "verify", "А-011", "--session", session)
    assert r.returncode == 0 and "Участники СВО" in r.stdout
    r = talon(cfg, "finish", "А-011", "-w", "3", "-l", "ivanova", "--rating", "5", input_="1234\n")  # or the PIN
    assert r.returncode == 0 and "обслужен" in r.stdout
    r = talon(cfg, "finish", "А-011", "--session", session)
    assert r.returncode == 1 and r.stderr.strip() == "отказ: Нельзя завершить: талон А-011 обслужен"
    r = talon(cfg, "ticket", "show", "А-011", "--history", "--json")
    kinds = [e["kind"] for e in json.loads(r.stdout)["events"]]
    assert kinds == ["issued", "called", "category_verified", "started", "finished", "rated"]
    r = talon(cfg, "ticket", "show", "А-011", "--history")
    lines = r.stdout.splitlines()[1:]
    assert [line.split()[1] for line in lines] == ["выдан", "вызван", "категория", "обслуживание", "обслуживание",
                                                   "оценка"]
    assert "(вне очереди: участник СВО)" in lines[1] and "оценка 5" in lines[-1]


def test_an_unreachable_database_is_one_line_and_exit_3(tmp_path: Path) -> None:
    cfg = write_config_file(tmp_path, "postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
    r = talon(cfg, "ticket", "issue", "--service", "payments")
    assert r.returncode == 3
    assert r.stderr.strip() == "ошибка базы данных: Нет связи с базой данных (сервер отклонил соединение)"
    assert "Traceback" not in r.stderr


def talon_here(capsys, *args: str) -> tuple[int, str, str]:  # noqa: ANN001
    """The talon command in this process (quicker than a subprocess for messages that need no database)."""
    from talon.cli import main

    try:
        main(list(args))
        code = 0
    except SystemExit as e:
        code = e.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err


def test_click_speaks_russian_in_usage_errors_and_help(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    cfg = str(write_config_file(tmp_path))
    assert talon_here(capsys, "--config", cfg, "bogus") == (2, "", "ошибка: нет такой команды 'bogus'.\n")
    code, _, err = talon_here(capsys, "--config", cfg, "ticket", "issue")
    assert (code, err) == (2, "ошибка: не указан параметр '--service' / '-s'.\n")
    code, _, err = talon_here(capsys, "--config", cfg, "ticket", "issue", "-s", "payments", "--channel", "fax")
    assert code == 2 and err.startswith("ошибка: недопустимое значение для '--channel': 'fax' — допустимо одно из:")
    code, _, err = talon_here(capsys, "--config", cfg, "call-next", "--window", "x", "--login", "a")
    assert (code, err) == (2, "ошибка: недопустимое значение для '--window' / '-w': 'x' — не число.\n")
    code, out, _ = talon_here(capsys, "login", "--help")
    assert code == 0 and out.startswith("Использование: talon login [ПАРАМЕТРЫ]")
    assert "-h, --help          Показать эту справку и выйти." in out and "[обязательно]" in out
    code, out, _ = talon_here(capsys, "--help")
    assert "Использование: talon [ПАРАМЕТРЫ] КОМАНДА [АРГУМЕНТЫ]..." in out and "Команды:" in out
    for english in ("Usage:", "Options", "Commands", "Show this message", "required", "No such", "Missing",
                    "Invalid value", "Error:"):
        assert english not in out + err
