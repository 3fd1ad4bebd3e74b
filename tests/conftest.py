"""Shared fixtures: the example office on a fresh database (SQLite file, or PostgreSQL when
``TALON_TEST_DATABASE_URL`` is set), a fixed clock in Omsk, and a logged-in operator.

With ``TALON_TEST_DATABASE_URL`` set, an unreachable PostgreSQL fails the tests: never a skip.
Without it, every PostgreSQL variant skips with the reason in the summary.
"""

from __future__ import annotations

import os
import tomllib
import uuid
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import freezegun
import freezegun.config
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

import queue_core.service  # noqa: F401 - define the tables before any test freezes time (freezegun)
from queue_core import FixedClock, open_service
from queue_core.config import Config, parse_config
from queue_core.domain import Actor, DomainError
from queue_core.eventlog import owner_writable
from queue_core.service import QueueService

ROOT = Path(__file__).resolve().parent.parent
OMSK = ZoneInfo("Asia/Omsk")
PG_URL = os.environ.get("TALON_TEST_DATABASE_URL")
# A Monday in the fourth quarter of 2025, 09:00 in Omsk: the office is open.
MONDAY_9 = datetime(2025, 10, 6, 9, 0, tzinfo=OMSK)

# freezegun ignores every module whose name starts with "queue" (the stdlib queue) — that would
# include queue_core and queue_kiosk, so the trap is removed here for every test.
freezegun.configure(default_ignore_list=[m for m in freezegun.config.DEFAULT_IGNORE_LIST if m != "queue"])

os.environ.pop("TALON_DATABASE_URL", None)  # the developer's own override must not leak into tests
os.environ.pop("TALON_CONFIG", None)


def example_config_data() -> dict:
    with open(ROOT / "config.toml", "rb") as f:
        return tomllib.load(f)


# A priority category that is not out of turn (DESIGN.md §4 rule 3), for tests of the plain-priority
# rule: both rights of the example office (svo, disabled) are out of turn.
LARGE_FAMILY = {"id": "large_family", "name": "Многодетные семьи", "short_name": "многодетная семья",
                "kiosk_label": "Многодетная семья", "document": "Покажите в окне удостоверение многодетной семьи",
                "priority": 30, "verify": True, "basis": "Региональная мера поддержки многодетных семей (пример)"}


def with_plain_priority() -> list[dict]:
    """The example office's categories plus a plain-priority one (``large_family``)."""
    return [*example_config_data()["categories"], LARGE_FAMILY]


def make_config(tmp_path: Path, url: str | None = None, **sections: dict) -> Config:
    """The example office of config.toml with a database URL and section overrides."""
    data = example_config_data()
    for name, values in sections.items():
        data[name] = {**data.get(name, {}), **values} if isinstance(values, dict) else values
    data["database"] = {"url": url or f"sqlite:///{tmp_path / 'talon.db'}"}
    data.setdefault("printer", {})["spool_dir"] = str(tmp_path / "spool")
    path = tmp_path / "config.toml"
    return parse_config(data, path)


def write_config_file(tmp_path: Path, cfg_url: str | None = None, extra_toml: str = "") -> Path:
    """config.toml copied next to a test database (for CLI subprocess tests)."""
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    url = cfg_url or "sqlite:///talon.db"
    text = text.replace('url = "sqlite:///talon.db"', f'url = "{url}"')
    p = tmp_path / "config.toml"
    p.write_text(text + extra_toml, encoding="utf-8")
    return p


class PgSchema:
    """A throw-away PostgreSQL schema, so test runs never see each other's rows."""

    def __init__(self, base_url: str) -> None:
        import sqlalchemy as sa

        self.name = f"talon_t_{uuid.uuid4().hex[:10]}"
        self._admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
        with self._admin.connect() as c:
            c.exec_driver_sql(f"CREATE SCHEMA {self.name}")
        sep = "&" if "?" in base_url else "?"
        self.url = f"{base_url}{sep}options=-csearch_path%3D{self.name}"

    def drop(self) -> None:
        with self._admin.connect() as c:
            c.exec_driver_sql(f"DROP SCHEMA IF EXISTS {self.name} CASCADE")
        self._admin.dispose()


NO_PG = "TALON_TEST_DATABASE_URL is not set (PostgreSQL tests run in .ci/run)"


def pytest_collection_modifyitems(config, items) -> None:  # noqa: ANN001
    """Without TALON_TEST_DATABASE_URL, every PostgreSQL variant (marker or backend parameter) skips visibly."""
    if PG_URL:
        return
    for item in items:
        params = getattr(item, "callspec", None)
        if item.get_closest_marker("postgres") or (params and params.params.get("backend") == "postgres"):
            item.add_marker(pytest.mark.skip(reason=NO_PG))


def _backends() -> list:
    marks = [pytest.param("sqlite", id="sqlite")]
    marks.append(pytest.param("postgres", id="postgres", marks=pytest.mark.postgres))
    return marks


@pytest.fixture(params=_backends())
def backend(request) -> str:  # noqa: ANN001
    if request.param == "postgres" and not PG_URL:
        pytest.skip(NO_PG)
    return request.param


@pytest.fixture
def db_url(backend: str, tmp_path: Path):  # noqa: ANN201
    """A fresh, empty database URL for the chosen backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'talon.db'}"
        return
    schema = PgSchema(PG_URL)
    try:
        yield schema.url
    finally:
        schema.drop()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MONDAY_9, OMSK)


@pytest.fixture
def config(tmp_path: Path, db_url: str) -> Config:
    return make_config(tmp_path, db_url)


@pytest.fixture
def service(config: Config, clock: FixedClock):  # noqa: ANN201
    svc = open_service(config, clock, auto_upgrade=True)
    yield svc
    svc.db.dispose()


@pytest.fixture
def sqlite_service(tmp_path: Path, clock: FixedClock):  # noqa: ANN201
    """The example office on a fresh SQLite file (for UI tests that need one backend)."""
    svc = open_service(make_config(tmp_path), clock, auto_upgrade=True)
    yield svc
    svc.db.dispose()


def event_log_writable(s: Session) -> AbstractContextManager[None]:
    """UPDATE and DELETE on ``ticket_event`` allowed inside this writing transaction (the owner's repair)."""
    return owner_writable(s.connection())


def admin(svc: QueueService) -> Actor:
    """The office's admin session (made once per database by the server box: login ``boss``, PIN 9999)."""
    try:
        svc.add_operator(Actor.system(), "boss", "Администратор", "admin", "9999")
    except DomainError:
        pass  # made already
    return svc.authenticate("boss", "9999").actor


def staff(svc: QueueService, *windows: int) -> dict[int, Actor]:
    """Operators op1… logged in at the given windows (PIN 1234); informator ``info`` at window 0.
    Returns each window's acting session."""
    boss = admin(svc)
    out = {}
    for w in windows:
        login = "info" if w == 0 else f"op{w}"
        svc.add_operator(boss, login, f"Оператор {w}", "informator" if w == 0 else "operator", "1234")
        out[w] = svc.login(w, login, "1234").actor
    return out
