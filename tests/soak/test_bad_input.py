"""Bad input from people: broken config files and CLI arguments (one clean line, exit 2 for
a bad config or argument, never a traceback), malformed ticket codes, and a PIN brute force that
runs into the lockout."""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from queue_core import FixedClock, open_service
from queue_core.domain import AuthError, DomainError
from tests.conftest import MONDAY_9, OMSK, ROOT, admin, make_config, staff, write_config_file
from tests.soak.harness import LONG

pytestmark = pytest.mark.soak
EXAMPLES = 300 if LONG else 20
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not LONG,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
APP_COMMANDS = {"kiosk", "board", "operator", "serve", "demo"}  # they start a TUI or fill the database
BASE_LINES = (ROOT / "config.toml").read_text(encoding="utf-8").splitlines()
JUNK = ['""', '"x"', "-1", "0", "99999999999", "1.5", "true", "[]", "[1, 2]", "{a = 1}", '"25:00-08:00"',
        '"17:00-08:00"', '"Asia/Nowhere"', '"{prefix}{prefix}"', '"{oops}"', '"Ё"', '"АБВ"', "", '"', "[", "nan"]


def run_cli(args: list[str], cwd: Path) -> tuple[int, str, str]:
    """``talon ARGS`` in this process (a subprocess costs seconds here), stdin empty."""
    from talon.cli import main

    out, err = io.StringIO(), io.StringIO()
    old, old_in = os.getcwd(), sys.stdin
    os.chdir(cwd)
    sys.stdin = io.StringIO("")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(args)
                code = 0
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    finally:
        os.chdir(old)
        sys.stdin = old_in
    return code, out.getvalue(), err.getvalue()


def one_clean_line(code: int, err: str) -> None:
    if code == 0:
        return
    if code == 2 and "\nПараметры:" in err and "Использование: talon" in err.splitlines()[0]:
        return  # a bare command group (`talon ticket`) shows its help: asked for nothing, told what exists
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert code in (1, 2, 3), (code, err)


@st.composite
def broken_configs(draw) -> str:  # noqa: ANN001
    """The example config with a few lines changed: a value replaced, a line dropped or doubled,
    a key renamed, or random text inserted."""
    lines = list(BASE_LINES)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        how = draw(st.sampled_from(["value", "drop", "double", "rename", "text"]))
        if how == "value" and "=" in lines[i]:
            key = lines[i].split("=", 1)[0]
            value = draw(st.one_of(st.sampled_from(JUNK), st.text(max_size=12).map(repr), st.integers().map(str)))
            lines[i] = f"{key}= {value}"
        elif how == "drop":
            del lines[i]
        elif how == "double":
            lines.insert(i, lines[i])
        elif how == "rename" and "=" in lines[i]:
            lines[i] = draw(st.sampled_from(["colour", "Prefix", "номер", "x.y"])) + " =" + lines[i].split("=", 1)[1]
        else:
            lines.insert(i, draw(st.text(max_size=20)))
    return "\n".join(lines) + "\n"


@FUZZ
@given(text=broken_configs())
def test_any_broken_config_gives_one_line_and_exit_2(text: str, tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(text, encoding="utf-8", errors="surrogatepass")
    code, _out, err = run_cli(["--config", str(cfg), "config", "check"], tmp_path)
    assert code in (0, 2), (code, err)
    one_clean_line(code, err)
    if code == 2:
        assert err.startswith("ошибка конфигурации: ") or err.startswith("ошибка: "), err


WORDS = ["ticket", "issue", "show", "call-next", "call", "login", "logout", "start", "finish", "no-show", "recall",
         "redirect", "postpone", "return", "cancel", "rate", "report", "operators", "add", "list", "disable",
         "set-pin", "printer", "status", "db", "check", "config", "--service", "--category", "--channel", "--window",
         "--login", "--pin", "--json", "--period", "--from", "--to", "--by", "--format", "--name", "--role",
         "--reason", "payments", "svo", "nowhere", "А-001", "a1", "0", "1", "-1", "99999", "2025Q4", "2025-13",
         "2025-10-06", "service,hour", "xlsx", "csv", "op1", "1234", "12", "--help"]


@pytest.fixture(scope="module")
def cli_office(tmp_path_factory) -> Path:  # noqa: ANN001
    """A configured office with an operator at window 1 (so commands get past the first checks)."""
    tmp = tmp_path_factory.mktemp("cli")
    cfg = write_config_file(tmp)
    code, _o, err = run_cli(["--config", str(cfg), "operators", "add", "op1", "--name", "Оператор", "--role",
                             "admin", "--pin", "1234"], tmp)  # the first admin: the server box makes it
    assert code == 0, err
    return cfg


@FUZZ
@given(args=st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=8)), min_size=1, max_size=6))
def test_any_cli_arguments_give_one_clean_line_and_a_documented_exit_status(args: list[str], cli_office: Path) -> None:
    if args[0] in APP_COMMANDS:
        args = ["ticket", *args]
    code, _out, err = run_cli(["--config", str(cli_office), *args], cli_office.parent)
    one_clean_line(code, err)
    assert code != 3, err  # the database is right there


@pytest.mark.parametrize("args", [["--bogus"], ["ticket", "issue"], ["ticket", "issue", "--service", "nowhere"],
                                  ["call-next", "--window", "x", "--login", "op1"],
                                  ["report", "--period", "2025Q9"], ["report", "--format", "pdf"]])
def test_bad_arguments_exit_2_with_one_line(args: list[str], cli_office: Path) -> None:
    code, _out, err = run_cli(["--config", str(cli_office), *args], cli_office.parent)
    assert code == 2, (code, err)
    one_clean_line(code, err)


@pytest.fixture(scope="module")
def office(tmp_path_factory):  # noqa: ANN001, ANN201
    tmp = tmp_path_factory.mktemp("codes")
    svc = open_service(make_config(tmp), FixedClock(MONDAY_9, OMSK), auto_upgrade=True)
    svc.issue_ticket("payments")
    desk = staff(svc, 0)[0]  # who cancels: the informator's session
    yield svc, desk
    svc.db.dispose()


@settings(max_examples=EXAMPLES * 5, deadline=None, derandomize=not LONG)
@given(ref=st.one_of(st.text(max_size=12), st.from_regex(r"\s*[А-Яа-яA-Za-z]{0,3}\s*-?\s*\d{0,6}\s*", fullmatch=True),
                     st.integers(-(2**70), 2**70)))
def test_malformed_ticket_codes_are_refused_in_russian(ref, office) -> None:  # noqa: ANN001
    office, desk = office
    if names_the_only_ticket(ref):
        assert office.ticket(ref).code == "А-001"
        return
    for lookup in (office.ticket, lambda r: office.cancel(desk, r, "проверка")):
        with pytest.raises(DomainError) as refused:
            lookup(ref)
        assert str(refused.value) and not str(refused.value).isascii(), refused.value  # a Russian sentence


def names_the_only_ticket(ref: str | int) -> bool:
    """Today's А-001 (id 1), written any way a person may: «а1», « А - 0001 », 1, "001"."""
    if isinstance(ref, int):
        return ref == 1
    if re.fullmatch(r"[0-9]+", ref.strip()):
        return int(ref.strip()) == 1
    m = re.fullmatch(r"\s*[Аа]\s*-?\s*(\d{1,4})\s*", ref)
    return m is not None and int(m.group(1)) == 1


def test_pin_brute_force_from_two_terminals_hits_the_lockout(tmp_path: Path) -> None:
    clock = FixedClock(MONDAY_9, OMSK)
    svc = open_service(make_config(tmp_path), clock, auto_upgrade=True)
    svc.add_operator(admin(svc), "op1", "Оператор 1", "operator", "4821")
    messages: list[str] = []

    def guess(pins: range) -> None:
        for pin in pins:
            try:
                svc.login(1, "op1", f"{pin:04d}")
                messages.append("ВОШЁЛ")
            except AuthError as e:
                messages.append(str(e))

    threads = [threading.Thread(target=guess, args=(range(k, 200, 2),)) for k in (0, 1)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    wrong = [m for m in messages if m.startswith("Неверный PIN")]
    assert "ВОШЁЛ" not in messages
    assert len(wrong) == 5 and "заблокирован" in wrong[-1]  # the fifth wrong PIN locks the login
    assert sum(m.startswith("Вход заблокирован до") for m in messages) == 195
    with pytest.raises(AuthError, match="заблокирован"):
        svc.login(1, "op1", "4821")  # even the right PIN, while locked
    clock.advance(timedelta(minutes=5, seconds=1).total_seconds())
    assert svc.login(1, "op1", "4821").shift.operator == "op1"
    svc.db.dispose()
