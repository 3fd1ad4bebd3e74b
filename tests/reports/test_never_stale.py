"""A report is never stale: whatever is written into an office-day after it was rolled up — a ticket
issued at a past instant, a call, a finish, a late rating, an expiry, a whole simulated day from
``talon demo`` — the next report from rollups says exactly what the live computation says.

The invalidation lives in the database (migration 0003), so these tests write through the ordinary
service layer and the demo, as an office would, and compare against ``rollup=False``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from queue_core import FixedClock
from queue_core.clock import as_utc
from queue_core.demo import DEMO_ADMIN, DEMO_PIN, run_demo
from queue_core.domain import Actor, DomainError
from queue_core.models import AuditDay, Ticket
from queue_core.reports import compute_report
from tests.conftest import OMSK, event_log_writable, staff

SEPTEMBER = "2025-09"
OCTOBER = "2025-10"
# "Now" for the property test: Monday 20 October 2025, 09:00 in Omsk; the office-days written into
# are the weekdays of 1–17 October, all of them in the past.
NOW = datetime(2025, 10, 20, 9, 0, tzinfo=OMSK)
PAST_DAYS = [d for d in (date(2025, 10, 1) + timedelta(days=i) for i in range(17)) if d.weekday() < 5]


def as_json(report) -> dict:  # noqa: ANN001
    data = report.to_json()
    data.pop("generated_at")
    return data


def assert_rollups_match_live(svc, period: str) -> dict:  # noqa: ANN001
    """The report read from rollups (rolling up what is closed first) equals the live one; returns it."""
    rolled = as_json(compute_report(svc, period, by=("day", "service", "category"), rollup=True))
    live = as_json(compute_report(svc, period, by=("day", "service", "category"), rollup=False))
    assert rolled == live
    return rolled


def rolled_up_days(svc) -> set[date]:  # noqa: ANN001
    ad = AuditDay.__table__
    with svc.db.read() as s:
        return {d if isinstance(d, date) else date.fromisoformat(str(d))
                for d in s.connection().execute(sa.select(ad.c.day)).scalars()}


def tickets_on(svc, day: date) -> int:  # noqa: ANN001
    t = Ticket.__table__
    with svc.db.read() as s:
        return s.connection().execute(sa.select(sa.func.count()).select_from(t).where(t.c.day == day)).scalar_one()


def test_a_demo_run_into_days_an_earlier_report_closed_shows_in_the_next_report(service, config) -> None:  # noqa: ANN001
    """The reproduction: a report closes every empty day of a month, the demo then fills two of
    them — the next report counts those tickets (it said «Выдано 0» before)."""
    first = assert_rollups_match_live(service, SEPTEMBER)
    assert first["total"]["issued"] == 0
    assert date(2025, 9, 30) in rolled_up_days(service)  # the empty days are rolled up

    demo = run_demo(config, days=2, seed=3, until=date(2025, 9, 30), volume=0.15)
    assert demo.tickets > 0

    second = assert_rollups_match_live(service, SEPTEMBER)
    assert second["total"]["issued"] == demo.tickets == sum(tickets_on(service, d) for d in demo.days)


def test_a_late_rating_and_a_ticket_issued_at_a_past_instant_reach_the_report(service, clock) -> None:  # noqa: ANN001
    """A client whose clock says last week issues into a closed day; a visitor rates a visit whose day a
    report (from a clock ahead of it) has closed already. A visit is rated on its own day only."""
    a = staff(service, 3)
    clock.set(datetime(2025, 10, 1, 10, 0, tzinfo=OMSK))
    service.issue_ticket("recalc")
    called = service.call_next(a[3])
    service.finish(a[3], called.ticket.code)
    clock.set(NOW)
    before = assert_rollups_match_live(service, OCTOBER)
    assert date(2025, 10, 1) in rolled_up_days(service)
    visitor = Actor.visitor(called.ticket.id)
    with pytest.raises(DomainError, match="закрыт"):
        service.rate(visitor, called.ticket.id, 2)  # the day of record is long past: refused

    clock.set(datetime(2025, 10, 1, 11, 0, tzinfo=OMSK))  # a wrong clock: its "today" is the closed day
    service.rate(visitor, called.ticket.id, 2)  # the day was rolled up: the rating must not be lost
    assert date(2025, 10, 1) not in rolled_up_days(service)  # invalidated in the same transaction
    clock.set(NOW)
    assert_rollups_match_live(service, OCTOBER)
    assert date(2025, 10, 1) in rolled_up_days(service)  # rolled up again, with the rating
    clock.set(datetime(2025, 10, 1, 11, 0, tzinfo=OMSK))
    service.issue_ticket("payments")  # a wrong clock writes into the closed day
    assert date(2025, 10, 1) not in rolled_up_days(service)  # invalidated in the same transaction
    clock.set(NOW)
    after = assert_rollups_match_live(service, OCTOBER)
    assert after["total"]["issued"] == before["total"]["issued"] + 1
    assert after["total"]["rating_count"] == before["total"]["rating_count"] + 1


def test_the_demo_refuses_while_a_window_is_open_and_says_what_to_do(service, config) -> None:  # noqa: ANN001
    staff(service, 1)
    with pytest.raises(DomainError) as refused:
        run_demo(config, days=1, until=date(2025, 9, 30), volume=0.1)
    message = str(refused.value)
    assert "Окно 1" in message and "Оператор 1" in message and "talon logout" in message
    assert tickets_on(service, date(2025, 9, 30)) == 0


# --- the property: any sequence of reports and writes into past days ------------------------------
day = st.sampled_from(PAST_DAYS)
minute = st.integers(min_value=0, max_value=7 * 60)  # 09:00–16:00 local
step = st.one_of(
    st.tuples(st.just("report")),
    st.tuples(st.just("issue"), day, minute, st.sampled_from(["payments", "recalc", "contracts"]),
              st.sampled_from(["regular", "regular", "svo", "disabled"])),
    st.tuples(st.just("serve"), day, minute, st.sampled_from([None, 1, 4, 5])),
    st.tuples(st.just("rate"), st.integers(min_value=1, max_value=5)),
    st.tuples(st.just("expire")),
    st.tuples(st.just("demo"), day),
)


class PastDayWriter:
    """Writes into past office-days the way an office (or a client with a wrong clock) would."""

    def __init__(self, svc, config, clock: FixedClock) -> None:  # noqa: ANN001
        self.svc, self.config, self.clock = svc, config, clock
        self.seed = 0

    def at(self, d: date, minutes: int) -> None:
        self.clock.set(datetime.combine(d, time(9, 0), OMSK) + timedelta(minutes=minutes))

    def run(self, name: str, *args) -> None:  # noqa: ANN002
        getattr(self, name)(*args)
        self.clock.set(NOW)

    def report(self) -> None:
        pass  # every step is followed by the comparison

    def issue(self, d: date, minutes: int, service: str, category: str) -> None:
        self.at(d, minutes)
        self.svc.issue_ticket(service, category)

    def serve(self, d: date, minutes: int, rating: int | None) -> None:
        self.at(d, minutes)
        op3 = self.svc.login(3, "op3", "1234").actor
        try:
            called = self.svc.call_next(op3)
            if called is not None:
                self.svc.finish(op3, called.ticket.code, rating=rating)
        finally:
            self.svc.logout(op3, force=True)

    def rate(self, rating: int) -> None:
        t = Ticket.__table__
        with self.svc.db.read() as s:
            row = s.connection().execute(sa.select(t.c.id, t.c.finished_at).where(
                t.c.status == "done", t.c.rating.is_(None)).order_by(t.c.id).limit(1)).first()
        if row is not None:  # a visit may be rated on its own day only: the visitor rates as it ends
            self.clock.set(as_utc(row.finished_at))
            self.svc.rate(Actor.visitor(row.id), row.id, rating)

    def expire(self) -> None:
        self.svc.issue_ticket("payments")  # the first touch of the queue today expires the past days

    def demo(self, d: date) -> None:
        if tickets_on(self.svc, d) == 0:
            self.seed += 1
            run_demo(self.config, days=1, seed=self.seed, until=d, volume=0.05)


def demo_admin(svc) -> Actor:  # noqa: ANN001
    """The office's admin is the demo's own (``talon demo`` makes its operators through it and refuses
    a database whose admin is another), so the demo steps below can run in the same database."""
    try:
        svc.add_operator(Actor.system(), DEMO_ADMIN, "Администратор демо", "admin", DEMO_PIN)
    except DomainError:
        pass  # made already (by an earlier example or by the demo)
    return svc.authenticate(DEMO_ADMIN, DEMO_PIN).actor


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=6))
def test_after_any_writes_into_past_days_the_report_from_rollups_equals_the_live_one(
        service, config, clock, steps) -> None:  # noqa: ANN001
    """Examples share one database, so later ones write into days that earlier ones rolled up."""
    boss = demo_admin(service)
    if "op3" not in {o.login for o in service.list_operators(boss)}:
        service.add_operator(boss, "op3", "Оператор 3", "operator", "1234")
    writer = PastDayWriter(service, config, clock)
    clock.set(NOW)
    for s in steps:
        writer.run(*s)
        assert_rollups_match_live(service, OCTOBER)


def test_a_report_from_a_clock_a_day_ahead_does_not_freeze_today(service, clock) -> None:  # noqa: ANN001
    """A supervisor PC one day ahead rolls up what it thinks is yesterday: the real today. The next
    ticket of today invalidates that rollup, and every later report counts it."""
    a = staff(service, 3)
    service.issue_ticket("recalc")
    called = service.call_next(a[3])
    service.finish(a[3], called.ticket.code)
    today = clock.today()
    clock.advance(days=1)
    assert_rollups_match_live(service, OCTOBER)
    assert today in rolled_up_days(service)
    clock.advance(days=-1)
    service.issue_ticket("payments")
    assert today not in rolled_up_days(service)
    assert assert_rollups_match_live(service, OCTOBER)["total"]["issued"] == 2


def test_deleting_a_ticket_of_a_rolled_up_day_deletes_it_and_invalidates_the_day(service, clock) -> None:  # noqa: ANN001
    """A clean-up by hand (or a retention job) removes the ticket, its facts and the day's rollup."""
    desk = staff(service, 0)[0]
    ticket = service.issue_ticket("payments", "regular")
    service.cancel(desk, ticket.id, "ушёл")
    clock.advance(days=1)
    assert_rollups_match_live(service, OCTOBER)
    day = ticket.issued_at.astimezone(OMSK).date()
    assert day in rolled_up_days(service)
    with service.db.write() as s, event_log_writable(s):  # the log refuses deletes: a repair by its owner
        s.execute(sa.text("DELETE FROM ticket_event WHERE ticket_id = :t"), {"t": ticket.id})
        s.execute(sa.text("DELETE FROM ticket WHERE id = :t"), {"t": ticket.id})
    assert tickets_on(service, day) == 0
    assert day not in rolled_up_days(service)
    assert assert_rollups_match_live(service, OCTOBER)["total"]["issued"] == 0
