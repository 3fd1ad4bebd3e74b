"""The supervisor's hall view shows today's and this week's KPIs from the same report function as
the quarterly report, so the screen and the XLSX never disagree."""

from __future__ import annotations

from operator_tui.screens.hall import HallScreen
from textual.widgets import Select

from operator_tui.screens.login import HALL
from queue_core.reports import Period, compute_report
from tests.conftest import admin
from tests.operator.support import log_in, screen_text, settle


async def test_the_supervisor_sees_todays_kpis_as_the_report_computes_them(office, make_app, clock, actors) -> None:  # noqa: ANN001
    # the admin of tests.conftest is called "boss": the supervisor here is "sidorova"
    office.add_operator(admin(office), "sidorova", "Сидорова Н. В.", "supervisor", "4321")
    office.issue_ticket("payments")
    clock.advance(60)
    office.issue_ticket("payments", "svo")
    clock.advance(240)
    svo = office.call_next(actors[1])  # the СВО visitor waited 4 min
    office.finish(actors[1], svo.ticket.code)
    clock.advance(360)
    office.call_next(actors[2])  # the regular one waited 11 min: past the 10 min target of payments
    report = compute_report(office, Period.day(clock.today()), office.config.office.code, by=["hour"], audit=False)
    assert (report.total.called, report.out_of_turn.called, report.total.within_target_pct) == (2, 1, 50.0)

    app = make_app(None, login="sidorova")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        app.screen.query_one(Select).value = HALL
        await log_in(pilot, "4321")
        assert isinstance(app.screen, HallScreen)
        await settle(pilot)
        text = screen_text(app)
    assert "Вызвано: 2" in text
    assert "В пределах цели: 50 %" in text
    assert "Участники СВО: 1, макс. ожидание 4 мин" in text
    assert "За неделю: вызвано 2" in text
