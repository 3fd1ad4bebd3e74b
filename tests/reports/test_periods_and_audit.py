"""Local dates at the Omsk midnight, a quarter across months, and the audit catching a planted call."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlmodel import select

from queue_core.domain import Actor, EventKind
from queue_core.eventlog import Chain
from queue_core.models import Ticket, TicketEvent
from queue_core.reports import Period, PeriodError, compute_report, parse_period
from queue_core.reports.text import render_table
from tests.conftest import OMSK, staff


def local(d: date, hhmm: str) -> datetime:
    return datetime.combine(d, time.fromisoformat(hhmm), OMSK)


def test_periods_are_read_as_a_person_writes_them() -> None:
    q = parse_period("2025Q4")
    assert (q.start, q.end, q.label) == (date(2025, 10, 1), date(2025, 12, 31), "4 квартал 2025")
    assert parse_period("2025-q1").end == date(2025, 3, 31)
    assert (parse_period("2024-02").end, parse_period("2024-02").label) == (date(2024, 2, 29), "февраль 2024")
    assert parse_period("06.10.2025") == Period.day(date(2025, 10, 6))
    with pytest.raises(PeriodError, match="2025Q4"):
        parse_period("вчера")


def test_a_ticket_counts_for_the_office_local_day_at_the_omsk_midnight(service, clock) -> None:  # noqa: ANN001
    # 23:50 Monday and 00:10 Tuesday in Omsk are both Monday in UTC (17:50 and 18:10).
    clock.set(local(date(2025, 10, 6), "23:50"))
    late = service.issue_ticket("payments", actor=Actor.api("api"))
    clock.set(local(date(2025, 10, 7), "00:10"))
    early = service.issue_ticket("recalc", actor=Actor.api("api"))
    assert late.issued_at.date() == early.issued_at.date() == date(2025, 10, 6)
    monday = compute_report(service, "2025-10-06", by=["hour", "service"], audit=False)
    tuesday = compute_report(service, "2025-10-07", by=["hour", "service"], audit=False)
    assert monday.total.issued == 1 and [g.key for g in monday.groups["hour"]] == ["23"]
    assert [g.key for g in monday.groups["service"]] == ["payments"]
    assert tuesday.total.issued == 1 and [g.key for g in tuesday.groups["hour"]] == ["00"]
    assert [g.key for g in tuesday.groups["service"]] == ["recalc"]


def test_a_quarter_spans_its_three_months_and_nothing_else(service, clock) -> None:  # noqa: ANN001
    for d, n in ((date(2025, 9, 30), 1), (date(2025, 10, 6), 2), (date(2025, 11, 3), 3), (date(2025, 12, 31), 1),
                 (date(2026, 1, 5), 4)):
        clock.set(local(d, "10:00"))
        for _ in range(n):
            service.issue_ticket("payments", actor=Actor.api("api"))
    q4 = compute_report(service, "2025Q4", by=["day"], audit=False)
    assert q4.total.issued == 6
    assert {g.key: g.metrics.issued for g in q4.groups["day"]} == {"2025-10-06": 2, "2025-11-03": 3, "2025-12-31": 1}
    assert q4.groups["day"][0].label == "06.10.2025 пн"
    assert compute_report(service, "2025-11", audit=False).total.issued == 3
    # Waiting tickets of past days expired when the next day began: each is a miss in the denominator.
    assert q4.total.expired == 6 and q4.total.target_base == 6 and q4.total.within_target_pct == 0.0


def plant_call(svc, code: str, window: int, rule: str, at: datetime) -> None:  # noqa: ANN001
    """A `called` event of today's ticket ``code`` written straight into the log, as a buggy or forged
    client would."""
    with svc.db.write() as s:
        t = s.exec(select(Ticket).where(Ticket.code == code, Ticket.day == svc.clock.today())).one()
        t.status, t.called_at = "called", at
        t.window_id = svc.catalog.windows[window].id
        s.add(Chain.of(s, t.office_id).seal(TicketEvent(  # chained like any event: the log only checks its form
            ticket_id=t.id, kind=EventKind.CALLED, at=at, office_id=t.office_id, window_id=t.window_id,
            data={"rule": rule, "reason": "ожидает дольше всех", "category": "regular", "service": "payments"})))


def skip_a_waiting_svo_visitor(svc, clock) -> datetime:  # noqa: ANN001
    """А-001 (regular) and then А-002 (СВО) wait for payments; window 1 calls А-001 anyway, by a
    `called` event planted in the log. Returns the instant of that call."""
    svc.issue_ticket("payments")                                       # А-001, regular
    clock.advance(60)
    svc.issue_ticket("payments", "svo")                                # А-002, СВО, a minute later
    clock.advance(60)
    at = clock.now()
    plant_call(svc, "А-001", 1, "longest_wait", at)
    return at


def test_the_audit_finds_a_call_that_skipped_a_waiting_svo_visitor(service, clock) -> None:  # noqa: ANN001
    staff(service, 1)
    skip_a_waiting_svo_visitor(service, clock)
    audit = compute_report(service, "2025-10-06").priority_audit
    assert not audit.ok
    assert audit.out_of_turn_violations == 1 and audit.policy_deviations == 1
    kinds = [(f.kind, f.ticket, f.ahead, f.window) for f in audit.findings]
    assert kinds == [("out_of_turn_violation", "А-001", "А-002", 1), ("policy_deviation", "А-001", "А-002", 1)]


def test_a_call_by_code_is_counted_apart_with_its_reason(service, clock) -> None:  # noqa: ANN001
    a = staff(service, 1)
    service.issue_ticket("payments")                                   # А-001
    clock.advance(60)
    service.issue_ticket("payments")                                   # А-002
    clock.advance(60)
    service.call_ticket(a[1], "А-002", "вернулся с документом")
    audit = compute_report(service, "2025-10-06").priority_audit
    assert audit.ok  # a call by code is no policy deviation…
    assert audit.exempt["by_code"] == {"calls": 1, "deviations": 1,
                                       "reasons": {"вызов по номеру: вернулся с документом": 1}}
    assert [(f.kind, f.ticket, f.ahead) for f in audit.findings] == [("by_code", "А-002", "А-001")]
    table = render_table(compute_report(service, "2025-10-06"))
    assert "А-002 вызван раньше А-001 (вызов по номеру: вернулся с документом)" in table  # the rule said once
