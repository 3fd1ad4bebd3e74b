"""A board whose computer clock is wrong is refused by the database, and its mark says why."""

from __future__ import annotations

import time

from tests.board.conftest import FakeSpeaker, wait_until

from queue_core import SystemClock
from queue_core import open_service
from queue_kiosk.board import build_board_app
from queue_kiosk.widgets.board_header import LinkMark


async def test_a_board_a_day_ahead_names_its_clock_in_place_of_no_connection(board_service) -> None:  # noqa: ANN001
    config = board_service.config
    ahead = SystemClock(config.office.tz, source=lambda: time.time() + 86_400)
    app = build_board_app(config, clock=ahead, connect=lambda: open_service(config, ahead), speaker=FakeSpeaker(),
                          blink=False)
    async with app.run_test(size=(160, 24)) as pilot:
        mark = app.board.query_one(LinkMark)
        await wait_until(pilot, lambda: "Часы" in str(mark.render()), timeout=10)
        assert str(mark.render()).startswith("● Часы этого компьютера спешат относительно сервера на 24 ч")
