"""The key bar through an operator's day: keys grey out and come back in place, and a day of calls
leaves no key widgets behind (Textual's Footer kept every rebuilt key alive, Textualize/textual#6666,
which made full garbage collections — and so the F2 key — slower call by call)."""

from __future__ import annotations

import gc

from textual.widgets._footer import FooterKey

from operator_tui.widgets.keys import KeyHints
from tests.operator.support import at_work, settle


def keys_alive() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, FooterKey))


def greyed(app) -> set[str]:  # noqa: ANN001
    return {k.action for k in app.screen.query_one(KeyHints).query(FooterKey) if k.has_class("-disabled")}


async def test_a_day_of_calls_leaves_no_key_widgets_behind(office, make_app, actors) -> None:  # noqa: ANN001
    for _ in range(12):
        office.issue_ticket("payments")
    app = make_app(1)
    async with app.run_test(size=(100, 30)) as pilot:
        await at_work(pilot, actors[1])
        assert "call_next" not in greyed(app) and "finish" in greyed(app)
        counts = []
        for _ in range(10):
            await pilot.press("f2")
            await settle(pilot)
            assert "call_next" in greyed(app) and "finish" not in greyed(app)
            await pilot.press("f4")
            await settle(pilot)
            app.screen._finish(app.screen.current, {})  # noqa: SLF001 - F5 without the result-code dialog
            await settle(pilot)
            assert "call_next" not in greyed(app)
            counts.append(keys_alive())
        on_screen = len(app.screen.query_one(KeyHints).query(FooterKey))
        assert counts[-1] == counts[1] <= on_screen + 1, counts


class SlowReads:
    """The office service, with the screen's re-read of the whole office held back on request."""

    def __init__(self, svc) -> None:  # noqa: ANN001
        import threading

        self._svc, self.release = svc, threading.Event()
        self.release.set()

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self._svc, name)

    def queue_snapshot(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        self.release.wait(10)
        return self._svc.queue_snapshot(*args, **kwargs)


async def test_the_called_code_is_on_screen_without_waiting_for_the_office_re_read(office, make_app, actors) -> None:  # noqa: ANN001
    from operator_tui.widgets.big_code import BigCode

    ticket = office.issue_ticket("payments")
    slow = SlowReads(office)
    app = make_app(1, service=slow)
    async with app.run_test(size=(100, 30)) as pilot:
        await at_work(pilot, actors[1])
        slow.release.clear()
        try:
            await pilot.press("f2")
            for _ in range(200):
                if app.screen.query_one(BigCode).code == ticket.code:
                    break
                await pilot.pause(0.01)
            assert app.screen.query_one(BigCode).code == ticket.code
            assert app.screen._polling  # noqa: SLF001 - the re-read is still held back
        finally:
            slow.release.set()
        await settle(pilot)
