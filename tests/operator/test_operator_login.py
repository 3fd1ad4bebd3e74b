"""Logging in: each refusal has its own Russian message; the role decides the screen."""

from __future__ import annotations

from textual.widgets import Select

from operator_tui.screens.desk import DeskScreen
from operator_tui.screens.hall import HallScreen
from operator_tui.screens.login import HALL, LoginScreen
from operator_tui.screens.window import OperatorScreen
from tests.conftest import admin
from tests.operator.support import log_in, settle


def error_text(app) -> str:  # noqa: ANN001
    return str(app.screen.query_one("#login-error").render())


async def test_a_wrong_pin_says_how_many_attempts_are_left_and_five_lock_the_login(office, make_app, actors):
    app = make_app(4, login="op1")
    office.logout(actors[1])
    async with app.run_test(size=(100, 30)) as pilot:
        await log_in(pilot, "9999")
        assert isinstance(app.screen, LoginScreen)
        assert error_text(app) == "Неверный PIN (осталось попыток: 4)"
        for _ in range(4):
            await log_in(pilot, "9999")
        assert "Вход заблокирован на 5 минут" in error_text(app)
        await log_in(pilot, "1234")
        assert "Вход заблокирован до 09:05" in error_text(app)


async def test_a_taken_window_and_an_operator_busy_elsewhere_are_refused(office, make_app):
    office.add_operator(admin(office), "ivanova", "Иванова А. П.", "operator", "1234")
    app = make_app(1, login="ivanova")
    async with app.run_test(size=(100, 30)) as pilot:
        await log_in(pilot)
        assert error_text(app) == "Окно 1 уже занято: Оператор 1"
    app = make_app(4, login="op2")
    async with app.run_test(size=(100, 30)) as pilot:
        await log_in(pilot)
        assert error_text(app) == "«op2» уже работает: Окно 2. Сначала закройте ту смену"


async def test_the_operator_opens_a_window_chosen_on_screen(office, make_app):
    office.add_operator(admin(office), "ivanova", "Иванова А. П.", "operator", "1234")
    app = make_app(None, login="")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.focused is app.screen.query_one(Select)
        await pilot.press("enter", "down", "down", "down", "down", "down", "enter")  # Окно 4
        await pilot.press(*"ivanova", "enter", *"1234", "enter")
        await settle(pilot)
        assert isinstance(app.screen, OperatorScreen) and app.screen.window == 4
    assert office.current_shift(4).operator == "ivanova"


async def test_the_informator_gets_the_desk_and_the_supervisor_the_hall_without_a_window(office, make_app):
    app = make_app(0)
    async with app.run_test(size=(100, 30)) as pilot:
        await log_in(pilot)
        assert isinstance(app.screen, DeskScreen)
    # tests.conftest's admin is login "boss": the supervisor here is "sidorova"
    office.add_operator(admin(office), "sidorova", "Сидорова Н. В.", "supervisor", "4321")
    app = make_app(None, login="sidorova")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.query_one(Select).value = HALL
        await log_in(pilot, "4321")
        assert isinstance(app.screen, HallScreen)
    assert all(w.operator != "sidorova" for w in office.queue_snapshot().windows)
    app = make_app(None, login="op3")  # an operator may not open the hall view
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.query_one(Select).value = HALL
        await log_in(pilot)
        assert "Обзор зала — для руководителя" in error_text(app)
