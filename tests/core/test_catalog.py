"""The catalogue from config.toml lands in the database idempotently, and schema upgrades are explicit on
PostgreSQL but automatic for the embedded default."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from tests.conftest import example_config_data, make_config

from queue_core import open_service
from queue_core.config import parse_config
from queue_core.db import HEAD_REVISION, Database
from queue_core.domain import Actor, BadArgument, StorageError


def counts(svc) -> dict[str, int]:  # noqa: ANN001
    with svc.db.read() as s:
        return {t: s.execute(sa.text(f"SELECT count(*) FROM \"{t}\"")).scalar()
                for t in ("office", "service", "category", "window", "window_service")}


def test_syncing_twice_changes_nothing_and_a_config_change_is_applied(tmp_path, db_url, clock) -> None:  # noqa: ANN001
    cfg = make_config(tmp_path, db_url)
    first = open_service(cfg, clock, auto_upgrade=True)
    before = counts(first)
    assert before == {"office": 1, "service": 5, "category": 3, "window": 6, "window_service": 18}
    second = open_service(cfg, clock)
    assert counts(second) == before
    assert second.catalog.services["payments"].id == first.catalog.services["payments"].id

    data = example_config_data()
    data["database"] = {"url": db_url}
    data["services"] = [s for s in data["services"] if s["id"] != "b2b-billing"]
    for w in data["windows"]:
        w["services"].pop("b2b-billing", None)
    data["windows"][1]["services"] = {"payments": 1, "recalc": 3}
    third = open_service(parse_config(data), clock)
    assert third.catalog.windows[1].weights == {"payments": 1, "recalc": 3}
    with third.db.read() as s:
        active = s.execute(sa.text("SELECT slug, active FROM service ORDER BY slug")).all()
    assert ("b2b-billing", False) in [(a, bool(b)) for a, b in active]  # kept for history, not offered
    with pytest.raises(BadArgument, match="Неизвестная услуга"):
        third.issue_ticket("b2b-billing", actor=Actor.api("api"))
    for svc in (first, second, third):
        svc.db.dispose()


def test_a_fresh_sqlite_database_upgrades_itself(tmp_path, clock) -> None:  # noqa: ANN001
    svc = open_service(make_config(tmp_path), clock)
    assert svc.db.current_revision() == HEAD_REVISION
    svc.db.dispose()


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_postgresql_asks_for_talon_db_upgrade(tmp_path, db_url, clock) -> None:  # noqa: ANN001
    with pytest.raises(StorageError, match="talon db upgrade"):
        open_service(make_config(tmp_path, db_url), clock)
    db = Database(db_url)
    db.upgrade()
    assert db.current_revision() == HEAD_REVISION
    db.dispose()
