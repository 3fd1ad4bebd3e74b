"""The staff terminal on a real SQLite file with the example office, a fixed Omsk clock, and
operators logged in at their windows (op1 at window 1, info at the desk, window 0); ``actors`` are
the sessions of those logins."""

from __future__ import annotations

from dataclasses import dataclass, field
import shutil
from pathlib import Path

import pytest
from operator_tui.app import OperatorApp, build_app
from queue_core import FixedClock, open_service
from queue_core.domain import Actor
from tests.conftest import make_config, staff


@dataclass
class FakeOutcome:
    ok: bool
    reason_code: str = "ok"
    message_ru: str = "напечатан"
    backend: str = "fake"
    paper: str = "ok"


@dataclass
class FakePrinter:
    """Stands in for ``printer.jobs.print_and_record``: records the outcome like the real one."""

    ok: bool = True
    printed: list[str] = field(default_factory=list)

    def __call__(self, service, ticket, config):  # noqa: ANN001, ANN204
        self.printed.append(ticket.code)
        outcome = FakeOutcome(self.ok, "ok" if self.ok else "paper_out",
                              "напечатан" if self.ok else "Нет бумаги")
        service.record_print(ticket.id, outcome.ok, outcome.message_ru)
        return outcome


@pytest.fixture(scope="session")
def staffed(tmp_path_factory) -> tuple[Path, dict[int, Actor]]:  # noqa: ANN001
    """A database file with the office migrated and staff logged in, built once and copied per test
    (migrations and PIN hashing are the slow part of a test's set-up), and the sessions of those
    logins by window (their tokens are in every copy)."""
    from tests.conftest import MONDAY_9, OMSK

    folder = tmp_path_factory.mktemp("staffed")
    svc = open_service(make_config(folder), FixedClock(MONDAY_9, OMSK), auto_upgrade=True)
    actors = staff(svc, 0, 1, 2, 3)
    svc.db.dispose()
    return folder / "talon.db", actors


@pytest.fixture(scope="session")
def staffed_db(staffed) -> Path:  # noqa: ANN001
    return staffed[0]


@pytest.fixture
def actors(staffed) -> dict[int, Actor]:  # noqa: ANN001
    """{window: the acting session of the operator logged in there} (0: the informator)."""
    return staffed[1]


@pytest.fixture
def office(tmp_path: Path, clock: FixedClock, staffed_db: Path):  # noqa: ANN201
    """The example office with op1..op3 at windows 1..3 and the informator at the desk."""
    shutil.copy(staffed_db, tmp_path / "talon.db")
    svc = open_service(make_config(tmp_path, operator={"refresh_s": 0.2}), clock)
    yield svc
    svc.db.dispose()


@pytest.fixture
def printer() -> FakePrinter:
    return FakePrinter()


@pytest.fixture
def make_app(office, clock, printer):  # noqa: ANN001, ANN201
    def make(window: int | None = 1, login: str | None = None, service=None, config=None) -> OperatorApp:  # noqa: ANN001
        login = login if login is not None else ("info" if window == 0 else f"op{window}")
        return build_app(config or office.config, service or office, clock, window=window, login=login,
                         print_ticket=printer)
    return make
