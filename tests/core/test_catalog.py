"""The catalogue (office, services, categories, windows) is written into the database only by an explicit
step — ``talon config apply``, ``talon db upgrade``, the first run of an embedded install — and every other
process only reads it: a machine whose config.toml describes another catalogue refuses to start with one
line that says what differs and how to apply it. Schema upgrades are explicit on PostgreSQL but automatic
for the embedded default."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.conftest import example_config_data, make_config

from queue_core import open_service
from queue_core.catalog import apply_config, catalog_changes
from queue_core.config import parse_config
from queue_core.db import HEAD_REVISION, Database
from queue_core.domain import Actor, BadArgument, CatalogMismatch, StorageError

TABLES = ("office", "service", "category", "window", "window_service")


def counts(db: Database) -> dict[str, int]:
    with db.read() as s:
        return {t: s.execute(sa.text(f"SELECT count(*) FROM \"{t}\"")).scalar() for t in TABLES}


def catalogue_rows(db: Database) -> dict[str, list]:
    """Every catalogue row as the database holds it (ids included): what must not move."""
    with db.read() as s:
        return {t: [tuple(r) for r in s.execute(sa.text(f"SELECT * FROM \"{t}\" ORDER BY id"))] for t in TABLES}


def config_data(db_url: str) -> dict:
    data = example_config_data()
    data["database"] = {"url": db_url}
    return data


def without_b2b_billing(data: dict) -> dict:
    """The office stops offering «Расчёты юридических лиц» and window 1 now prefers recalculations."""
    data = copy.deepcopy(data)
    data["services"] = [s for s in data["services"] if s["id"] != "b2b-billing"]
    for w in data["windows"]:
        w["services"].pop("b2b-billing", None)
    data["windows"][1]["services"] = {"payments": 1, "recalc": 3}
    return data


def test_applying_twice_changes_nothing_and_a_changed_config_is_refused_until_applied(tmp_path, db_url,  # noqa: ANN001
                                                                                    clock) -> None:  # noqa: ANN001
    cfg = make_config(tmp_path, db_url)
    first = open_service(cfg, clock, auto_upgrade=True)  # a fresh database: the first run applies
    before = counts(first.db)
    assert before == {"office": 1, "service": 5, "category": 3, "window": 6, "window_service": 18}
    assert apply_config(first.db, cfg) == []  # idempotent: nothing to write
    second = open_service(cfg, clock)
    assert counts(second.db) == before
    assert second.catalog.services["payments"].id == first.catalog.services["payments"].id

    changed = parse_config(without_b2b_billing(config_data(db_url)), tmp_path / "config.toml")
    rows = catalogue_rows(first.db)
    with pytest.raises(CatalogMismatch) as refused:
        open_service(changed, clock)
    assert str(refused.value) == ("Каталог в базе отличается от config.toml: услуга b2b-billing: есть в базе, "
                                  "нет в config.toml (всего отличий: 5). Примените конфигурацию: "
                                  f"talon config apply --config {tmp_path / 'config.toml'}")
    assert catalogue_rows(first.db) == rows  # reading never writes

    applied = [c.applied_ru() for c in apply_config(first.db, changed)]
    assert applied == ["снято с обслуживания: услуга b2b-billing (история сохранена)",
                       "окно 0, вес услуги b2b-billing: 1 → —",
                       "окно 1, вес услуги payments: 3 → 1",
                       "окно 1, вес услуги recalc: 1 → 3",
                       "окно 5, вес услуги b2b-billing: 3 → —"]
    assert apply_config(first.db, changed) == []
    third = open_service(changed, clock)
    assert third.catalog.windows[1].weights == {"payments": 1, "recalc": 3}
    with third.db.read() as s:
        active = s.execute(sa.text("SELECT slug, active FROM service ORDER BY slug")).all()
    assert ("b2b-billing", False) in [(a, bool(b)) for a, b in active]  # kept for history, not offered
    with pytest.raises(BadArgument, match="Неизвестная услуга"):
        third.issue_ticket("b2b-billing", actor=Actor.api("api"))
    with pytest.raises(CatalogMismatch, match="услуга b2b-billing, действует нет ≠ да"):
        open_service(cfg, clock)  # the old config is the stale one now
    for svc in (first, second, third):
        svc.db.dispose()


def _set(path: tuple, value: object):  # noqa: ANN202
    def change(data: dict) -> None:
        *where, key = path
        node = data
        for p in where:
            node = node[p]
        node[key] = value
    return change


def _add_window(data: dict) -> None:
    data["windows"].append({"number": 7, "services": {"payments": 1}})


def _drop_window(data: dict) -> None:
    data["windows"] = [w for w in data["windows"] if w["number"] != 4]


# (what the config changes, the first difference the refusal names)
DIFFERENCES = {
    "office name": (_set(("office", "name"), "Офис «Северный»"),
                    "офис omsk-central, название «Клиентский офис «Центральный»» ≠ «Офис «Северный»»"),
    "office time zone": (_set(("office", "timezone"), "Asia/Novosibirsk"),
                         "офис omsk-central, часовой пояс «Asia/Omsk» ≠ «Asia/Novosibirsk»"),
    "service target": (_set(("services", 1, "target_wait_min"), 25), "услуга recalc, норматив ожидания, мин 15 ≠ 25"),
    "service off": (_set(("services", 2, "active"), False), "услуга contracts, действует да ≠ нет"),
    "service order": (lambda d: d["services"].insert(0, d["services"].pop(1)), "услуга recalc, место в списке 2 ≠ 1"),
    "category priority": (_set(("categories", 1, "priority"), 60), "категория disabled, приоритет 50 ≠ 60"),
    "category basis": (_set(("categories", 2, "basis"), "Закон Омской области"),
                       "категория svo, основание «Программа обслуживания клиентов 2025: участники СВО и члены…» ≠ "
                       "«Закон Омской области»"),
    "category end": (_set(("categories", 2, "valid_to"), date(2026, 12, 31)),
                     "категория svo, действует по — ≠ 31.12.2026"),
    "category out of turn": (_set(("categories", 1, "out_of_turn"), False), "категория disabled, вне очереди да ≠ нет"),
    "window role": (_set(("windows", 3, "role"), "informator"), "окно 3, роль «operator» ≠ «informator»"),
    "window name": (_set(("windows", 2, "name"), "Касса"), "окно 2, название «Окно 2» ≠ «Касса»"),
    "window weight": (_set(("windows", 2, "services", "payments"), 2), "окно 2, вес услуги payments 3 ≠ 2"),
    "window service added": (_set(("windows", 1, "services", "contracts"), 0), "окно 1, вес услуги contracts — ≠ 0"),
    "window added": (_add_window, "окно 7: есть в config.toml, нет в базе"),
    "window removed": (_drop_window, "окно 4: есть в базе, нет в config.toml"),
}


@pytest.mark.parametrize("case", list(DIFFERENCES))
def test_the_refusal_names_the_first_difference_in_one_line(tmp_path, clock, case) -> None:  # noqa: ANN001
    change, expected = DIFFERENCES[case]
    url = f"sqlite:///{tmp_path / 'talon.db'}"
    svc = open_service(make_config(tmp_path, url), clock)
    data = config_data(url)
    change(data)
    other = parse_config(data, tmp_path / "config.toml")
    with pytest.raises(CatalogMismatch) as refused:
        open_service(other, clock)
    line = str(refused.value)
    assert "\n" not in line
    assert line.startswith(f"Каталог в базе отличается от config.toml: {expected}")
    assert line.endswith("Примените конфигурацию: talon config apply --config " + str(tmp_path / "config.toml"))
    with svc.db.read() as s:
        assert [c.mismatch_ru() for c in catalog_changes(s, other)][0] == expected
    assert len(apply_config(svc.db, other)) >= 1
    open_service(other, clock).db.dispose()  # applied: it starts
    svc.db.dispose()


def test_a_fresh_sqlite_database_upgrades_itself_and_takes_the_config_s_catalogue(tmp_path, clock) -> None:  # noqa: ANN001
    svc = open_service(make_config(tmp_path), clock)
    assert svc.db.current_revision() == HEAD_REVISION
    assert counts(svc.db)["window_service"] == 18
    svc.db.dispose()


def test_a_database_upgraded_but_never_applied_is_refused_with_the_command_to_run(tmp_path, db_url, clock) -> None:  # noqa: ANN001
    db = Database(db_url)
    db.upgrade()  # the schema only, as an older `talon db upgrade` left it
    db.dispose()
    cfg = make_config(tmp_path, db_url)
    with pytest.raises(CatalogMismatch) as refused:
        open_service(cfg, clock)
    assert str(refused.value) == ("В базе нет каталога офиса «omsk-central»: конфигурация ещё не применена. "
                                  f"Примените конфигурацию: talon config apply --config {tmp_path / 'config.toml'}")
    db = Database(db_url)
    assert counts(db)["office"] == 0  # nothing was written behind the administrator's back
    assert len(apply_config(db, cfg)) == 15
    db.dispose()
    open_service(cfg, clock).db.dispose()


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_postgresql_asks_for_talon_db_upgrade(tmp_path, db_url, clock) -> None:  # noqa: ANN001
    with pytest.raises(StorageError, match="talon db upgrade"):
        open_service(make_config(tmp_path, db_url), clock)
    db = Database(db_url)
    db.upgrade()
    assert db.current_revision() == HEAD_REVISION
    db.dispose()


# --- two machines, one database: real processes ---------------------------------------------------------
def talon(cfg: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("TALON_CONFIG", "TALON_DATABASE_URL")}
    return subprocess.run([sys.executable, "-m", "talon", "--config", str(cfg), *args], capture_output=True,
                          text=True, env=env, timeout=120)


def write_config(folder: Path, db_url: str, window_2_payments: int) -> Path:
    folder.mkdir()
    text = (Path(__file__).resolve().parents[2] / "config.toml").read_text(encoding="utf-8")
    text = text.replace('url = "sqlite:///talon.db"', f'url = "{db_url}"')
    old = "services = { payments = 3, recalc = 2, contracts = 0 }"
    assert old in text
    text = text.replace(old, f"services = {{ payments = {window_2_payments}, recalc = 2, contracts = 0 }}")
    (folder / "config.toml").write_text(text, encoding="utf-8")
    return folder / "config.toml"


def test_a_second_machine_with_another_config_refuses_and_changes_nothing_until_applied(tmp_path, db_url) -> None:  # noqa: ANN001
    shared = db_url if not db_url.startswith("sqlite") else f"sqlite:///{tmp_path / 'office.db'}"
    first = write_config(tmp_path / "first", shared, 3)  # window 2 prefers payments (weight 3)
    second = write_config(tmp_path / "second", shared, 1)  # a stale copy on another machine: weight 1
    r = talon(first, "db", "upgrade")
    assert r.returncode == 0, r.stderr
    assert "добавлено: окно 2" in r.stdout
    db = Database(shared)
    rows = catalogue_rows(db)

    r = talon(second, "ticket", "issue", "--service", "payments")
    assert r.returncode == 3 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == [
        "ошибка: Каталог в базе отличается от config.toml: окно 2, вес услуги payments 3 ≠ 1. "
        f"Примените конфигурацию: talon config apply --config {second}"]
    assert catalogue_rows(db) == rows  # the database's catalogue is unchanged
    assert talon(first, "ticket", "issue", "--service", "payments").returncode == 0  # the first one still works

    r = talon(second, "config", "apply")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["Каталог офиса omsk-central обновлён по config.toml (изменений: 1):",
                                     "  окно 2, вес услуги payments: 3 → 1"]
    r = talon(second, "ticket", "issue", "--service", "payments")
    assert r.returncode == 0, r.stderr
    assert "Талон А-002" in r.stdout
    r = talon(second, "config", "apply")
    assert (r.returncode, r.stdout.strip()) == (0, "Каталог уже совпадает с конфигурацией")
    r = talon(first, "call-next", "--window", "2", "--login", "nobody")
    assert r.returncode == 3 and "окно 2, вес услуги payments 1 ≠ 3" in r.stderr  # now the first one is stale
    db.dispose()


def test_config_apply_takes_its_own_config_option(tmp_path) -> None:  # noqa: ANN001
    url = f"sqlite:///{tmp_path / 'office.db'}"
    first = write_config(tmp_path / "first", url, 3)
    second = write_config(tmp_path / "second", url, 2)
    assert talon(first, "db", "upgrade").returncode == 0
    r = talon(first, "config", "apply", "--config", str(second))
    assert r.returncode == 0 and "окно 2, вес услуги payments: 3 → 2" in r.stdout
    assert talon(second, "ticket", "issue", "--service", "payments").returncode == 0


def test_config_apply_on_a_database_without_schema_asks_for_db_upgrade(tmp_path) -> None:  # noqa: ANN001
    cfg = write_config(tmp_path / "office", f"sqlite:///{tmp_path / 'office.db'}", 3)
    r = talon(cfg, "config", "apply")
    assert r.returncode == 3 and "talon db upgrade" in r.stderr
