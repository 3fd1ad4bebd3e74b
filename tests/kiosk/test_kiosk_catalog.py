"""A kiosk reads the office's catalogue from the database: with a config.toml that describes another one
it takes no tickets and tells the staff the one line to act on, and the category question offers only the
rights in force today."""

from __future__ import annotations

import copy
from datetime import date

from tests.conftest import example_config_data, make_config
from tests.kiosk.conftest import screen_text, settle, tap, wait_until

from queue_core import open_service
from queue_core.catalog import apply_config
from queue_kiosk.screens.category import CategoryScreen
from queue_kiosk.screens.home import HomeScreen
from queue_kiosk.screens.out_of_service import OutOfServiceScreen
from queue_kiosk.screens.ticket import TicketScreen


async def test_a_kiosk_with_a_stale_config_is_out_of_service_until_the_config_is_applied(make_kiosk, svc, clock,
                                                                                      tmp_path) -> None:  # noqa: ANN001
    windows = copy.deepcopy(example_config_data()["windows"])
    windows[2]["services"]["payments"] = 1
    stale = make_config(tmp_path, windows=windows)
    app = make_kiosk(config=stale, service=lambda: open_service(stale, clock))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        assert await wait_until(pilot, lambda: isinstance(app.screen, OutOfServiceScreen))
        text = screen_text(app)
        assert "Терминал временно не работает" in text
        assert "Каталог в базе отличается от config.toml: окно 2, вес услуги payments 3 ≠ 1." in text
        assert "Примените конфигурацию: talon config apply" in text
        assert app.service is None  # refused at start: nothing can be issued

        apply_config(svc.db, stale)  # the administrator runs `talon config apply` on this machine
        assert await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen) and app.service is not None)
        await tap(pilot, app, "1", "1")
        assert isinstance(app.screen, TicketScreen) and "А-001" in screen_text(app)


async def test_the_category_question_offers_only_the_rights_in_force_today(make_kiosk, clock, tmp_path) -> None:  # noqa: ANN001
    cats = copy.deepcopy(example_config_data()["categories"])
    next(c for c in cats if c["id"] == "svo")["valid_from"] = date(2025, 10, 7)  # tomorrow
    cfg = make_config(tmp_path / "office", categories=cats)
    svc = open_service(cfg, clock)
    app = make_kiosk(config=cfg, service=svc)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await tap(pilot, app, "1")
            assert isinstance(app.screen, CategoryScreen)
            assert [b.id for b in app.screen.query(".category")] == ["cat-regular", "cat-disabled"]
            assert "Участник СВО" not in screen_text(app)
            await tap(pilot, app, "3")  # no third button: nothing happens
            assert isinstance(app.screen, CategoryScreen)
            await tap(pilot, app, "2")
            assert isinstance(app.screen, TicketScreen)
        assert svc.ticket("А-001").category == "disabled"
    finally:
        svc.db.dispose()
