"""The report carries the register of rights (DESIGN.md §3): each category with what it gives, its legal
basis and the days it is in force, so that an auditor reads who was served before others and why — on
screen, in JSON and as a sheet of the workbook."""

from __future__ import annotations

import copy
from datetime import date, datetime

import openpyxl
import pytest

from queue_core import FixedClock, open_service
from queue_core.reports import compute_report
from queue_core.reports.model import Right
from queue_core.reports.period import parse_period
from queue_core.reports.text import render_table
from queue_core.reports.xlsx import write_xlsx
from tests.conftest import OMSK, example_config_data, make_config, staff

OCTOBER = parse_period("2025-10")


def test_validity_reads_as_a_person_says_it() -> None:
    right = Right("svo", "Участники СВО", 100, True, True, "Программа", date(2025, 10, 7), None)
    assert right.validity_ru == "с 07.10.2025"
    assert right.in_period_ru(OCTOBER) == "часть периода"
    assert right.in_period_ru(parse_period("2025-09")) == "не действовало"
    assert right.in_period_ru(parse_period("2025-11")) == "весь период"
    ended = Right("x", "X", 1, False, True, "Акт", None, date(2025, 9, 30))
    assert (ended.validity_ru, ended.in_period_ru(OCTOBER)) == ("по 30.09.2025", "не действовало")
    both = Right("x", "X", 1, False, True, "Акт", date(2025, 1, 1), date(2025, 12, 31))
    assert (both.validity_ru, both.in_period_ru(OCTOBER)) == ("с 01.01.2025 по 31.12.2025", "весь период")
    assert Right("regular", "Обычная очередь", 0, False, False, "—").validity_ru == "бессрочно"


@pytest.fixture
def october_report(tmp_path, db_url):  # noqa: ANN001, ANN201
    """An October day of an office whose СВО right starts on 7 October (in force for part of the month)."""
    cats = copy.deepcopy(example_config_data()["categories"])
    next(c for c in cats if c["id"] == "svo")["valid_from"] = date(2025, 10, 7)
    clock = FixedClock(datetime(2025, 10, 7, 9, 0, tzinfo=OMSK), OMSK)
    svc = open_service(make_config(tmp_path, db_url, categories=cats), clock, auto_upgrade=True)
    try:
        a = staff(svc, 1)
        svc.issue_ticket("payments", "svo")
        svc.issue_ticket("payments", "disabled")
        svc.call_next(a[1])
        clock.set(datetime(2025, 11, 3, 9, 0, tzinfo=OMSK))
        yield compute_report(svc, "2025-10", by=["category"])
    finally:
        svc.db.dispose()


def test_the_report_lists_every_category_with_its_basis_and_validity(october_report) -> None:  # noqa: ANN001
    rights = october_report.rights
    assert [(r.category, r.out_of_turn, r.verify, r.priority, r.validity_ru) for r in rights] == [
        ("svo", True, True, 100, "с 07.10.2025"), ("disabled", True, True, 50, "бессрочно"),
        ("regular", False, False, 0, "бессрочно")]
    assert rights[1].basis.startswith("Указ Президента РФ от 02.10.1992 № 1157 (в ред. 2021 г.)")
    assert october_report.to_json()["rights"][0] == {
        "category": "svo", "name": "Участники СВО и члены их семей", "priority": 100, "out_of_turn": True,
        "verify": True, "basis": "Программа обслуживания клиентов 2025: участники СВО и члены их семей; "
                                 "региональные акты", "valid_from": "2025-10-07", "valid_to": None}


def test_the_text_report_has_a_register_section_and_names_the_out_of_turn_categories(october_report) -> None:  # noqa: ANN001
    text = render_table(october_report)
    assert "Вне очереди (Участники СВО и члены их семей; Инвалиды I–II групп, дети-инвалиды и сопровождающие):" in text
    register = text.split("Реестр прав (категории посетителей и их основания):\n")[1].splitlines()
    assert register[:3] == [
        "  Участники СВО и члены их семей [svo] — приоритет 100, вне очереди, проверка документа",
        "    основание: Программа обслуживания клиентов 2025: участники СВО и члены их семей; региональные акты",
        "    срок действия: с 07.10.2025; в периоде отчёта: часть периода"]
    assert register[-3:] == ["  Обычная очередь [regular] — приоритет 0", "    основание: —",
                             "    срок действия: бессрочно; в периоде отчёта: весь период"]


def test_the_workbook_has_a_register_sheet(october_report, tmp_path) -> None:  # noqa: ANN001
    path = write_xlsx(october_report, tmp_path / "october.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["Реестр прав"]
    rows = [r for r in ws.iter_rows(values_only=True)]
    assert rows[0][0] == "Реестр прав: категории посетителей и их основания (октябрь 2025)"
    assert rows[2] == ("Категория", "Код", "Приоритет", "Вне очереди", "Проверка документа", "Основание",
                       "Действует с", "Действует по", "В периоде отчёта")
    svo = rows[3]
    assert svo[:5] == ("Участники СВО и члены их семей", "svo", 100, "да", "да")
    assert svo[6] == datetime(2025, 10, 7) and ws.cell(4, 7).number_format == "dd.mm.yyyy"
    assert (svo[7], svo[8]) == ("бессрочно", "часть периода")
    assert rows[5][1:6] == ("regular", 0, "нет", "нет", "—")
    labels = [r[0] for r in wb["Итоги"].iter_rows(values_only=True) if r[0]]
    first = labels.index("Обслуживание вне очереди")
    assert labels[first + 1] == ("Категории: Участники СВО и члены их семей; Инвалиды I–II групп, дети-инвалиды и "
                                 "сопровождающие (основания — на листе «Реестр прав»)")
