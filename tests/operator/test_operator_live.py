"""Live screens: two windows at once, refresh within the poll, no re-reading when nothing changed,
and a database that goes away and comes back."""

from __future__ import annotations

import asyncio
import shutil

from operator_tui.live import LiveFeed
from operator_tui.widgets.banner import DbBanner
from operator_tui.widgets.big_code import BigCode
from queue_core import open_service
from queue_core.domain import EventKind
from tests.conftest import make_config
from tests.operator.support import at_work, events_of, notes, screen_text, settle


async def wait_until(pilot, condition, seconds: float = 3.0) -> bool:  # noqa: ANN001
    """Poll the screen the way a person watches it: true as soon as the condition holds."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            return True
        await pilot.pause(0.05)
    return condition()


async def test_two_windows_pressing_call_at_the_same_moment_get_different_tickets(office, make_app, clock, actors):
    for _ in range(3):
        office.issue_ticket("payments")
    other = open_service(office.config, clock)  # window 2 runs on another terminal: its own connections
    app1, app2 = make_app(1), make_app(2, service=other)
    try:
        async with app1.run_test(size=(100, 30)) as p1, app2.run_test(size=(100, 30)) as p2:
            await at_work(p1, actors[1])
            await at_work(p2, actors[2])
            await asyncio.gather(p1.press("f2"), p2.press("f2"))
            await settle(p1)
            await settle(p2)
            codes = {app1.screen.query_one(BigCode).code, app2.screen.query_one(BigCode).code}
            assert codes == {"А-001", "А-002"}
            # window 1 finishes and calls the last visitor: window 2 sees its queue empty within the refresh
            assert "Очередь этого окна — ждут 1" in screen_text(app2)
            await p1.press("f5", "enter")
            await settle(p1)
            await p1.press("f2")
            await settle(p1)
            assert app1.screen.query_one(BigCode).code == "А-003"
            assert await wait_until(p2, lambda: "Очередь этого окна — ждут 0" in screen_text(app2), 1.5)
    finally:
        other.db.dispose()


def test_the_feed_rereads_only_when_the_database_changed(office, clock):
    feed = LiveFeed(office)
    assert feed.snapshot().waiting_total == 0
    assert feed.snapshot() is None  # nothing changed: one PRAGMA, no queries
    other = open_service(office.config, clock)
    try:
        other.issue_ticket("payments")
        snap = feed.snapshot()
        assert snap is not None and snap.waiting_total == 1
        assert feed.snapshot() is None
        feed.invalidate()  # after this terminal's own action
        assert feed.snapshot() is not None
    finally:
        other.db.dispose()


async def test_the_screen_does_not_requery_while_nothing_changes(office, make_app, actors):
    calls = []
    original = office.queue_snapshot
    office.queue_snapshot = lambda **kw: calls.append(1) or original(**kw)
    app = make_app(1)
    async with app.run_test(size=(100, 30)) as pilot:
        await at_work(pilot, actors[1])
        settled = len(calls)
        await pilot.pause(1.0)  # five refresh ticks of 0.2 s
        assert len(calls) == settled
        office.issue_ticket("payments")
        assert await wait_until(pilot, lambda: "Очередь этого окна — ждут 1" in screen_text(app), 1.5)
        assert len(calls) == settled + 1


async def test_a_lost_database_shows_a_banner_refuses_actions_and_recovers_by_itself(
        tmp_path, clock, staffed_db, make_app, actors):
    db_dir = tmp_path / "db"
    db_dir.mkdir()
    shutil.copy(staffed_db, db_dir / "talon.db")
    svc = open_service(make_config(db_dir, operator={"refresh_s": 0.2}), clock)
    t = svc.issue_ticket("payments")
    app = make_app(1, service=svc, config=svc.config)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await at_work(pilot, actors[1])
            banner = app.screen.query_one(DbBanner)
            assert not banner.shown
            db_dir.rename(tmp_path / "away")  # the disk is gone
            svc.db.dispose()
            assert await wait_until(pilot, lambda: banner.shown)
            assert "Нет связи с базой данных" in str(banner.render())
            await pilot.press("f2")
            await settle(pilot)
            assert "Вызов: действие не выполнено" in notes(app)
            assert app.screen.query_one("VisitorPanel").has_class("-idle")
            (tmp_path / "away").rename(db_dir)  # back again
            assert await wait_until(pilot, lambda: not banner.shown)
            assert await wait_until(pilot, lambda: "Связь с базой данных восстановлена" in notes(app))
            await pilot.press("f2")
            await settle(pilot)
            assert app.screen.query_one(BigCode).code == t.code
        assert len(events_of(svc, t.id, EventKind.CALLED)) == 1  # the failed press left nothing behind
    finally:
        svc.db.dispose()
