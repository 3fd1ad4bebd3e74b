"""A staff terminal whose computer clock is wrong cannot log in or act, and says why."""

from __future__ import annotations

import time

from tests.operator.support import notes, screen_text, settle

from queue_core import SystemClock, open_service


async def test_a_terminal_a_day_ahead_says_its_clock_is_wrong_on_the_login_screen(make_app, office) -> None:  # noqa: ANN001
    ahead = SystemClock(office.config.office.tz, source=lambda: time.time() + 86_400)
    app = make_app(service=lambda: open_service(office.config, ahead))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "Часы этого компьютера спешат относительно сервера на 24 ч" in text
        assert "проверьте синхронизацию времени (NTP). Повторяем" in text
        assert app.service is None


async def test_a_window_whose_clock_jumps_forty_minutes_back_is_refused_with_the_reason(make_app, office) -> None:  # noqa: ANN001
    offset = {"s": 0.0}
    svc = open_service(office.config, SystemClock(office.config.office.tz, source=lambda: time.time() + offset["s"]))
    app = make_app(service=svc)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            app.open_work(svc.login(app.window, "op1", "1234"))  # this terminal's own PIN login joins the shift
            await settle(pilot)
            offset["s"] = -2400
            await pilot.press("f2")
            await settle(pilot)
            assert "Вызов: действие не выполнено — Часы этого компьютера отстают от сервера на 40 мин" in notes(app)
    finally:
        svc.db.dispose()
