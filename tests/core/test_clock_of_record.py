"""One clock of record (DESIGN.md §11): a machine with a wrong clock must not damage the office.

The office runs on this machine's real clock; a "client" is a second QueueService on the same
database whose clock is skewed through an injected time source. On PostgreSQL the instants come
from the database server; on SQLite the database's clock is this machine's, so a skewed source is
refused there too.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from tests.conftest import make_config, staff

from queue_core import SystemClock, open_service
from queue_core.config import ConfigError, parse_config
from queue_core.db import OFFICE_LOCK_BASE
from queue_core.domain import Actor, ClockSkew, TicketStatus
from queue_core.reports import compute_report

DAY = 86_400
API = Actor.api("api")


class Skewable:
    """A local time source that is off by ``offset_s`` (changeable while the process runs)."""

    def __init__(self, offset_s: float = 0) -> None:
        self.offset_s = offset_s

    def __call__(self) -> float:
        return time.time() + self.offset_s


def pg_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("the database server's clock exists on PostgreSQL only")


@pytest.fixture
def real_office(config):  # noqa: ANN001, ANN201
    """The office on this machine's real clock (the clock of record on both backends)."""
    svc = open_service(config, SystemClock(config.office.tz), auto_upgrade=True)
    yield svc
    svc.db.dispose()


def client(config, offset_s: float = 0, **database: object):  # noqa: ANN001, ANN201
    """Another machine on the same database, its clock off by ``offset_s``."""
    if database:
        config = config.model_copy(update={"database": config.database.model_copy(update=database)})
    source = Skewable(offset_s)
    return open_service(config, SystemClock(config.office.tz, source=source)), source


def events(svc) -> list[tuple]:  # noqa: ANN001
    with svc.db.read() as s:
        return s.execute(sa.text("SELECT ticket_id, kind, at FROM ticket_event ORDER BY id")).all()


def test_the_refusal_names_the_difference_in_russian() -> None:
    assert str(ClockSkew(-1200)).startswith("Часы этого компьютера отстают от сервера на 20 мин. Запись запрещена")
    assert "проверьте синхронизацию времени (NTP)" in str(ClockSkew(-1200))
    assert "спешат относительно сервера на 24 ч." in str(ClockSkew(DAY))
    assert "отстают от сервера на 45 с." in str(ClockSkew(-45.2))
    assert "спешат относительно сервера на 2 ч 30 мин." in str(ClockSkew(9000))


def test_the_skew_limit_is_configured_and_validated(tmp_path) -> None:  # noqa: ANN001
    assert make_config(tmp_path).database.clock_skew_max_s == 30
    data = make_config(tmp_path).model_dump(mode="json")
    data["database"]["clock_skew_max_s"] = 0
    with pytest.raises(ConfigError, match="clock_skew_max_s"):
        parse_config(data, tmp_path / "config.toml")


def test_a_process_whose_clock_is_twenty_minutes_slow_refuses_to_start_and_says_why(config, real_office) -> None:  # noqa: ANN001
    with pytest.raises(ClockSkew, match="отстают от сервера на 20 мин"):
        client(config, -1200)


def test_a_client_one_day_ahead_is_refused_and_todays_waiting_tickets_stay_waiting(config, real_office) -> None:  # noqa: ANN001
    a = staff(real_office, 1)
    regular = real_office.issue_ticket("payments", actor=API)
    svo = real_office.issue_ticket("payments", "svo", actor=API)
    before = events(real_office)
    ahead, source = client(config)  # its clock was right at start, then jumped a day ahead
    source.offset_s = DAY
    for act in (lambda: ahead.issue_ticket("payments", actor=API),
                lambda: ahead.issue_ticket("recalc", "svo", actor=a[1]),
                lambda: ahead.call_next(a[1]),
                lambda: ahead.cancel(a[1], regular.id, "проверка")):
        with pytest.raises(ClockSkew, match="спешат относительно сервера на 24 ч"):
            act()
    assert [real_office.ticket(t.id).status for t in (regular, svo)] == [TicketStatus.WAITING] * 2
    assert events(real_office) == before  # no expiry, no event from tomorrow
    assert real_office.call_next(a[1]).ticket.id == svo.id
    ahead.db.dispose()


def test_expiry_follows_the_database_date_even_for_a_client_allowed_a_day_of_skew(backend, config,  # noqa: ANN001
                                                                                   real_office) -> None:
    pg_only(backend)
    waiting = real_office.issue_ticket("payments", "svo", actor=API)
    ahead, _ = client(config, DAY, clock_skew_max_s=2 * DAY)
    ticket = ahead.issue_ticket("payments", actor=API)
    now = datetime.now(UTC)
    assert ticket.day == waiting.day  # the day of record, not the client's tomorrow
    assert abs(ticket.issued_at - now) < timedelta(minutes=1)
    assert real_office.ticket(waiting.id).status == TicketStatus.WAITING
    assert all(at <= now + timedelta(minutes=1) for _, _, at in events(real_office))
    ahead.db.dispose()


def test_a_kiosk_twenty_minutes_slow_cannot_get_ahead_of_older_tickets(backend, config, real_office) -> None:  # noqa: ANN001
    pg_only(backend)
    a = staff(real_office, 1)
    older = [real_office.issue_ticket("payments", actor=API) for _ in range(2)]
    slow, source = client(config)
    source.offset_s = -1200
    with pytest.raises(ClockSkew, match="отстают от сервера на 20 мин"):
        slow.issue_ticket("payments", actor=API)
    lenient, _ = client(config, -1200, clock_skew_max_s=3600)  # even when allowed to write, it keeps its place
    late = lenient.issue_ticket("payments", actor=API)
    assert late.issued_at > max(t.issued_at for t in older)
    called = []
    for _ in range(3):
        call = real_office.call_next(a[1])
        called.append(call.ticket.id)
        real_office.finish(a[1], call.ticket.id)
    assert called == [*(t.id for t in older), late.id]
    slow.db.dispose()
    lenient.db.dispose()


def test_no_negative_wait_walk_or_service_after_skewed_windows_tried_to_act(config, real_office) -> None:  # noqa: ANN001
    a = staff(real_office, 1)
    tickets = [real_office.issue_ticket("payments", actor=API) for _ in range(3)]
    window, source = client(config)  # window 1's terminal, 40 minutes slow once it runs
    source.offset_s = -2400
    first = real_office.call_next(a[1]).ticket
    for act in (lambda: window.start(a[1], first.id), lambda: window.finish(a[1], first.id),
                lambda: window.call_next(a[1]), lambda: window.recall(a[1], first.id)):
        with pytest.raises(ClockSkew, match="отстают от сервера на 40 мин"):
            act()
    real_office.finish(a[1], first.id)
    for _ in tickets[1:]:
        real_office.finish(a[1], real_office.call_next(a[1]).ticket.id)
    report = compute_report(real_office, tickets[0].day.isoformat(), rollup=False)
    m = report.total
    assert m.served == 3
    assert min(v for v in (m.wait_mean_s, m.wait_max_s, m.walk_mean_s, m.service_mean_s) if v is not None) >= 0
    assert report.priority_audit.ok
    window.db.dispose()


def test_instants_of_one_office_follow_the_order_its_lock_is_taken(backend, config, real_office) -> None:  # noqa: ANN001
    pg_only(backend)
    released = {}

    def hold_the_office_lock() -> None:
        with real_office.db.write() as s:
            s.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": OFFICE_LOCK_BASE + real_office.catalog.office_id})
            time.sleep(0.5)
            released["at"] = s.execute(sa.text("SELECT clock_timestamp()")).scalar_one()

    holder = threading.Thread(target=hold_the_office_lock)
    holder.start()
    time.sleep(0.2)
    ticket = real_office.issue_ticket("payments", actor=API)  # waits for the lock, then reads the time
    holder.join()
    assert ticket.issued_at >= released["at"]


def test_a_client_a_day_ahead_cannot_close_today_for_reports(config, real_office) -> None:  # noqa: ANN001
    a = staff(real_office, 1)
    ticket = real_office.issue_ticket("payments", actor=API)
    real_office.finish(a[1], real_office.call_next(a[1]).ticket.id)  # nothing open: today looks over
    ahead, source = client(config)
    source.offset_s = DAY
    with pytest.raises(ClockSkew):
        compute_report(ahead, ticket.day.isoformat())
    with real_office.db.read() as s:
        assert s.execute(sa.text("SELECT count(*) FROM audit_day")).scalar() == 0  # today not rolled up
    ahead.db.dispose()
