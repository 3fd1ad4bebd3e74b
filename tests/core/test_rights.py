"""The register of rights (DESIGN.md §3): every category that puts a visitor before others names its legal
basis, a right is issued only on the days it is in force (the day of record, in the office's time zone),
and among out-of-turn visitors the stronger right goes first."""

from __future__ import annotations

import copy
from datetime import date, datetime

import pytest
from tests.conftest import OMSK, example_config_data, make_config, staff

from queue_core import FixedClock, open_service
from queue_core.config import ConfigError, parse_config
from queue_core.domain import CallRule, DomainError

MONDAY = date(2025, 10, 6)


def categories(**changes: dict) -> list[dict]:
    """The example office's categories with some fields changed, by category id."""
    cats = copy.deepcopy(example_config_data()["categories"])
    for c in cats:
        c.update(changes.get(c["id"], {}))
    return cats


# --- config validation -----------------------------------------------------------------------------------
def _parse(cats: list[dict]):  # noqa: ANN202
    data = example_config_data()
    data["categories"] = cats
    return parse_config(data)


@pytest.mark.parametrize("basis", ["", "—", "-"])
def test_an_out_of_turn_category_without_a_basis_is_a_config_error_naming_the_field(basis: str) -> None:
    with pytest.raises(ConfigError) as e:
        _parse(categories(svo={"basis": basis}))
    assert str(e.value) == ("categories[2].basis: укажите правовое основание внеочередного обслуживания "
                            "(нормативный акт или программа), категория «svo»")


def test_a_category_checked_on_a_document_needs_a_basis_too() -> None:
    cats = categories(disabled={"out_of_turn": False, "basis": ""})
    with pytest.raises(ConfigError, match=r"^categories\[1\]\.basis: укажите правовое основание категории с "
                                          r"проверкой документа"):
        _parse(cats)


def test_the_regular_queue_needs_no_basis_and_has_no_validity() -> None:
    assert _parse(categories(regular={"basis": ""})).category("regular").basis == ""
    assert _parse(categories()).category("regular").basis == ""  # «—» in config.toml: no basis, stored empty
    with pytest.raises(ConfigError, match=r"^categories\[0\]: у обычной очереди не бывает срока действия"):
        _parse(categories(regular={"valid_to": date(2025, 12, 31)}))


def test_validity_dates_are_checked() -> None:
    with pytest.raises(ConfigError, match=r"^categories\[2\]\.valid_to: 01\.01\.2025 раньше valid_from 01\.02\.2025"):
        _parse(categories(svo={"valid_from": date(2025, 2, 1), "valid_to": date(2025, 1, 1)}))
    with pytest.raises(ConfigError, match=r"^categories\[2\]\.valid_from: ожидается дата, например 2025-01-01"):
        _parse(categories(svo={"valid_from": "первое января"}))
    cfg = _parse(categories(svo={"valid_from": "2025-01-01"}))  # a quoted date is a date too
    assert cfg.category("svo").valid_from == date(2025, 1, 1)


def test_the_example_office_register() -> None:
    cfg = parse_config(example_config_data())
    svo, disabled = cfg.category("svo"), cfg.category("disabled")
    assert (svo.out_of_turn, svo.priority, disabled.out_of_turn, disabled.priority) == (True, 100, True, 50)
    assert "Указ Президента РФ от 02.10.1992 № 1157" in disabled.basis
    assert svo.basis.startswith("Программа обслуживания клиентов 2025")


# --- the order ---------------------------------------------------------------------------------------------
def test_a_disabled_visitor_and_an_svo_visitor_both_out_of_turn_svo_first_then_disabled_then_regulars(
        service, clock) -> None:  # noqa: ANN001
    """Window 2 weighs payments 3, recalc 2 and takes contracts only when nothing else waits (weight 0):
    the SVO visitor of contracts still comes first, and no weight puts a regular before either right."""
    a = staff(service, 2)
    regular = service.issue_ticket("payments")
    clock.advance(60)
    disabled = service.issue_ticket("payments", "disabled")
    clock.advance(60)
    svo = service.issue_ticket("contracts", "svo")
    assert (disabled.position, service.ticket(regular.code).position) == (0, 1)  # before the regular at once
    calls = []
    for _ in range(3):
        c = service.call_next(a[2])
        calls.append((c.ticket.code, c.rule, c.reason))
        service.finish(a[2], c.ticket.code)
    assert calls == [(svo.code, CallRule.OUT_OF_TURN, "вне очереди: участник СВО"),
                     (disabled.code, CallRule.OUT_OF_TURN, "вне очереди: инвалид I–II группы"),
                     (regular.code, CallRule.LONGEST_WAIT, "ожидает дольше всех")]


# --- validity on the day of record -------------------------------------------------------------------------
def _office(tmp_path, db_url, clock, **changes):  # noqa: ANN001, ANN003, ANN202
    cfg = make_config(tmp_path, db_url, categories=categories(**changes),
                      office={"hours": {}})  # closed hours: only the informator issues (any time)
    svc = open_service(cfg, clock, auto_upgrade=True)
    svc.desk = staff(svc, 0)[0]  # the informator's session at the desk
    return svc


def test_a_right_that_ended_is_issued_up_to_its_last_local_day_and_refused_from_midnight(tmp_path, db_url) -> None:  # noqa: ANN001
    clock = FixedClock(datetime(2025, 10, 6, 23, 59, 50, tzinfo=OMSK), OMSK)
    svc = _office(tmp_path, db_url, clock, disabled={"valid_to": MONDAY})
    desk = dict(actor=svc.desk)
    assert svc.issue_ticket("payments", "disabled", **desk).code == "А-001"  # the first of the day: closes past days
    assert svc.issue_ticket("payments", "disabled", **desk).code == "А-002"  # then the same path without it
    assert [c.slug for c in svc.catalog.offered_categories(MONDAY)] == ["regular", "svo", "disabled"]

    clock.set(datetime(2025, 10, 7, 0, 0, 10, tzinfo=OMSK))  # Tuesday in Omsk (still Monday in UTC)
    refusal = "Категория «Инвалиды I–II групп, дети-инвалиды и сопровождающие» действовала до 06.10.2025 включительно"
    with pytest.raises(DomainError) as e:
        svc.issue_ticket("payments", "disabled", **desk)  # the first of Tuesday
    assert str(e.value) == refusal
    assert svc.issue_ticket("payments", **desk).code == "А-001"  # the refusal took no number
    with pytest.raises(DomainError, match=refusal):
        svc.issue_ticket("payments", "disabled", **desk)  # after the day began
    with pytest.raises(DomainError, match=refusal):
        svc.serve_direct(svc.desk, "recalc", "disabled")
    assert svc.issue_ticket("payments", "svo", **desk).code == "А-002"
    assert [c.slug for c in svc.catalog.offered_categories(clock.today())] == ["regular", "svo"]
    svc.db.dispose()


def test_a_right_not_yet_in_force_is_refused_until_its_first_day(tmp_path, db_url) -> None:  # noqa: ANN001
    clock = FixedClock(datetime(2025, 10, 6, 9, 0, tzinfo=OMSK), OMSK)
    svc = _office(tmp_path, db_url, clock, svo={"valid_from": date(2025, 10, 7)})
    with pytest.raises(DomainError, match="^Категория «Участники СВО и члены их семей» действует с 07.10.2025$"):
        svc.issue_ticket("payments", "svo", actor=svc.desk)
    assert [c.slug for c in svc.catalog.offered_categories(clock.today())] == ["regular", "disabled"]
    clock.set(datetime(2025, 10, 7, 0, 0, 0, tzinfo=OMSK))
    svc.desk = svc.login(0, "info", "1234").actor  # the next morning: a new PIN login (sessions last 12 h)
    assert svc.issue_ticket("payments", "svo", actor=svc.desk).category == "svo"
    svc.db.dispose()


def test_a_ticket_issued_while_the_right_was_in_force_keeps_its_place(tmp_path, db_url) -> None:  # noqa: ANN001
    """A right ends for new tickets only: a visitor already waiting is still called out of turn."""
    clock = FixedClock(datetime(2025, 10, 6, 23, 59, 0, tzinfo=OMSK), OMSK)
    svc = _office(tmp_path, db_url, clock, disabled={"valid_to": MONDAY})
    op1 = staff(svc, 1)[1]
    svc.issue_ticket("payments", actor=svc.desk)
    waiting = svc.issue_ticket("payments", "disabled", actor=svc.desk)
    clock.set(datetime(2025, 10, 6, 23, 59, 30, tzinfo=OMSK))
    call = svc.call_next(op1)
    assert (call.ticket.code, call.rule) == (waiting.code, CallRule.OUT_OF_TURN)
    svc.db.dispose()
