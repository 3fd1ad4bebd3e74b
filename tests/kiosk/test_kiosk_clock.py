"""A kiosk whose computer clock is wrong takes no tickets and says why on its out-of-service screen."""

from __future__ import annotations

import time

from tests.kiosk.conftest import screen_text, settle, wait_until

from queue_core import SystemClock, open_service
from queue_kiosk.screens.out_of_service import OutOfServiceScreen


async def test_a_kiosk_twenty_minutes_slow_is_out_of_service_and_names_the_difference(make_kiosk, kiosk_config) -> None:  # noqa: ANN001
    slow = SystemClock(kiosk_config.office.tz, source=lambda: time.time() - 1200)
    app = make_kiosk(service=lambda: open_service(kiosk_config, slow))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        assert await wait_until(pilot, lambda: isinstance(app.screen, OutOfServiceScreen))
        text = screen_text(app)
        assert "Терминал временно не работает" in text
        assert "Часы этого компьютера отстают от сервера на 20 мин" in text
        assert app.service is None  # refused at start: nothing can be issued
