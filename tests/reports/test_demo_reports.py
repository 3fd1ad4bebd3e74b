"""A simulated month (``talon demo``) read back through ``talon report``: the audit is clean, the
JSON agrees with an independent computation from the raw tables, the workbook opens with its
sheets, Russian headers and charts, and the same seed gives the same report."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from queue_core import load_config
from queue_core.db import Database
from queue_core.demo import run_demo
from queue_core.eventlog import events_ru
from queue_core.reports import compute_report
from queue_core.reports.xlsx import COLUMNS, cell_value
from talon.cli import cli
from tests.conftest import write_config_file
from tests.reports.independent import grouped_by_hand, metrics_by_hand, tickets_by_hand

OCTOBER = (date(2025, 10, 1), date(2025, 10, 31))


@pytest.fixture(scope="module")
def demo_month(tmp_path_factory) -> Path:  # noqa: ANN001
    """October 2025 simulated at a tenth of a real office's traffic (fast, every kind of event)."""
    folder = tmp_path_factory.mktemp("demo")
    path = write_config_file(folder)
    run_demo(load_config(path), days=23, seed=3, until=OCTOBER[1], volume=0.12)
    return path


def talon(config: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_demo_fills_every_working_day_of_the_month_with_every_kind_of_visit(demo_month) -> None:  # noqa: ANN001
    report = json.loads(talon(demo_month, "report", "--period", "2025-10", "--format", "json"))
    days = [g["key"] for g in report["groups"]["day"]]
    assert len(days) == 23 and days[0] == "2025-10-01" and days[-1] == "2025-10-31"
    assert all(date.fromisoformat(d).weekday() < 5 for d in days)
    t = report["total"]
    assert t["issued"] > 300 and t["served"] > 0.9 * t["issued"]
    assert t["no_show"] > 0 and t["redirected"] > 0 and t["rating_count"] > 0
    assert report["out_of_turn"]["count"] > 0 and report["out_of_turn"]["verified"] > 0
    assert {g["key"] for g in report["groups"]["category"]} == {"regular", "disabled", "svo"}


def test_the_priority_audit_finds_nothing_in_a_demo_month(demo_month) -> None:  # noqa: ANN001
    db = Database(load_config(demo_month).database_url)
    try:
        audit = compute_report(db, "2025-10").priority_audit
    finally:
        db.dispose()
    assert audit.calls > 300
    assert audit.out_of_turn_violations == 0 and audit.policy_deviations == 0, audit.findings[:3]
    assert audit.calls_by_rule.get("out_of_turn", 0) > 0 and audit.exempt["direct"]["calls"] > 0


def test_the_json_report_agrees_with_an_independent_computation(demo_month) -> None:  # noqa: ANN001
    report = json.loads(talon(demo_month, "report", "--period", "2025-10", "--format", "json"))
    db = Database(load_config(demo_month).database_url)
    try:
        rows = tickets_by_hand(db.read_engine, *OCTOBER, "Asia/Omsk")
    finally:
        db.dispose()
    approx = lambda d: pytest.approx(d, abs=2e-3)  # noqa: E731 - ms rounding
    assert {k: report["total"][k] for k in metrics_by_hand(rows)} == approx(metrics_by_hand(rows))
    for name in ("service", "category", "day", "hour", "window", "operator"):
        by_hand = grouped_by_hand(rows, name)
        got = {g["key"]: {k: g[k] for k in metrics_by_hand(rows)} for g in report["groups"][name]}
        assert got.keys() == by_hand.keys(), name
        for key, metrics in by_hand.items():
            assert got[key] == approx(metrics), (name, key)
    svo = [r for r in rows if r["oot"]]
    oot = report["out_of_turn"]
    assert oot["count"] == len(svo) and oot["wait_max_s"] == approx(metrics_by_hand(svo)["wait_max_s"])
    assert oot["wait_p90_s"] == approx(metrics_by_hand(svo)["wait_p90_s"])


def test_the_workbook_opens_with_russian_sheets_charts_and_the_json_numbers(demo_month, tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "q.xlsx"
    assert "сохранён" in talon(demo_month, "report", "--period", "2025Q4", "--format", "xlsx", "-o", str(out))
    report = json.loads(talon(demo_month, "report", "--period", "2025Q4", "--format", "json"))
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Итоги"
    assert {"Услуги", "Категории", "По дням", "По часам", "Окна", "Операторы", "Аудит очерёдности"} <= set(wb.sheetnames)
    summary = [row for row in wb["Итоги"].iter_rows(values_only=True)]
    labels = {r[0]: r[1] for r in summary if r[0]}
    assert labels["Талонов категорий вне очереди"] == report["out_of_turn"]["count"]
    assert "Категории: Участники СВО и члены их семей; Инвалиды I–II групп, дети-инвалиды и сопровождающие " \
           "(основания — на листе «Реестр прав»)" in labels
    assert wb["Реестр прав"]["B4"].value == "svo"
    assert labels["Выдано талонов"] == report["total"]["issued"]
    assert labels["Ожидание среднее, мин"] == pytest.approx(report["total"]["wait_mean_s"] / 60)
    ws = wb["Услуги"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["Услуга", "Выдано талонов", "Вызвано", "Обслужено"]
    assert ws.freeze_panes == "B2"
    for i, group in enumerate(report["groups"]["service"], 2):
        row = [c.value for c in ws[i]]
        assert row[0] == group["label"]
        for col, (_, key, kind) in enumerate(COLUMNS, 1):
            assert row[col] == pytest.approx(cell_value(group[key], kind)), (group["key"], key)
    with zipfile.ZipFile(out) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        text = " ".join(z.read(n).decode() for n in charts)
    assert len(charts) == 2 and "Ожидание по часам" in text and "Талоны по дням" in text


def test_talon_audit_verify_and_the_reports_confirm_the_demo_log(demo_month, tmp_path) -> None:  # noqa: ANN001
    db = Database(load_config(demo_month).database_url)
    try:
        with db.read() as s:
            n = s.execute(sa.text("SELECT count(*) FROM ticket_event")).scalar_one()
    finally:
        db.dispose()
    line = f"Журнал событий: целостность подтверждена ({events_ru(n)})"
    assert talon(demo_month, "audit", "verify").startswith(line)
    assert line in talon(demo_month, "report", "--period", "2025Q4")
    out = tmp_path / "q.xlsx"
    talon(demo_month, "report", "--period", "2025Q4", "--format", "xlsx", "-o", str(out))
    summary = [row[0] for row in openpyxl.load_workbook(out)["Итоги"].iter_rows(values_only=True)]
    assert line in summary


def test_the_same_seed_gives_the_same_report(tmp_path) -> None:  # noqa: ANN001
    reports = []
    for run in ("a", "b"):
        folder = tmp_path / run
        folder.mkdir()
        path = write_config_file(folder)
        run_demo(load_config(path), days=2, seed=11, until=date(2025, 10, 7), volume=0.25)
        reports.append(json.loads(talon(path, "report", "--from", "2025-10-06", "--to", "2025-10-07",
                                         "--format", "json")))
    for r in reports:
        r.pop("generated_at")
    assert reports[0]["total"]["issued"] > 20
    assert reports[0] == reports[1]


def test_the_report_the_demo_suggests_covers_every_day_it_filled(tmp_path) -> None:  # noqa: ANN001
    path = write_config_file(tmp_path)
    out = talon(path, "demo", "--days", "2")
    tickets = int(re.search(r"талонов: (\d+)", out).group(1))
    period = re.search(r"talon report --period (\S+)", out).group(1)
    assert re.fullmatch(r"last-\d+-days", period)
    report = json.loads(talon(path, "report", "--period", period, "--by", "day", "--format", "json", "--no-audit"))
    assert len(report["groups"]["day"]) == 2 and report["total"]["issued"] == tickets
    assert json.loads(talon(path, "report", "--period", "last-90-days", "--format", "json",
                            "--no-audit"))["total"]["issued"] == tickets  # the README's quick start
    title = talon(path, "report", "--period", period, "--no-audit").splitlines()[0]
    first, last = report["period"]["from"], report["period"]["to"]
    dates = f"{date.fromisoformat(first):%d.%m.%Y}–{date.fromisoformat(last):%d.%m.%Y}"
    assert title.count(dates) == 1, title  # «последние 5 дн. (27.11.2026–01.12.2026)», the dates once
