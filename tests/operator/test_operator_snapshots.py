"""What the staff see, pixel for pixel, at 100×30 and 160×45 (fixed clock, fixed data, no cursor blink).

Regenerate with ``pytest tests/operator/test_operator_snapshots.py --snapshot-update`` and look at the SVGs.
"""

from __future__ import annotations

from functools import partial

import pytest
from textual.widgets import Input

from tests.operator.support import at_work, settle


async def at_work_laid_out(actor, pilot) -> None:  # noqa: ANN001
    """At work (as ``actor``), and the tables have re-measured their columns for the data that just
    arrived (a snapshot taken one frame earlier catches the narrow header of the empty table)."""
    await at_work(pilot, actor)
    await pilot.wait_for_scheduled_animations()
    await settle(pilot)
    # A table re-measures its columns a refresh after its rows arrive, and on a busy machine that
    # refresh comes late: wait until two frames 50 ms apart are the same (at most 3 s).
    last = None
    for _ in range(60):
        await pilot.pause(0.05)
        frame = pilot.app.export_screenshot()
        if frame == last:
            return
        last = frame

SIZES = [pytest.param((100, 30), id="100x30"), pytest.param((160, 45), id="160x45")]


def busy_office(office, clock, actors) -> None:  # noqa: ANN001
    """A morning in the hall: queues in every segment, one window busy, one on a break, a print fault."""
    for service, category in [("payments", "regular"), ("payments", "regular"), ("recalc", "disabled"),
                              ("contracts", "regular"), ("b2b-billing", "regular"), ("payments", "regular")]:
        office.issue_ticket(service, category)
        clock.advance(90)
    faulty = office.issue_ticket("recalc")
    office.record_print(faulty.id, False, "Нет бумаги")
    office.call_next(actors[2])
    office.pause(actors[3], "обед")
    clock.advance(minutes=12)


@pytest.mark.parametrize("size", SIZES)
def test_login(snap_compare, make_app, size) -> None:  # noqa: ANN001
    async def run_before(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        for inp in pilot.app.screen.query(Input):
            inp.cursor_blink = False
        await pilot.press(*"99")
        await pilot.pause()

    assert snap_compare(make_app(1, login="ivanova"), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_idle_window(snap_compare, office, clock, make_app, actors, size) -> None:  # noqa: ANN001
    busy_office(office, clock, actors)
    assert snap_compare(make_app(1), terminal_size=size, run_before=partial(at_work_laid_out, actors[1]))


@pytest.mark.parametrize("size", SIZES)
def test_visitor_with_the_priority_prompt(snap_compare, office, clock, make_app, actors, size) -> None:  # noqa: ANN001
    busy_office(office, clock, actors)
    office.issue_ticket("payments", "svo")
    clock.advance(150)
    office.call_next(actors[1])
    clock.advance(20)
    assert snap_compare(make_app(1), terminal_size=size, run_before=partial(at_work_laid_out, actors[1]))


@pytest.mark.parametrize("size", SIZES)
def test_informator_hall(snap_compare, office, clock, make_app, actors, size) -> None:  # noqa: ANN001
    busy_office(office, clock, actors)
    assert snap_compare(make_app(0), terminal_size=size, run_before=partial(at_work_laid_out, actors[0]))
