"""Board fixtures: the example office on SQLite at Monday 09:00 in Omsk, staff at windows 1–3
(``staff_at``: their sessions), a board app wired to that service, and helpers to read what the
board shows."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from queue_core import FixedClock, open_service
from queue_core.domain import Actor, StorageError
from queue_kiosk.board import BoardApp, build_board_app
from tests.conftest import MONDAY_9, OMSK, make_config, staff


class FakeSpeaker:
    """Collects the sentences the board would speak."""

    def __init__(self) -> None:
        self.said: list[str] = []

    def say(self, text: str) -> None:
        self.said.append(text)


class FlakyService:
    """The real service, except that calls raise StorageError while ``down`` is set (or for ``fail_on``)."""

    def __init__(self, service) -> None:  # noqa: ANN001
        self._service = service
        self.down = False
        self.fail_on: set[str] = set()  # methods that fail even while the rest works
        self.calls: dict[str, int] = {}

    @property
    def db(self):  # noqa: ANN201
        if self.down:
            raise StorageError("Нет связи с базой данных")
        return self._service.db

    def __getattr__(self, name: str):  # noqa: ANN204
        attr = getattr(self._service, name)
        if not callable(attr):
            return attr

        def wrapped(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            if self.down or name in self.fail_on:
                raise StorageError("Нет связи с базой данных")
            self.calls[name] = self.calls.get(name, 0) + 1
            return attr(*args, **kwargs)
        return wrapped


BOARD_SECTION = {"highlight_s": 60, "history": 8}


@pytest.fixture(scope="session")
def board_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[int, Actor]]:
    """A migrated database with op1–op3 logged in at windows 1–3, built once and copied per test,
    and the sessions of those logins by window (their tokens are in every copy)."""
    folder = tmp_path_factory.mktemp("board-template")
    svc = open_service(make_config(folder), FixedClock(MONDAY_9, OMSK), auto_upgrade=True)
    actors = staff(svc, 1, 2, 3)
    svc.db.dispose()
    return folder / "talon.db", actors


@pytest.fixture(scope="session")
def board_template_db(board_template: tuple[Path, dict[int, Actor]]) -> Path:
    return board_template[0]


@pytest.fixture
def staff_at(board_template: tuple[Path, dict[int, Actor]]) -> dict[int, Actor]:
    """{window: the acting session of the operator logged in there} in ``board_service``."""
    return board_template[1]


@pytest.fixture
def board_service(tmp_path: Path, clock: FixedClock, board_template_db: Path):  # noqa: ANN201
    """The example office on SQLite at Monday 09:00, operators op1–op3 logged in at windows 1–3."""
    for f in board_template_db.parent.glob("talon.db*"):
        shutil.copy(f, tmp_path / f.name)
    svc = open_service(make_config(tmp_path, board=BOARD_SECTION), clock)
    yield svc
    svc.db.dispose()


def make_board(svc, speaker: FakeSpeaker | None = None, **kw) -> BoardApp:  # noqa: ANN001, ANN003
    return build_board_app(svc.config, clock=svc.clock, service=svc, speaker=speaker, blink=False, **kw)


def screen_text(app: BoardApp) -> str:
    """Every character on the screen, line by line (what a camera pointed at the TV would read)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())  # noqa: SLF001


async def wait_until(pilot, predicate: Callable[[], bool], timeout: float = 2.0) -> float:  # noqa: ANN001
    """Pause the pilot until ``predicate()`` holds; returns the seconds it took (fails on timeout)."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"condition not met within {timeout} s")
        await pilot.pause(0.02)
    return time.monotonic() - start


async def settle(pilot, app: BoardApp) -> None:  # noqa: ANN001
    """Let the first poll land and the layout settle."""
    await wait_until(pilot, lambda: app.board.feed.last_seen is not None and not app.board._polling)  # noqa: SLF001
    await app.workers.wait_for_complete()
    await pilot.pause()
    await asyncio.sleep(0)
