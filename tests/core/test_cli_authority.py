"""Authority through the `talon` command, as a person (or an attacker) types it: staff verbs need a
session from `talon login` or the PIN; operators and PINs need an admin; ratings come from the window
that served the visitor, on the day of service."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import write_config_file
from tests.core.test_cli import talon


@pytest.fixture
def office(tmp_path: Path) -> Path:
    cfg = write_config_file(tmp_path)
    assert talon(cfg, "db", "upgrade").returncode == 0
    r = talon(cfg, "operators", "add", "boss", "--name", "Администратор", "--role", "admin", input_="9999\n")
    assert r.returncode == 0, r.stderr
    for login in ("ivanova", "petrov"):
        r = talon(cfg, "operators", "add", login, "--name", login.title(), "--as", "boss", input_="9999\n1234\n")
        assert r.returncode == 0, r.stderr
    return cfg


def _session(cfg: Path, *args: str, pin: str = "1234") -> str:
    r = talon(cfg, "login", *args, input_=f"{pin}\n")
    assert r.returncode == 0, r.stderr
    return r.stdout.split("TALON_SESSION=")[1].strip()


def test_a_pin_less_call_next_for_a_window_someone_else_holds_is_refused(office: Path) -> None:
    _session(office, "-w", "1", "-l", "ivanova")
    talon(office, "ticket", "issue", "-s", "payments")
    r = talon(office, "call-next", "--window", "1", "--login", "ivanova", input_="")  # no PIN, no session
    assert r.returncode != 0 and "PIN не указан" in r.stderr
    r = talon(office, "call-next", "--window", "1", "--login", "petrov", input_="1234\n")  # his PIN, her window
    assert r.returncode == 1 and "Окно 1 закрыто для «petrov»" in r.stderr
    r = talon(office, "call-next", "--window", "1", "--login", "ivanova", input_="0000\n")  # a wrong PIN
    assert r.returncode == 1 and "Неверный PIN" in r.stderr
    r = talon(office, "call-next", "--window", "1", "--login", "ivanova", input_="1234\n")  # her own PIN
    assert r.returncode == 0 and "А-001" in r.stdout


def test_staff_verbs_take_the_session_printed_at_login(office: Path) -> None:
    token = _session(office, "-w", "1", "-l", "ivanova")
    talon(office, "ticket", "issue", "-s", "payments")
    r = talon(office, "call-next", "--session", token)
    assert r.returncode == 0 and "А-001" in r.stdout
    r = talon(office, "finish", "А-001", "--session", token, "--rating", "5")
    assert r.returncode == 0, r.stderr
    r = talon(office, "call-next", "--session", token + "x")
    assert r.returncode == 1 and "Сеанс не найден" in r.stderr
    assert talon(office, "logout", "--session", token).returncode == 0
    r = talon(office, "call-next", "--session", token)
    assert r.returncode == 1 and "Сеанс завершён" in r.stderr


def test_operators_and_pins_need_an_admin(office: Path) -> None:
    r = talon(office, "operators", "add", "mallory", "--name", "М", "--role", "admin", input_="1111\n")
    assert r.returncode == 1 and "только первого администратора" in r.stderr
    r = talon(office, "operators", "set-pin", "ivanova", "--as", "petrov", input_="1234\n1111\n")
    assert r.returncode == 1 and "нужен сеанс администратора" in r.stderr
    r = talon(office, "operators", "set-pin", "ivanova", "--pin", "2222")
    assert r.returncode == 2 and "Кто действует?" in r.stderr
    admin = _session(office, "-l", "boss", pin="9999")
    assert talon(office, "operators", "set-pin", "ivanova", "--pin", "2222", "--session", admin).returncode == 0
    r = talon(office, "tokens", "add", "киоск-1", "--scope", "kiosk", "--session", admin)
    assert r.returncode == 0 and "Сохраните токен" in r.stdout
    r = talon(office, "tokens", "list", "--session", _session(office, "-l", "petrov"))
    assert r.returncode == 1 and "нужен сеанс администратора" in r.stderr


def test_a_rating_from_the_command_line_needs_the_window_that_served(office: Path) -> None:
    iv = _session(office, "-w", "1", "-l", "ivanova")
    pe = _session(office, "-w", "2", "-l", "petrov")
    talon(office, "ticket", "issue", "-s", "payments")
    talon(office, "call-next", "--session", iv)
    talon(office, "finish", "А-001", "--session", iv)
    r = talon(office, "rate", "А-001", "1", input_="")
    assert r.returncode == 2 and "Кто действует?" in r.stderr
    r = talon(office, "rate", "А-001", "1", "--session", pe)
    assert r.returncode == 1 and "обслуживали не вы" in r.stderr
    r = talon(office, "rate", "А-001", "5", "--session", iv)
    assert r.returncode == 0 and "оценка 5" in r.stdout
    r = talon(office, "rate", "А-001", "1", "--session", iv)
    assert r.returncode == 1 and "уже оценён" in r.stderr
