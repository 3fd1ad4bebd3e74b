"""Rolled-up office-days: a closed day is computed once into ``ticket_fact`` and ``audit_day``, and a
report read from those rows says exactly what the live report (``rollup=False``) says.

A day is closed when it is before the office-local date of "now" and none of its tickets is still
open; a day whose waiting tickets have not been expired yet, and today, stay live.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from queue_core.db import Database
from queue_core.domain import Actor, DomainError
from queue_core.models import AuditDay, Ticket, TicketFact
from queue_core.reports import compute_report
from queue_core.reports.model import GROUPINGS
from queue_core.reports.rollup import roll_up
from tests.conftest import OMSK, staff
from tests.reports.test_hand_built_day import OUT_OF_TURN, TOTAL, build_day
from tests.reports.test_periods_and_audit import skip_a_waiting_svo_visitor

MONDAY = date(2025, 10, 6)
TUESDAY = MONDAY + timedelta(days=1)
ALL = list(GROUPINGS)


def local(d: date, hhmm: str) -> datetime:
    return datetime.combine(d, time.fromisoformat(hhmm), OMSK)


def as_json(report) -> dict:  # noqa: ANN001
    data = report.to_json()
    data.pop("generated_at")
    return data


def rolled_days(svc) -> dict[date, int]:  # noqa: ANN001
    """office-day -> number of audit_day rows for it (only one office in these tests)."""
    ad = AuditDay.__table__
    with svc.db.read() as s:
        rows = s.connection().execute(sa.select(ad.c.day, sa.func.count()).group_by(ad.c.day)).all()
    return {_d(day): n for day, n in rows}


def audit_row(svc, day: date):  # noqa: ANN001, ANN201
    ad = AuditDay.__table__
    with svc.db.read() as s:
        return s.connection().execute(sa.select(ad).where(ad.c.day == day)).mappings().one_or_none()


def fact_count(svc, day: date | None = None) -> int:  # noqa: ANN001
    tf = TicketFact.__table__
    q = sa.select(sa.func.count()).select_from(tf)
    if day is not None:
        q = q.where(tf.c.day == day)
    with svc.db.read() as s:
        return s.connection().execute(q).scalar_one()


def ticket_count(svc, day: date) -> int:  # noqa: ANN001
    t = Ticket.__table__
    with svc.db.read() as s:
        return s.connection().execute(sa.select(sa.func.count()).select_from(t).where(t.c.day == day)).scalar_one()


def _d(v) -> date:  # noqa: ANN001
    return v if isinstance(v, date) else date.fromisoformat(str(v))


def outcomes(m) -> int:  # noqa: ANN001
    return m.served + m.no_show + m.cancelled + m.expired


# --- 1 ------------------------------------------------------------------------------------------
def test_a_rich_day_reads_the_same_from_its_rolled_up_rows_as_live(service, clock) -> None:  # noqa: ANN001
    build_day(service, clock)  # ends on Tuesday 08:00:05 with an issue that expires Monday's Б-005
    assert clock.today() == TUESDAY

    live = compute_report(service, MONDAY.isoformat(), by=ALL, rollup=False)
    assert rolled_days(service) == {} and fact_count(service) == 0  # rollup=False stores nothing
    rolling = compute_report(service, MONDAY.isoformat(), by=ALL)
    stored = compute_report(service, MONDAY.isoformat(), by=ALL)

    assert as_json(live) == as_json(rolling) == as_json(stored)
    # …and it is the day worked out by hand, not merely the same mistake three times.
    assert stored.total.to_json() == pytest.approx(TOTAL, abs=1e-3)
    assert stored.out_of_turn.to_json() == pytest.approx(OUT_OF_TURN, abs=1e-3)
    assert stored.priority_audit.calls == 22 and stored.priority_audit.ok
    assert set(stored.groups) == set(GROUPINGS)

    assert ticket_count(service, MONDAY) == 20
    assert fact_count(service, MONDAY) == 20 and fact_count(service) == 20  # Tuesday (today) is not in it
    assert rolled_days(service) == {MONDAY: 1}
    row = audit_row(service, MONDAY)
    assert row["tickets"] == 20 and row["violations"] == 0 and row["deviations"] == 0
    assert sum(row["calls_by_rule"].values()) == 22

    # A month mixes rolled-up days (Monday and the empty days before it) with live Tuesday.
    month_live = compute_report(service, "2025-10", by=ALL, rollup=False)
    month = compute_report(service, "2025-10", by=ALL)
    assert as_json(month) == as_json(month_live)
    assert month.total.issued == 21 and month.total.expired == 1
    assert rolled_days(service) == {date(2025, 10, d): 1 for d in range(1, 7)}
    assert fact_count(service) == 20


# --- 2 ------------------------------------------------------------------------------------------
def test_a_past_day_with_open_tickets_stays_live_until_they_expire(service, clock) -> None:  # noqa: ANN001
    a = staff(service, 1)
    service.issue_ticket("payments")                            # А-001: served
    clock.advance(60)
    service.issue_ticket("payments")                            # А-002: left waiting
    clock.advance(60)
    service.issue_ticket("recalc", "svo")                       # Б-001: left waiting
    clock.advance(60)
    assert service.call_next(a[1]).ticket.code == "Б-001"       # out of turn…
    service.postpone(a[1], "Б-001", minutes=10)                 # …and put aside: postponed overnight
    assert service.call_next(a[1]).ticket.code == "А-001"
    clock.advance(120)
    service.finish(a[1], "А-001", rating=5)

    clock.set(local(TUESDAY, "08:30"))                          # nothing has touched Tuesday's queue yet
    before = compute_report(service, MONDAY.isoformat(), by=["service", "day"])
    assert audit_row(service, MONDAY) is None and fact_count(service) == 0
    assert before.total.issued == 3 and before.total.served == 1
    assert before.total.expired == 0 and outcomes(before.total) == 1  # two tickets in no outcome
    assert before.total.target_base == 2  # the served one and Б-001 (called); the waiting one is not counted
    assert as_json(before) == as_json(compute_report(service, MONDAY.isoformat(), by=["service", "day"],
                                                     rollup=False))

    service.issue_ticket("payments")                            # Tuesday's first action expires Monday's
    after = compute_report(service, MONDAY.isoformat(), by=["service", "day"])
    row = audit_row(service, MONDAY)
    assert row is not None and row["tickets"] == 3
    assert fact_count(service, MONDAY) == 3
    assert after.total.issued == 3 and after.total.served == 1 and after.total.expired == 2
    assert outcomes(after.total) == 3
    # А-002 expired at 17:00 after waiting past its 10 min target: a miss in the denominator.
    assert after.total.target_base == 3 and after.total.within_target == 2
    assert as_json(after) == as_json(compute_report(service, MONDAY.isoformat(), by=["service", "day"],
                                                    rollup=False))


# --- 3 ------------------------------------------------------------------------------------------
def test_today_is_never_rolled_up_even_when_every_ticket_is_finished(service, clock) -> None:  # noqa: ANN001
    a = staff(service, 1)
    service.issue_ticket("payments")
    service.call_next(a[1])
    clock.advance(300)
    service.finish(a[1], "А-001", rating=4)

    today = compute_report(service, MONDAY.isoformat(), by=["service"])
    assert today.total.issued == 1 and today.total.served == 1 and today.total.rating_count == 1
    assert rolled_days(service) == {} and fact_count(service) == 0
    assert roll_up(service.db, MONDAY, MONDAY, now=clock.now()) == 0

    # 23:59 in Omsk is still Monday (17:59 UTC).
    clock.set(local(MONDAY, "23:59"))
    month = compute_report(service, "2025-10", by=["day"])
    assert month.total.served == 1
    assert MONDAY not in rolled_days(service) and fact_count(service) == 0
    assert set(rolled_days(service)) == {date(2025, 10, d) for d in range(1, 6)}  # the empty days before it

    # 00:01 on Tuesday in Omsk (18:01 UTC, still Monday in UTC): Monday is over, nothing is open.
    clock.set(local(TUESDAY, "00:01"))
    over = compute_report(service, MONDAY.isoformat(), by=["service"])
    assert rolled_days(service)[MONDAY] == 1 and fact_count(service, MONDAY) == 1
    assert as_json(over) == as_json(today)


def test_a_rating_given_after_the_day_was_rolled_up_reaches_the_report(service, clock) -> None:  # noqa: ANN001
    a = staff(service, 1)
    ticket = service.issue_ticket("payments")
    service.call_next(a[1])
    clock.advance(300)
    service.finish(a[1], ticket.code)
    clock.set(local(TUESDAY, "09:00"))  # a report from a clock a day ahead rolls Monday up
    before = compute_report(service, MONDAY.isoformat())
    assert before.total.rating_count == 0 and fact_count(service, MONDAY) == 1  # Monday is rolled up
    visitor = Actor.visitor(ticket.id)
    with pytest.raises(DomainError, match="закрыт"):
        service.rate(visitor, ticket.id, 5)  # on Tuesday Monday's visit may no longer be rated

    clock.set(local(MONDAY, "09:10"))  # the day of record is still Monday
    service.rate(visitor, ticket.id, 5)  # the visitor rates after the day was rolled up (by the ticket's id)
    assert MONDAY not in rolled_days(service)  # invalidated in the same transaction
    clock.set(local(TUESDAY, "09:00"))
    after = compute_report(service, MONDAY.isoformat())
    assert after.total.rating_count == 1 and after.total.rating_mean == 5.0
    assert as_json(after) == as_json(compute_report(service, MONDAY.isoformat(), rollup=False))


def test_a_report_that_may_not_write_its_rollups_computes_live(service, clock, monkeypatch, caplog) -> None:  # noqa: ANN001
    import queue_core.reports.compute as compute

    a = staff(service, 1)
    ticket = service.issue_ticket("payments")
    service.call_next(a[1])
    clock.advance(300)
    service.finish(a[1], ticket.code, rating=5)
    clock.set(local(TUESDAY, "09:00"))

    def denied(*_a, **_k):  # noqa: ANN002, ANN003, ANN202 - as PostgreSQL answers a read-only user
        raise sa.exc.ProgrammingError("INSERT INTO ticket_fact …", {}, Exception("permission denied"))

    monkeypatch.setattr(compute, "roll_up", denied)
    report = compute_report(service, MONDAY.isoformat())
    assert report.total.issued == 1 and report.total.served == 1 and report.total.rating_count == 1
    assert report.priority_audit.calls == 1 and fact_count(service) == 0
    assert "посчитано напрямую" in caplog.text


# --- 4 ------------------------------------------------------------------------------------------
def _three_days(svc, clock) -> dict[date, int]:  # noqa: ANN001
    """Mon–Wed with 3, 1 and 2 tickets, one served each day (the rest expire), now Thursday 09:00 after an
    issue that expired Wednesday's; returns the tickets of each day."""
    a = staff(svc, 1)
    days = {}
    for i, n in enumerate((3, 1, 2)):
        d = MONDAY + timedelta(days=i)
        clock.set(local(d, "09:00"))
        a[1] = svc.login(1, "op1", "1234").actor  # the PIN again each morning (a session lasts 12 h)
        for k in range(n):
            svc.issue_ticket("payments" if k % 2 == 0 else "recalc")
            clock.advance(30)
        got = svc.call_next(a[1])
        clock.advance(200)
        svc.finish(a[1], got.ticket.code)
        days[d] = n
    clock.set(local(MONDAY + timedelta(days=3), "09:00"))
    svc.issue_ticket("payments")
    return days


def test_rolling_up_twice_or_from_a_second_connection_writes_each_day_once(service, clock) -> None:  # noqa: ANN001
    days = _three_days(service, clock)
    week_end = MONDAY + timedelta(days=6)
    other = Database(service.db.url)
    try:
        assert roll_up(service.db, MONDAY, week_end, now=clock.now()) == 3  # Mon–Wed; Thursday is today
        assert roll_up(service.db, MONDAY, week_end, now=clock.now()) == 0
        assert roll_up(other, MONDAY, week_end, now=clock.now()) == 0
        assert rolled_days(service) == {d: 1 for d in days}
        for d, n in days.items():
            assert fact_count(service, d) == n == audit_row(service, d)["tickets"]
        assert fact_count(service) == 6

        # A wider period rolls up only what is new: the empty days before Monday.
        assert roll_up(other, date(2025, 10, 1), week_end, now=clock.now()) == 5
        assert roll_up(service.db, date(2025, 10, 1), week_end, now=clock.now()) == 0
        assert sorted(rolled_days(service)) == [date(2025, 10, d) for d in range(1, 9)]
        assert set(rolled_days(service).values()) == {1} and fact_count(service) == 6
        assert all(audit_row(service, date(2025, 10, d))["tickets"] == 0 for d in range(1, 6))
    finally:
        other.dispose()
    week = compute_report(service, "2025-10", by=["day"])
    assert week.total.issued == 7 and week.total.served == 3 and week.total.expired == 3
    assert as_json(week) == as_json(compute_report(service, "2025-10", by=["day"], rollup=False))


def test_two_connections_rolling_up_at_once_write_each_day_once(service, clock) -> None:  # noqa: ANN001
    days = _three_days(service, clock)
    dbs = [Database(service.db.url) for _ in range(2)]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(db: Database) -> None:
        try:
            start.wait()
            roll_up(db, MONDAY, MONDAY + timedelta(days=6), now=clock.now())
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(db,)) for db in dbs]
    try:
        for th in threads:
            th.start()
        for th in threads:
            th.join(60)
    finally:
        for db in dbs:
            db.dispose()
    assert errors == []
    assert rolled_days(service) == {d: 1 for d in days}
    assert fact_count(service) == sum(days.values())


# --- 5 ------------------------------------------------------------------------------------------
def test_the_audit_of_a_rolled_up_day_keeps_its_findings(service, clock) -> None:  # noqa: ANN001
    a = staff(service, 1)
    planted_at = skip_a_waiting_svo_visitor(service, clock)            # 09:02: window 1 skips А-002 (СВО)
    clock.advance(60)
    service.finish(a[1], "А-001")
    assert service.call_next(a[1]).ticket.code == "А-002"
    clock.advance(120)
    service.finish(a[1], "А-002")

    # Tuesday: the same planted call again, on a day that is still today (live).
    clock.set(local(TUESDAY, "09:00"))
    skip_a_waiting_svo_visitor(service, clock)

    live = compute_report(service, MONDAY.isoformat(), rollup=False).priority_audit
    rolled = compute_report(service, MONDAY.isoformat()).priority_audit
    stored = compute_report(service, MONDAY.isoformat()).priority_audit
    row = audit_row(service, MONDAY)
    assert row is not None and row["violations"] == 1 and row["deviations"] == 1

    assert live.to_json() == rolled.to_json() == stored.to_json()
    assert not stored.ok and stored.calls == 2
    assert stored.out_of_turn_violations == 1 and stored.policy_deviations == 1
    kinds = [(f.kind, f.ticket, f.ahead, f.window, f.day, f.rule) for f in stored.findings]
    assert kinds == [("out_of_turn_violation", "А-001", "А-002", 1, MONDAY, "longest_wait"),
                     ("policy_deviation", "А-001", "А-002", 1, MONDAY, "longest_wait")]
    assert all(f.at == planted_at for f in stored.findings)

    # Two days together: Monday from audit_day, Tuesday replayed; the same as all live.
    both = compute_report(service, "2025-10").priority_audit
    both_live = compute_report(service, "2025-10", rollup=False).priority_audit
    assert both.to_json() == both_live.to_json()
    assert both.out_of_turn_violations == 2 and both.policy_deviations == 2
    assert [(f.kind, f.day) for f in both.findings] == [
        ("out_of_turn_violation", MONDAY), ("out_of_turn_violation", TUESDAY),
        ("policy_deviation", MONDAY), ("policy_deviation", TUESDAY)]
    assert TUESDAY not in rolled_days(service)


# --- a live day before a rolled-up one ---------------------------------------------------------
def test_a_day_left_open_before_a_rolled_up_day_is_counted_once(service, clock) -> None:  # noqa: ANN001
    """Monday ends with a visitor still called at window 1 (called tickets are never expired): Monday
    stays live for good, while Tuesday after it is rolled up. Neither may be counted twice."""
    a = staff(service, 1)
    service.issue_ticket("payments")                                   # Monday А-001
    clock.advance(60)
    service.issue_ticket("payments")                                   # Monday А-002
    service.call_next(a[1])
    clock.advance(60)
    service.finish(a[1], "А-001", rating=5)
    service.call_next(a[1])                                            # А-002 stays called overnight

    clock.set(local(TUESDAY, "09:00"))
    a[1] = service.login(1, "op1", "1234").actor                      # Monday's session has expired (12 h)
    skip_a_waiting_svo_visitor(service, clock)                         # Tuesday А-001 called before А-002 (СВО)
    clock.advance(60)
    service.finish(a[1], "А-001", rating=3)
    service.call_next(a[1])
    clock.advance(60)
    service.finish(a[1], "А-002", rating=4)

    clock.set(local(TUESDAY + timedelta(days=1), "09:00"))
    service.issue_ticket("recalc")                                     # Wednesday: expires nothing
    both = compute_report(service, "2025-10", by=["day", "service", "category"])
    assert rolled_days(service).get(TUESDAY) == 1 and MONDAY not in rolled_days(service)
    assert fact_count(service) == 2                                    # Tuesday's two tickets

    assert as_json(both) == as_json(compute_report(service, "2025-10", by=["day", "service", "category"],
                                                   rollup=False))
    assert {g.key: g.metrics.issued for g in both.groups["day"]} == {"2025-10-06": 2, "2025-10-07": 2,
                                                                     "2025-10-08": 1}
    assert both.total.issued == 5 and both.total.served == 3 and both.total.rating_count == 3
    assert both.out_of_turn.count == 1
    audit = both.priority_audit
    assert audit.calls == 4 and audit.out_of_turn_violations == 1 and audit.policy_deviations == 1
