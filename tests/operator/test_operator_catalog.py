"""A staff terminal whose config.toml describes another catalogue than the database's does not open, and
the login screen says what differs and which command applies the config."""

from __future__ import annotations

import copy

from tests.conftest import example_config_data, make_config
from tests.operator.support import screen_text, settle

from queue_core import open_service


async def test_a_terminal_with_a_stale_config_names_the_difference_on_the_login_screen(make_app, office, clock,
                                                                                       tmp_path) -> None:  # noqa: ANN001
    services = copy.deepcopy(example_config_data()["services"])
    services[1]["target_wait_min"] = 25
    stale = make_config(tmp_path, services=services)
    app = make_app(service=lambda: open_service(stale, clock), config=stale)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "Каталог в базе отличается от config.toml: услуга recalc, норматив ожидания, мин 15 ≠ 25" in text
        assert "Нет связи с базой данных" not in text  # not an outage: a step for the administrator
        assert app.service is None
