"""The board's feed, without a screen: every call once, in order, across restarts and outages."""

from __future__ import annotations

from queue_core.domain import Actor
from queue_kiosk.board_feed import BoardZone, CallFeed
from tests.board.conftest import FlakyService

API = Actor.api("api")  # tickets from another system (no office hours, no kiosk)


def feed_for(svc, zone: BoardZone | None = None) -> CallFeed:  # noqa: ANN001
    return CallFeed(svc.config, lambda: svc, zone)


def call(svc, operator: Actor, service: str = "payments") -> str:  # noqa: ANN001
    """Issue a ticket and call it at the operator's window (finishing whatever was there)."""
    svc.issue_ticket(service, actor=API)
    current = next(w.current for w in svc.queue_snapshot().windows if w.number == operator.window)
    if current is not None:
        svc.no_show(operator, current.code)
    result = svc.call_next(operator)
    assert result is not None
    return result.ticket.code


def test_a_started_board_shows_todays_recent_calls_once_then_only_new_ones(board_service, staff_at) -> None:  # noqa: ANN001
    svc = board_service
    before = [call(svc, staff_at[1]), call(svc, staff_at[2])]
    feed = feed_for(svc)
    first = feed.poll()
    assert [c.code for c in first.history] == before and first.calls == ()
    assert feed.poll().calls == ()  # nothing new, nothing repeated
    new = call(svc, staff_at[3])
    assert [c.code for c in feed.poll().calls] == [new]
    assert feed.poll().calls == ()


def test_calls_made_while_the_database_was_away_all_arrive_once_in_order(board_service, staff_at) -> None:  # noqa: ANN001
    flaky = FlakyService(board_service)
    feed = CallFeed(board_service.config, lambda: flaky)
    feed.poll()
    flaky.down = True
    assert feed.poll().online is False
    made = [call(board_service, staff_at[w]) for w in (1, 2, 3)]  # other machines keep calling
    flaky.down = False
    update = feed.poll()
    assert update.online and [c.code for c in update.calls] == made
    assert feed.poll().calls == ()


def test_nothing_is_queried_while_sqlite_reports_no_change(board_service, staff_at) -> None:  # noqa: ANN001
    flaky = FlakyService(board_service)
    feed = CallFeed(board_service.config, lambda: flaky)
    feed.poll()
    queried = flaky.calls.get("calls_since", 0) + flaky.calls.get("waiting_counts", 0)
    for _ in range(5):
        feed.poll()
    assert flaky.calls.get("calls_since", 0) + flaky.calls.get("waiting_counts", 0) == queried
    call(board_service, staff_at[1])
    assert len(feed.poll().calls) == 1


def test_a_zone_board_shows_only_its_windows_and_services(board_service, staff_at) -> None:  # noqa: ANN001
    svc = board_service
    by_window = feed_for(svc, BoardZone(windows=[2]))
    by_service = feed_for(svc, BoardZone(services=["recalc"]))
    by_window.poll(), by_service.poll()
    a1 = call(svc, staff_at[1])
    a2 = call(svc, staff_at[2])
    b3 = call(svc, staff_at[3], "recalc")
    assert [c.code for c in by_window.poll().calls] == [a2]
    assert [c.code for c in by_service.poll().calls] == [b3]
    assert a1.startswith("А") and b3.startswith("Б")
    lines = by_service.poll().waiting or by_service.empty_waiting()
    assert [w.prefix for w in lines] == ["Б"]


def test_waiting_counts_per_service_follow_the_queue(board_service) -> None:  # noqa: ANN001
    svc = board_service
    feed = feed_for(svc)
    assert {w.prefix: w.waiting for w in feed.poll().waiting} == {"А": 0, "Б": 0, "В": 0, "Г": 0, "Д": 0}
    svc.issue_ticket("payments", actor=API)
    svc.issue_ticket("payments", "svo", actor=API)
    svc.issue_ticket("b2b-billing", actor=API)
    waiting = {w.prefix: w.waiting for w in feed.poll().waiting}
    assert waiting["А"] == 2 and waiting["Д"] == 1 and waiting["Б"] == 0


def test_the_feed_works_on_both_databases_without_repeating_a_call(service) -> None:  # noqa: ANN001
    # PostgreSQL has no "changed?" token: every poll reads by id, and still nothing repeats.
    from tests.conftest import staff

    at = staff(service, 1, 2)
    feed = feed_for(service)
    feed.poll()
    a = call(service, at[1])
    b = call(service, at[2])
    assert [c.code for c in feed.poll().calls] == [a, b]
    assert feed.poll().calls == () and feed.poll().calls == ()
    service.recall(at[1], a)
    recall = feed.poll().calls
    assert [(c.code, c.recall) for c in recall] == [(a, True)]


def test_a_poll_that_fails_halfway_loses_no_call(board_service, staff_at) -> None:  # noqa: ANN001
    flaky = FlakyService(board_service)
    feed = CallFeed(board_service.config, lambda: flaky)
    feed.poll()
    code = call(board_service, staff_at[1])
    flaky.fail_on = {"waiting_counts"}  # the calls were read, then the connection dropped
    assert feed.poll().online is False
    flaky.fail_on = set()
    assert [c.code for c in feed.poll().calls] == [code]


def test_a_board_with_a_stale_config_is_offline_and_tells_the_staff_what_to_run(board_service, tmp_path) -> None:  # noqa: ANN001
    import copy

    from queue_core import open_service
    from queue_core.catalog import apply_config
    from tests.conftest import example_config_data, make_config

    windows = copy.deepcopy(example_config_data()["windows"])
    windows[1]["name"] = "Касса"
    stale = make_config(tmp_path, windows=windows)  # the board's own copy of config.toml: window 1 renamed
    ticks = iter(range(0, 10_000, 10))  # each poll comes 10 s after the last: past the reconnect pause
    feed = CallFeed(stale, lambda: open_service(stale, board_service.clock), monotonic=lambda: next(ticks))
    update = feed.poll()
    assert update.online is False
    assert update.note.startswith("Каталог в базе отличается от config.toml: окно 1, название «Окно 1» ≠ «Касса».")
    assert "talon config apply" in update.note
    apply_config(board_service.db, stale)
    assert feed.poll().online is True
