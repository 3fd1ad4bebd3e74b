"""The board's look on a TV-sized terminal (160×45), a standard one (80×24) and a browser at
?fontsize=40 (about 53×17). Fixed clock, fixed data, no blinking: the SVGs are stable."""

from __future__ import annotations

import pytest

from tests.board.conftest import make_board, settle, wait_until
from tests.board.test_board_feed import API, call


def _office_day(svc, staff_at) -> str:  # noqa: ANN001
    """Six calls before the board starts, tickets waiting in three queues."""
    for w, service in ((1, "payments"), (2, "recalc"), (3, "contracts"), (1, "payments"), (2, "payments"),
                       (3, "recalc")):
        call(svc, staff_at[w], service)
    for service in ("payments", "payments", "recalc", "b2b-contracts", "contracts"):
        svc.issue_ticket(service, actor=API)
    svc.issue_ticket("payments", actor=API)
    return "А-004"  # the ticket the fresh call after start will take


@pytest.mark.parametrize("size", [(160, 45), (80, 24), (53, 17)], ids=["tv-160x45", "80x24", "browser-53x17"])
def test_board_snapshot(snap_compare, board_service, staff_at, size: tuple[int, int]) -> None:  # noqa: ANN001
    svc = board_service
    fresh = _office_day(svc, staff_at)
    app = make_board(svc)

    async def run_before(pilot) -> None:  # noqa: ANN001
        await settle(pilot, app)
        no_show = next(w.current for w in svc.queue_snapshot().windows if w.number == 1)
        svc.no_show(staff_at[1], no_show.code)
        assert svc.call_next(staff_at[1]).ticket.code == fresh
        await wait_until(pilot, lambda: app.board.shown()[:1] == [f"{fresh} → Окно 1"])
        await app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)
