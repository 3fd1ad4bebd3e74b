"""A few hundred random taps and keys: no exception, and every ticket shown is in the database once."""

from __future__ import annotations

import random

from queue_kiosk.screens.ticket import TicketScreen
from tests.kiosk.conftest import settle

KEYS = ["1", "2", "3", "4", "5", "6", "9", "0", "escape", "enter", "tab", "space", "backspace", "up", "down"]


async def test_random_taps_and_keys_leave_a_consistent_queue(make_kiosk, svc, clock, fake_printer):
    rng = random.Random(20251006)
    app = make_kiosk(tick_s=0.2)
    size = (100, 30)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        for step in range(300):
            roll = rng.random()
            if roll < 0.45:
                await pilot.click(offset=(rng.randrange(size[0] - 2), rng.randrange(size[1])))
            elif roll < 0.9:
                await pilot.press(rng.choice(KEYS))
            else:
                clock.advance(rng.choice([1, 5, 10, 40]))  # idle resets and ticket time-outs happen
            if step % 50 == 0:
                await settle(pilot, app)
        await settle(pilot, app)
        assert app.is_running
        if isinstance(app.screen, TicketScreen):
            assert app.screen.ticket.code in fake_printer.codes
    codes = fake_printer.codes
    assert len(codes) >= 5, "the sequence should have issued a few tickets"
    assert len(codes) == len(set(codes))
    assert sum(svc.waiting_counts().values()) == len(codes)
    for code in codes:
        assert svc.ticket(code).channel == "kiosk"
