"""The operator's day at window 1, pressed key by key, checked on the screen and in the event log."""

from __future__ import annotations

from queue_core.domain import EventKind, TicketStatus
from tests.conftest import make_config
from tests.operator.support import at_work, events_of, kinds, notes, screen_text, settle

from operator_tui.screens.dialogs import ChooseServiceDialog, ConfirmDialog, FinishDialog, FormDialog
from operator_tui.screens.login import LoginScreen
from operator_tui.screens.window import OperatorScreen
from operator_tui.widgets.big_code import BigCode


async def test_an_svo_visitor_is_called_first_and_the_operator_confirms_the_document(office, make_app, clock, actors):
    for _ in range(3):
        office.issue_ticket("payments")
        clock.advance(60)
    svo = office.issue_ticket("payments", "svo")
    app = make_app(1)
    async with app.run_test(size=(100, 30)) as pilot:
        await at_work(pilot, actors[1])
        assert isinstance(app.screen, OperatorScreen)
        await pilot.press("f2")
        await settle(pilot)
        assert app.screen.query_one(BigCode).code == svo.code == "А-004"
        text = screen_text(app)
        assert "вне очереди: участник СВО" in text
        assert "участник СВО — проверить документ" in text
        assert "удостоверение ветерана" in text
        assert app.screen.query_one("#verify-box").display
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert "участник СВО — подтверждено" in screen_text(app)
        assert not app.screen.query_one("VisitorPanel").has_class("-verify")
    called = events_of(office, svo.id, EventKind.CALLED)
    assert called[0].data["rule"] == "out_of_turn" and called[0].window == 1
    assert events_of(office, svo.id, EventKind.CATEGORY_VERIFIED)[0].operator == "op1"


async def test_a_declined_category_sends_the_ticket_back_to_the_regular_queue_in_its_original_place(
        office, make_app, clock, actors):
    first = office.issue_ticket("payments")
    clock.advance(60)
    claimed = office.issue_ticket("payments", "disabled")  # issued before the next regular visitor
    clock.advance(60)
    later = office.issue_ticket("payments")
    clock.advance(60)
    office.call_next(actors[2])  # window 2 takes the disabled ticket first (priority)...
    app = make_app(1)
    async with app.run_test(size=(100, 30)) as pilot:
        await at_work(pilot, actors[1])
        # op2 got the claimed ticket; window 1 now calls the oldest regular one
        assert office.ticket(claimed.id).window == 2
        office.decline_category(actors[2], claimed.id)
        await pilot.press("f2")
        await settle(pilot)
        assert app.screen.query_one(BigCode).code == first.code
        await pilot.press("f5", "enter")  # finish without a result code
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        # back at its original place: ahead of the regular visitor who came after it
        assert app.screen.query_one(BigCode).code == claimed.code
        assert "проверить документ" not in screen_text(app)
    assert office.ticket(later.id).status == TicketStatus.WAITING
    declined = events_of(office, claimed.id, EventKind.CATEGORY_DECLINED)[0]
    assert declined.data == {"from_category": "disabled", "to_category": "regular"}


async def test_the_operator_declines_a_claim_at_the_window(office, make_app, actors):
    claimed = office.issue_ticket("payments", "svo")
    app = make_app(1)
    async with app.run_test(size=(100, 30)) as pilot:
        await at_work(pilot, actors[1])
        await pilot.press("f2")
        await settle(pilot)
        await pilot.click("#verify-no")
        await settle(pilot)
        assert "вернулся в общую очередь" in notes(app)
        assert "Окно свободно" in screen_text(app)
    t = office.ticket(claimed.id)
    assert (t.status, t.category, t.queued_at > t.issued_at) == (TicketStatus.WAITING, "regular", False)
    assert "category_declined" in kinds(office, claimed.id)


async def test_recall_start_and_finish_with_a_result_code_and_a_rating(tmp_path, clock, make_app):
    from queue_core import open_service
    from tests.conftest import staff

    (tmp_path / "rated").mkdir()
    svc = open_service(make_config(tmp_path / "rated", operator={"ask_rating": True}), clock, auto_upgrade=True)
    actors = staff(svc, 1)
    t = svc.issue_ticket("recalc")
    app = make_app(1, service=svc, config=svc.config)
    async with app.run_test(size=(100, 30)) as pilot:
        await at_work(pilot, actors[1])
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert "повторных вызовов: 1" in screen_text(app)
        clock.advance(30)
        await pilot.press("f4")
        await settle(pilot)
        assert "обслуживается" in screen_text(app)
        clock.advance(300)
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, FinishDialog)
        await pilot.press("5", "down", "down", "enter")  # rating 5, «Приём показаний»
        await settle(pilot)
        assert "Мой день: обслужено 1 · среднее обслуживание 5 мин 00 с" in screen_text(app)
    done = svc.ticket(t.id)
    assert (done.status, done.rating) == (TicketStatus.DONE, 5)
    assert events_of(svc, t.id, EventKind.FINISHED)[0].data["result_code"] == "Приём показаний"
    assert kinds(svc, t.id) == ["issued", "called", "recalled", "started", "finished", "rated"]
    svc.db.dispose()


async def test_no_show_and_keys_that_make_no_sense_are_disabled_and_say_why(office, make_app, actors):
    t = office.issue_ticket("payments")
    app = make_app(1)
    async with app.run_test(size=(100, 30)) as pilot:
        await at_work(pilot, actors[1])
        screen = app.screen
        assert screen.check_action("finish", ()) is None  # greyed out in the footer
        await pilot.press("f6")  # no visitor: nothing happens, and the operator is told why
        await settle(pilot)
        assert "только вызванному" in notes(app)
        await pilot.press("f2")
        await settle(pilot)
        assert screen.check_action("call_next", ()) is None
        await pilot.press("f2")
        await settle(pilot)
        assert f"У окна талон {t.code}" in notes(app)
        await pilot.press("f6")
        await settle(pilot)
        assert "Окно свободно" in screen_text(app)
    assert office.ticket(t.id).status == TicketStatus.NO_SHOW
    assert kinds(office, t.id).count("called") == 1


async def test_redirect_to_another_service_keeps_the_visitors_place(office, make_app, actors):
    t = office.issue_ticket("payments")
    app = make_app(1)
    async with app.run_test(size=(100, 30)) as pilot:
        await at_work(pilot, actors[1])
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(app.screen, ChooseServiceDialog)
        await pilot.press("down", "enter")  # second in the list without «Оплата»: «Заключение и изменение договора»
        await settle(pilot)
        assert "перенаправлен: Заключение и изменение договора" in notes(app)
    moved = office.ticket(t.id)
    assert (moved.status, moved.service, moved.code) == (TicketStatus.WAITING, "contracts", "А-001")
    assert events_of(office, t.id, EventKind.REDIRECTED)[0].data["position"] == "front"


async def test_postpone_and_the_visitor_returns_by_themselves(office, make_app, clock, actors):
    t = office.issue_ticket("payments")
    app = make_app(1)
    async with app.run_test(size=(100, 30)) as pilot:
        await at_work(pilot, actors[1])
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        await pilot.press("backspace", "backspace", "5", "enter", *"паспорт", "enter")
        await settle(pilot)
        assert "отложен до 09:05" in notes(app)
        clock.advance(minutes=5)
        await pilot.press("f2")
        await settle(pilot)
        assert app.screen.query_one(BigCode).code == t.code
    postponed = events_of(office, t.id, EventKind.POSTPONED)[0]
    assert postponed.data == {"minutes": 5, "reason": "паспорт"}
    assert "returned" in kinds(office, t.id)


async def test_pause_and_resume(office, make_app, actors):
    office.issue_ticket("payments")
    app = make_app(1)
    async with app.run_test(size=(100, 30)) as pilot:
        await at_work(pilot, actors[1])
        await pilot.press("f9")
        await settle(pilot)
        await pilot.press(*" обед", "enter")  # after the default «перерыв»
        await settle(pilot)
        assert "ПЕРЕРЫВ" in screen_text(app)
        assert app.screen.check_action("call_next", ()) is None
        assert office.current_shift(1).pause_reason == "обед"
        await pilot.press("f9")
        await settle(pilot)
        assert not office.current_shift(1).paused
        await pilot.press("f2")
        await settle(pilot)
        assert app.screen.query_one(BigCode).code == "А-001"


async def test_call_a_specific_ticket_by_code_is_logged_with_its_reason(office, make_app, actors):
    office.issue_ticket("payments")
    wanted = office.issue_ticket("recalc")
    app = make_app(1)
    async with app.run_test(size=(100, 30)) as pilot:
        await at_work(pilot, actors[1])
        await pilot.press("f10")
        await settle(pilot)
        await pilot.press(*"б1", "enter", *"ошибся окном", "enter")
        await settle(pilot)
        assert app.screen.query_one(BigCode).code == wanted.code
        assert "вызов по номеру: ошибся окном" in screen_text(app)
    called = events_of(office, wanted.id, EventKind.CALLED)[0]
    assert called.data["rule"] == "by_code" and "ошибся окном" in called.data["reason"]


async def test_logout_with_a_visitor_at_the_window_asks_first(office, make_app, actors):
    t = office.issue_ticket("payments")
    app = make_app(1)
    async with app.run_test(size=(100, 30)) as pilot:
        await at_work(pilot, actors[1])
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("f12")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")  # changed my mind: still at work
        await settle(pilot)
        assert isinstance(app.screen, OperatorScreen) and office.current_shift(1) is not None
        await pilot.press("f12")
        await settle(pilot)
        await pilot.click("#yes")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
    assert office.current_shift(1) is None
    assert office.ticket(t.id).status == TicketStatus.WAITING  # a called visitor goes back to their place
