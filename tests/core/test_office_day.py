"""The office's day through the service layer, on SQLite and PostgreSQL, with time frozen by freezegun."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tests.conftest import admin, make_config, staff, with_plain_priority
from freezegun import freeze_time

from queue_core import open_service
from queue_core.clock import SimulatedClock
from queue_core.domain import (
    Actor, AuthError, CallRule, DomainError, EventKind, Forbidden, OfficeClosed, Role, TicketStatus,
)

S = TicketStatus
# Monday 2025-10-06, 09:00 in Omsk (UTC+6)
NINE_LOCAL = "2025-10-06 03:00:00"


@pytest.fixture
def frozen():  # noqa: ANN201
    with freeze_time(NINE_LOCAL) as f:
        yield f


@pytest.fixture
def office(config, frozen):  # noqa: ANN001, ANN201
    # freezegun's 2025 is a simulated day: its instants are the record, also on PostgreSQL's real clock
    svc = open_service(config, SimulatedClock(config.office.tz), auto_upgrade=True)
    yield svc
    svc.db.dispose()


@pytest.fixture
def office_with_priority(tmp_path, db_url, frozen):  # noqa: ANN001, ANN201
    """The example office plus a plain-priority category (``large_family``: priority 30, not out of turn)."""
    config = make_config(tmp_path, db_url, categories=with_plain_priority())
    svc = open_service(config, SimulatedClock(config.office.tz), auto_upgrade=True)
    yield svc
    svc.db.dispose()


def kinds(svc, code: str) -> list[str]:  # noqa: ANN001
    return [str(e.kind) for e in svc.ticket_history(code)]


def test_an_svo_visitor_after_ten_regulars_is_called_next_at_any_window_serving_them(office, frozen) -> None:  # noqa: ANN001
    a = staff(office, 1, 2, 3)
    for _ in range(10):
        office.issue_ticket("payments")
        frozen.tick(timedelta(seconds=40))
    svo = office.issue_ticket("payments", "svo")
    assert svo.code == "А-011" and svo.category_claimed and svo.position == 0
    # window 3 serves payments only with weight 1 and prefers recalc — still the SVO visitor first
    call = office.call_next(a[3])
    assert (call.ticket.code, call.rule, call.reason) == ("А-011", CallRule.OUT_OF_TURN, "вне очереди: участник СВО")
    nxt = office.call_next(a[1])
    assert nxt.ticket.code == "А-001" and nxt.rule == CallRule.LONGEST_WAIT


def test_a_whole_office_morning(office_with_priority, frozen) -> None:  # noqa: ANN001
    office = office_with_priority
    a = staff(office, 1, 2, 4)
    a1 = office.issue_ticket("payments")
    frozen.tick(60)
    a2 = office.issue_ticket("payments")
    frozen.tick(60)
    b1 = office.issue_ticket("recalc", "large_family")
    frozen.tick(60)
    a3 = office.issue_ticket("payments")
    frozen.tick(60)

    # window 1 (payments 3, recalc 1): a priority category (not out of turn) goes before the weight
    c = office.call_next(a[1])
    assert (c.ticket.code, c.rule, c.reason) == (b1.code, CallRule.PRIORITY, "приоритетная категория: многодетная семья")
    frozen.tick(30)
    office.decline_category(a[1], b1.code)  # no document: back as regular, at the original place
    t = office.ticket(b1.code)
    assert (t.status, t.category, t.window) == (S.WAITING, "regular", None)
    assert kinds(office, b1.code)[-1] == "category_declined"

    c = office.call_next(a[1])  # now plain weights: payments first
    assert c.ticket.code == a1.code
    frozen.tick(20)
    assert office.recall(a[1], a1.code).recalls == 1
    office.start(a[1], a1.code)
    frozen.tick(300)
    done = office.finish(a[1], a1.code, result_code="Приём показаний")
    assert done.status == S.DONE and done.started_at < done.finished_at
    office.rate(Actor.visitor(a1.id), a1.code, 5)
    with pytest.raises(DomainError, match="уже оценён"):
        office.rate(Actor.visitor(a1.id), a1.code, 4)

    # recall limit 2: the third recall makes a no-show
    c = office.call_next(a[1])
    assert c.ticket.code == a2.code
    office.recall(a[1], a2.code)
    office.recall(a[1], a2.code)
    assert office.recall(a[1], a2.code).status == S.NO_SHOW
    assert kinds(office, a2.code)[-1] == "no_show"

    # redirect to the front: A-003 goes to contracts keeping its issue time
    c = office.call_next(a[2])
    assert c.ticket.code == a3.code
    office.redirect(a[2], a3.code, "contracts", "front")
    late = office.issue_ticket("contracts")
    c = office.call_next(a[4])
    assert c.ticket.code == a3.code  # same code, new queue, original place
    office.redirect(a[4], a3.code, "recalc", "back")
    # back of the queue: B-001 (declined, original time) comes before A-003 now
    c = office.call_next(a[1])
    assert c.ticket.code == b1.code
    # postpone and return
    office.postpone(a[1], b1.code, minutes=10, reason="за документом")
    assert office.ticket(b1.code).status == S.POSTPONED
    returned = office.return_ticket(a[1], b1.code)
    assert returned.status == S.WAITING
    assert kinds(office, b1.code)[-2:] == ["postponed", "returned"]
    c = office.call_next(a[4])
    assert c.ticket.code == late.code  # contracts is window 4's main service
    office.no_show(a[4], late.code)
    # every state change left an event
    assert kinds(office, a1.code) == ["issued", "called", "recalled", "started", "finished", "rated"]


def test_wrong_transitions_are_refused_in_russian(office) -> None:  # noqa: ANN001
    w = staff(office, 1, 2)
    a = office.issue_ticket("payments")
    with pytest.raises(DomainError, match="Нельзя завершить: талон А-001 ожидает"):
        office.finish(w[1], a.code)
    with pytest.raises(DomainError, match="Неизвестная услуга"):
        office.issue_ticket("nope")
    office.call_next(w[1])
    with pytest.raises(DomainError, match="вызван не в это окно"):
        office.start(w[2], a.code)
    with pytest.raises(DomainError, match="Неизвестная услуга"):
        office.redirect(w[1], a.code, "nowhere")
    with pytest.raises(DomainError, match="У окна ещё талон А-001"):
        office.call_next(w[1])
    # op1's session names window 3, where nobody works: refused (the session is at window 1)
    with pytest.raises(Forbidden, match="Сеанс открыт в окне 1, а не в окне 3"):
        office.call_next(Actor(Role.OPERATOR, "op1", 3, w[1].token))
    with pytest.raises(DomainError, match="Неверный номер талона"):
        office.ticket("15-А-x")


def test_numbers_restart_at_local_midnight_in_omsk(config, frozen) -> None:  # noqa: ANN001
    config = config.model_copy(update={"office": config.office.model_copy(update={"hours": {}})})
    svc = open_service(config, SimulatedClock(config.office.tz), auto_upgrade=True)
    frozen.move_to("2025-10-06 17:59:59")  # 23:59:59 in Omsk
    api = Actor.api("api")
    a = svc.issue_ticket("payments", actor=api)
    b = svc.issue_ticket("payments", actor=api)
    frozen.move_to("2025-10-06 18:00:00")  # 00:00:00 in Omsk, the next day
    c = svc.issue_ticket("payments", actor=api)
    d = svc.issue_ticket("recalc", actor=api)
    assert [x.code for x in (a, b, c, d)] == ["А-001", "А-002", "А-001", "Б-001"]
    assert (a.day.isoformat(), c.day.isoformat()) == ("2025-10-06", "2025-10-07")
    svc.db.dispose()


def test_tickets_left_from_a_past_day_expire_at_closing_time(office, frozen) -> None:  # noqa: ANN001
    staff(office, 1)
    old = office.issue_ticket("payments")
    frozen.move_to("2025-10-07 03:00:00")  # Tuesday 09:00 local
    new = office.issue_ticket("payments")
    assert new.code == "А-001"
    hist = office.ticket_history(old.id)
    assert [str(e.kind) for e in hist] == ["issued", "expired"]
    assert hist[-1].at == datetime(2025, 10, 6, 11, 0, tzinfo=UTC)  # 17:00 in Omsk on Monday
    op1 = office.login(1, "op1", "1234").actor  # Monday's session has expired (12 h): the PIN again
    call = office.call_next(op1)
    assert call.ticket.id == new.id  # an expired ticket is never callable


def test_the_kiosk_stops_15_minutes_before_closing_but_the_informator_may_issue(office, frozen) -> None:  # noqa: ANN001
    a = staff(office, 0)
    frozen.move_to("2025-10-06 10:44:59")  # 16:44:59 local
    assert office.issue_ticket("payments").code == "А-001"
    frozen.move_to("2025-10-06 10:45:00")  # 16:45 local: cut-off
    with pytest.raises(OfficeClosed, match="Талоны на сегодня больше не выдаются"):
        office.issue_ticket("payments")
    t = office.issue_ticket("payments", "svo", actor=a[0])
    assert t.category_verified and not t.category_claimed
    frozen.move_to("2025-10-11 04:00:00")  # Saturday
    assert not office.is_open()


def test_an_office_open_until_24_00_issues_at_23_59_59_and_expires_at_midnight(config, frozen) -> None:  # noqa: ANN001
    from queue_core.config import Hours

    round_clock = {d: Hours.parse("00:00-24:00") for d in ("mon", "tue", "wed", "thu", "fri")}
    office_ = config.office.model_copy(update={"hours": round_clock, "last_ticket_min": 0})
    svc = open_service(config.model_copy(update={"office": office_}), SimulatedClock(config.office.tz),
                       auto_upgrade=True)
    assert office_.hours_text() == "Пн–Пт 00:00–24:00"
    frozen.move_to("2025-10-06 17:59:59")  # Monday 23:59:59 in Omsk: still open
    late = svc.issue_ticket("payments")
    frozen.move_to("2025-10-06 18:00:00")  # Tuesday 00:00: a new day, open again
    assert svc.issue_ticket("payments").code == "А-001"
    hist = svc.ticket_history(late.id)
    assert [str(e.kind) for e in hist] == ["issued", "expired"]
    assert hist[-1].at == datetime(2025, 10, 6, 18, 0, tzinfo=UTC)  # the end of Monday, not 23:59:59
    svc.db.dispose()


def test_pin_lockout_and_its_expiry(office, frozen) -> None:  # noqa: ANN001
    office.add_operator(admin(office), "ivanova", "Иванова А. П.", "operator", "1234")
    for left in (4, 3, 2, 1):
        with pytest.raises(AuthError, match=f"осталось попыток: {left}"):
            office.login(1, "ivanova", "0000")
    with pytest.raises(AuthError, match="заблокирован на 5 минут"):
        office.login(1, "ivanova", "0000")
    with pytest.raises(AuthError, match="Вход заблокирован до 09:05"):
        office.login(1, "ivanova", "1234")  # even the right PIN
    frozen.tick(timedelta(minutes=5, seconds=1))
    assert office.login(1, "ivanova", "1234").shift.window == 1


def test_one_window_per_operator_and_one_operator_per_window(office) -> None:  # noqa: ANN001
    staff(office, 1)
    office.add_operator(admin(office), "petrov", "Петров И. И.", "operator", "5678")
    with pytest.raises(AuthError, match="Окно 1 уже занято: Оператор 1"):
        office.login(1, "petrov", "5678")
    with pytest.raises(AuthError, match="уже работает: Окно 1"):
        office.login(2, "op1", "1234")
    with pytest.raises(AuthError, match="стойка информатора"):
        office.login(0, "petrov", "5678")


def test_logout_with_a_visitor_needs_force_and_returns_them_to_their_place(office) -> None:  # noqa: ANN001
    w = staff(office, 1, 2)
    a = office.issue_ticket("payments")
    office.issue_ticket("payments")
    office.call_next(w[1])
    with pytest.raises(DomainError, match="подтвердите выход"):
        office.logout(w[1])
    office.logout(w[1], force=True)
    assert office.ticket(a.code).status == S.WAITING
    assert office.call_next(w[2]).ticket.code == a.code


def test_pause_stops_calls_and_resume_restores_them(office) -> None:  # noqa: ANN001
    a = staff(office, 1)
    office.issue_ticket("payments")
    office.pause(a[1], "обед")
    with pytest.raises(DomainError, match="перерыве"):
        office.call_next(a[1])
    assert office.queue_snapshot().windows[1].pause_reason == "обед"
    office.resume(a[1])
    assert office.call_next(a[1]) is not None


def test_postponed_visitor_returns_by_themselves_when_their_time_comes(office, frozen) -> None:  # noqa: ANN001
    w = staff(office, 1)
    a = office.issue_ticket("payments")
    office.call_next(w[1])
    office.postpone(w[1], a.code, minutes=5)
    assert office.call_next(w[1]) is None
    frozen.tick(timedelta(minutes=5))
    call = office.call_next(w[1])
    assert call.ticket.code == a.code
    assert EventKind.RETURNED in [e.kind for e in office.ticket_history(a.code)]


def test_informator_serves_an_svo_visitor_directly(office) -> None:  # noqa: ANN001
    a = staff(office, 0)
    office.issue_ticket("payments")
    call = office.serve_direct(a[0], "payments", "svo")
    assert call.rule == CallRule.DIRECT and call.ticket.status == S.SERVING and call.ticket.category_verified
    assert kinds(office, call.ticket.code) == ["issued", "category_verified", "called", "started"]


def test_the_estimate_counts_people_ahead_and_open_windows(office, frozen) -> None:  # noqa: ANN001
    staff(office, 1, 2)
    for _ in range(4):
        office.issue_ticket("payments")
    t = office.issue_ticket("payments")
    # 4 ahead, default 10 min each, two open windows serve payments
    assert (t.position, t.estimated_wait_min) == (4, 20)
    svo = office.issue_ticket("payments", "svo")
    assert svo.position == 0
    est = office.estimate_wait("payments")
    assert est.people_ahead == 6


def test_a_redirected_code_never_collides_with_the_target_services_numbers(office, frozen) -> None:  # noqa: ANN001
    w = staff(office, 1, 3)
    a = office.issue_ticket("payments")  # А-001
    frozen.tick(60)
    b = office.issue_ticket("recalc")  # Б-001: the same number in the target service
    frozen.tick(60)
    office.call_next(w[1])
    frozen.tick(60)
    office.redirect(w[1], a.code, "recalc", "back")
    more = [office.issue_ticket("recalc").code for _ in range(2)]  # the counter goes on: Б-002, Б-003
    assert (b.code, more) == ("Б-001", ["Б-002", "Б-003"])
    moved = office.ticket(a.code)
    assert (moved.code, moved.service, moved.status) == ("А-001", "recalc", TicketStatus.WAITING)
    served = [office.call_next(w[3]).ticket.code]
    office.finish(w[3], served[0])
    served.append(office.call_next(w[3]).ticket.code)
    assert served == ["Б-001", "А-001"]  # back of the recalc queue: after Б-001, before Б-002
