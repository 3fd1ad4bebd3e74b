"""The hall board as visitors see it: calls appear within a second, recalls come back on top,
nothing is shown twice, the category never shows, and a lost database is survived."""

from __future__ import annotations

import time

from queue_kiosk.board import build_board_app
from tests.board.conftest import FakeSpeaker, FlakyService, make_board, screen_text, settle, wait_until
from tests.board.test_board_feed import API, call


async def test_a_call_made_at_a_window_appears_on_the_board_within_a_second(board_service, staff_at) -> None:  # noqa: ANN001
    speaker = FakeSpeaker()
    app = make_board(board_service, speaker)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert app.board.shown() == []
        assert "Ожидайте вызова" in screen_text(app)
        start = time.monotonic()
        code = call(board_service, staff_at[3])
        await wait_until(pilot, lambda: app.board.shown() == [f"{code} → Окно 3"])
        assert time.monotonic() - start < 1.0
        assert app.board.rows[0].has_class("-fresh")  # the newest call is highlighted
        assert speaker.said == ["Талон А один, окно три."]


async def test_a_recall_comes_back_on_top_as_a_new_call(board_service, staff_at) -> None:  # noqa: ANN001
    svc, speaker = board_service, FakeSpeaker()
    app = make_board(svc, speaker)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        first = call(svc, staff_at[1])
        second = call(svc, staff_at[2])
        await wait_until(pilot, lambda: len(app.board.shown()) == 2)
        assert app.board.shown() == [f"{second} → Окно 2", f"{first} → Окно 1"]
        app.board.fresh_until.clear()
        app.board.tick(toggle=False)
        svc.recall(staff_at[1], first)
        await wait_until(pilot, lambda: app.board.shown()[0] == f"{first} → Окно 1")
        assert app.board.shown() == [f"{first} → Окно 1", f"{second} → Окно 2"]  # once, on top
        assert app.board.rows[0].has_class("-fresh") and not app.board.rows[1].has_class("-fresh")
        assert speaker.said == ["Талон А один, окно один.", "Талон А два, окно два.", "Талон А один, окно один."]


async def test_two_calls_in_the_same_second_both_show_in_order(board_service, staff_at) -> None:  # noqa: ANN001
    svc = board_service  # the clock stands still: both events carry the same instant
    app = make_board(svc)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        app.board._polling = True  # hold the poll so both calls land in one read  # noqa: SLF001
        a = call(svc, staff_at[1])
        b = call(svc, staff_at[2])
        app.board._polling = False  # noqa: SLF001
        await wait_until(pilot, lambda: len(app.board.shown()) == 2)
        assert app.board.shown() == [f"{b} → Окно 2", f"{a} → Окно 1"]
        assert all(r.has_class("-fresh") for r in app.board.rows[:2])


async def test_a_restarted_board_shows_the_recent_history_once_and_quietly(board_service, staff_at) -> None:  # noqa: ANN001
    svc = board_service
    codes = [call(svc, staff_at[w]) for w in (1, 2, 3)]
    speaker = FakeSpeaker()
    app = make_board(svc, speaker)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        for _ in range(4):  # more polls change nothing
            app.board.feed._token = None  # noqa: SLF001 - force real reads
            app.board.poll()
            await app.workers.wait_for_complete()
            await pilot.pause()
        expected = [f"{codes[2]} → Окно 3", f"{codes[1]} → Окно 2", f"{codes[0]} → Окно 1"]
        assert app.board.shown() == expected
        assert speaker.said == []  # old calls are not announced again
        assert not any(r.has_class("-fresh") for r in app.board.rows)
        text = screen_text(app)
        assert f"{codes[1]}  →  Окно 2" in text and f"{codes[0]}  →  Окно 1" in text


async def test_the_category_of_a_ticket_never_appears_on_the_board(board_service, staff_at) -> None:  # noqa: ANN001
    svc = board_service
    svo = svc.issue_ticket("payments", "svo")  # at the kiosk
    disabled = svc.issue_ticket("recalc", "disabled")
    assert svc.call_next(staff_at[1]).ticket.code == svo.code
    assert svc.call_next(staff_at[3]).ticket.code == disabled.code
    speaker = FakeSpeaker()
    app = make_board(svc, speaker)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        svc.recall(staff_at[1], svo.code)  # the SVO ticket is now the newest, announced and highlighted
        await wait_until(pilot, lambda: bool(speaker.said))
        app.board.query_one("#call-history")  # the other one is in the plain-text history
        text = screen_text(app)
        assert f"{disabled.code}  →  Окно 3" in text  # the reading works: codes are there
        for word in ("СВО", "участник", "Участник", "инвалид", "Инвалид", "приоритет", "вне очереди",
                     "МСЭ", "льгот"):
            assert word not in text
            assert all(word not in s for s in speaker.said)
        assert speaker.said == [f"Талон А один, окно один."]


async def test_a_lost_database_shows_no_connection_and_the_board_recovers_by_itself(board_service, staff_at) -> None:  # noqa: ANN001
    flaky = FlakyService(board_service)
    app = build_board_app(board_service.config, clock=board_service.clock, service=flaky, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert "нет связи" not in screen_text(app)
        flaky.down = True
        await wait_until(pilot, lambda: "нет связи" in screen_text(app))
        code = call(board_service, staff_at[2])  # the office goes on working meanwhile
        flaky.down = False
        await wait_until(pilot, lambda: app.board.shown() == [f"{code} → Окно 2"])
        assert "нет связи" not in screen_text(app)


async def test_a_board_that_starts_without_a_database_keeps_trying(board_service, monkeypatch, staff_at) -> None:  # noqa: ANN001
    import queue_kiosk.board_feed as feed_module

    monkeypatch.setattr(feed_module, "RECONNECT_S", 0.0)
    attempts = []

    def connect():  # noqa: ANN202
        attempts.append(1)
        if len(attempts) < 3:
            from queue_core.domain import StorageError
            raise StorageError("Нет связи с базой данных")
        return board_service

    code = call(board_service, staff_at[1])
    app = build_board_app(board_service.config, clock=board_service.clock, connect=connect, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "нет связи" in screen_text(app))
        await wait_until(pilot, lambda: app.board.shown() == [f"{code} → Окно 1"], timeout=5)
        assert "нет связи" not in screen_text(app) and len(attempts) == 3


async def test_waiting_per_service_is_shown_at_the_foot(board_service) -> None:  # noqa: ANN001
    svc = board_service
    for _ in range(3):
        svc.issue_ticket("payments", actor=API)
    svc.issue_ticket("b2b-contracts", actor=API)
    app = make_board(svc)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert "Ожидают:  А 3  ·  Б 0  ·  В 0  ·  Г 1  ·  Д 0" in screen_text(app)
        svc.issue_ticket("recalc", actor=API)
        await wait_until(pilot, lambda: "Б 1" in screen_text(app))
