"""The informator's desk: verified priority tickets, direct service, the hall, reprint, find and cancel."""

from __future__ import annotations

from operator_tui.screens.dialogs import ChooseServiceDialog, TicketDialog
from operator_tui.widgets.big_code import BigCode
from queue_core.domain import EventKind, TicketStatus
from tests.operator.support import at_work, events_of, kinds, notes, screen_text, settle


async def test_the_informator_issues_a_verified_svo_ticket_and_prints_it(office, make_app, printer, actors):
    app = make_app(0)
    async with app.run_test(size=(120, 40)) as pilot:
        await at_work(pilot, actors[0])
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, ChooseServiceDialog)
        await pilot.press("3", "enter")  # category 3 = участники СВО; first service = Оплата
        await settle(pilot)
        assert "Талон А-001: Оплата и передача показаний, участник СВО (подтверждено)" in notes(app)
        assert "Печать: напечатан" in notes(app)
    t = office.ticket("А-001")
    assert (t.category, t.channel, t.category_claimed, t.category_verified) == ("svo", "informator", False, True)
    verified = events_of(office, t.id, EventKind.CATEGORY_VERIFIED)[0]
    assert verified.data["at_issue"] is True and verified.operator == "info"
    assert printer.printed == ["А-001"] and t.print_status == "printed"
    # the operator who calls it is not asked for the document again
    call = office.call_next(actors[1])
    assert call.ticket.code == "А-001" and not call.ticket.category_claimed


async def test_an_svo_visitor_is_served_at_the_desk_at_once(office, make_app, actors):
    office.issue_ticket("payments")  # someone already waits: the direct service does not touch them
    app = make_app(0)
    async with app.run_test(size=(120, 40)) as pilot:
        await at_work(pilot, actors[0])
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("enter")  # СВО is preselected; Оплата
        await settle(pilot)
        assert app.screen.query_one(BigCode).code == "А-002"
        assert "обслуживается" in screen_text(app)
        await pilot.press("f5")
        await settle(pilot)
        assert "Стойка свободна" in screen_text(app)
    assert kinds(office, "А-002") == ["issued", "category_verified", "called", "started", "finished"]
    assert events_of(office, "А-002", EventKind.CALLED)[0].data["rule"] == "direct"
    assert office.ticket("А-001").status == TicketStatus.WAITING


async def test_the_desk_sees_the_whole_hall_and_reprints_a_ticket_the_kiosk_failed_to_print(
        office, make_app, clock, printer, actors):
    t = office.issue_ticket("recalc")
    office.record_print(t.id, False, "Нет бумаги")
    office.issue_ticket("payments", "svo")
    office.call_next(actors[2])
    office.pause(actors[3], "обед")
    clock.advance(minutes=20)
    app = make_app(0)
    async with app.run_test(size=(120, 40)) as pilot:
        await at_work(pilot, actors[0])
        text = screen_text(app)
        assert "Окно 2 Оператор 2 вызван 20 мин А-001" in text  # window, operator, state, ticket
        assert "перерыв: обед" in text
        assert "Ждут дольше цели: 1" in text and "Сбои печати: 1" in text
        await pilot.press("f6")
        await settle(pilot)
        assert "Талон Б-001: напечатан" in notes(app)
        assert "Сбоев печати нет" in screen_text(app)
    assert printer.printed == ["Б-001"]
    assert kinds(office, t.id) == ["issued", "print_failed", "printed"]


async def test_find_a_ticket_see_its_history_and_cancel_it_with_a_reason(office, make_app, actors):
    t = office.issue_ticket("contracts")
    app = make_app(0)
    async with app.run_test(size=(120, 40)) as pilot:
        await at_work(pilot, actors[0])
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press(*"в1", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketDialog)
        assert "выдан" in screen_text(app) and "ожидает, впереди 0" in screen_text(app)
        await pilot.click("#cancel")
        await settle(pilot)
        await pilot.press(*"ушёл", "enter")
        await settle(pilot)
        assert "Талон В-001 отменён" in notes(app)
    assert office.ticket(t.id).status == TicketStatus.CANCELLED
    assert events_of(office, t.id, EventKind.CANCELLED)[0].data["reason"] == "ушёл"
