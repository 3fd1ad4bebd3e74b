"""A few hundred random taps and keys: no exception, and every ticket shown is in the database once."""

from __future__ import annotations

import asyncio
import random

from textual import events

from queue_kiosk.screens.ticket import TicketScreen
from tests.kiosk.conftest import settle

KEYS = [("1", "1"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5"), ("9", "9"), ("0", "0"),
        ("escape", None), ("enter", "\r"), ("tab", "\t"), ("space", " "), ("backspace", None), ("down", None)]


def tap(app, x: int, y: int) -> None:  # noqa: ANN001
    """A finger on the glass: MouseDown and MouseUp as the driver sends them (the app makes the Click)."""
    for cls in (events.MouseDown, events.MouseUp):
        app.post_message(cls(None, x, y, 0, 0, 1, False, False, False, screen_x=x, screen_y=y))


async def test_random_taps_and_keys_leave_a_consistent_queue(make_kiosk, svc, clock, fake_printer):
    rng = random.Random(20251006)
    app = make_kiosk(tick_s=0.2)
    width, height = 100, 30
    async with app.run_test(size=(width, height)) as pilot:
        await settle(pilot, app)
        for _ in range(300):
            roll = rng.random()
            if roll < 0.5:
                tap(app, rng.randrange(width), rng.randrange(height))
            elif roll < 0.93:
                app.post_message(events.Key(*rng.choice(KEYS)))
            else:
                clock.advance(rng.choice([1, 5, 10, 40]))  # idle resets and ticket time-outs happen
            # Mostly as fast as the app takes them (double taps included), now and then a breath.
            await asyncio.sleep(0.02 if rng.random() < 0.2 else 0)
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
