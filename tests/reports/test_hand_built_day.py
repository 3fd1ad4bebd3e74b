"""One office day built by hand, second by second, whose every KPI is written out below.

The service layer reads its injected FixedClock (the freezegun equivalent for the core), so every
instant is exact. Monday 06.10.2025 in Omsk (UTC+6); windows 0 (informator), 1, 4, 5 open.
Targets: payments 10 min, recalc 15, contracts 20, b2b-billing 15, b2b-contracts 20, svo 5.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from queue_core import FixedClock, open_service
from queue_core.domain import Actor
from queue_core.reports import compute_report
from tests.conftest import MONDAY_9, OMSK, PG_URL, PgSchema, _backends, make_config, staff

DAY = date(2025, 10, 6)


def at(clock, hhmmss: str) -> None:  # noqa: ANN001
    clock.set(datetime.combine(DAY, time.fromisoformat(hhmmss), OMSK))


def build_day(svc, clock) -> None:  # noqa: ANN001
    """20 tickets: every outcome, redirects front and back, postpone + manual and automatic return,
    a declined СВО claim, a direct СВО service at the desk, an implicit start, a wait exactly at
    target, two cancellations (one within, one past its target) and an expiry."""
    at(clock, "07:55:00")
    a = staff(svc, 0, 1, 4, 5)
    by_channel = {"kiosk": Actor.kiosk(), "api": Actor.api("api"), "informator": a[0]}

    def issue(t, service, category="regular", channel="kiosk", code=None):  # noqa: ANN001, ANN202
        at(clock, t)
        ticket = svc.issue_ticket(service, category, actor=by_channel[channel])
        assert code is None or ticket.code == code
        return ticket.code

    def call(t, window, code):  # noqa: ANN001, ANN202
        at(clock, t)
        got = svc.call_next(a[window])
        assert got is not None and got.ticket.code == code, (t, window, got and got.ticket.code)

    def do(t, verb, code, window, **kw):  # noqa: ANN001, ANN202
        at(clock, t)
        return getattr(svc, verb)(a[window], code, **kw)

    issue("08:00:00", "payments", code="А-001")
    issue("08:01:00", "payments", code="А-002")
    issue("08:02:00", "recalc", "svo", code="Б-001")            # claimed at the kiosk
    call("08:03:00", 1, "Б-001")                                # out of turn
    do("08:03:30", "verify_category", "Б-001", 1)
    do("08:03:30", "start", "Б-001", 1)
    do("08:08:30", "finish", "Б-001", 1, rating=5)
    call("08:09:00", 1, "А-001")
    do("08:09:40", "start", "А-001", 1)
    do("08:13:40", "finish", "А-001", 1, rating=4)
    call("08:14:00", 1, "А-002")
    do("08:14:20", "start", "А-002", 1)
    do("08:16:20", "redirect", "А-002", 1, to_service="contracts", position="front")
    call("08:17:00", 4, "А-002")
    do("08:17:30", "start", "А-002", 4)
    do("08:27:30", "finish", "А-002", 4)
    issue("08:20:00", "contracts", code="В-001")
    issue("08:21:00", "b2b-billing", code="Д-001")
    call("08:22:00", 5, "Д-001")
    do("08:22:10", "start", "Д-001", 5)
    do("08:30:10", "finish", "Д-001", 5, rating=3)
    call("08:28:00", 4, "В-001")
    do("08:29:00", "start", "В-001", 4)
    do("08:31:00", "postpone", "В-001", 4, minutes=10)
    at(clock, "08:35:00")
    svc.return_ticket(a[0], "В-001")                            # back early, at the desk
    call("08:36:00", 4, "В-001")
    do("08:36:20", "start", "В-001", 4)
    do("08:46:20", "finish", "В-001", 4, rating=5)
    issue("08:40:00", "payments", "svo", code="А-003")          # claims СВО without a document
    call("08:41:00", 1, "А-003")
    do("08:41:30", "decline_category", "А-003", 1)              # back to the queue as regular
    issue("08:42:00", "payments", code="А-004")
    call("08:43:00", 1, "А-003")                                # original time beats А-004
    do("08:43:20", "start", "А-003", 1)
    do("08:47:20", "finish", "А-003", 1)
    call("08:48:00", 1, "А-004")
    for t in ("08:49:00", "08:50:30", "08:51:00"):              # two recalls, then automatic no-show
        do(t, "recall", "А-004", 1)
    issue("08:50:00", "payments", code="А-005")
    issue("08:52:00", "recalc", code="Б-002")
    at(clock, "08:55:00")
    svc.cancel(a[0], "Б-002", "передумал")                      # left after 3 min: outside the denominator
    issue("09:00:00", "b2b-contracts", "svo", channel="informator", code="Г-001")
    call("09:00:30", 5, "Г-001")
    do("09:01:00", "start", "Г-001", 5)
    do("09:11:00", "finish", "Г-001", 5, rating=5)
    at(clock, "09:02:00")
    assert svc.serve_direct(a[0], "recalc", "svo").ticket.code == "Б-003"
    do("09:07:00", "finish", "Б-003", 0, rating=4)
    at(clock, "09:05:00")
    svc.cancel(a[0], "А-005", "ушёл")                           # left after 15 min > 10: a miss
    issue("09:10:00", "payments", code="А-006")
    call("09:12:00", 1, "А-006")
    do("09:12:30", "start", "А-006", 1)
    issue("09:13:00", "b2b-billing", code="Д-002")
    do("09:14:30", "redirect", "А-006", 1, to_service="b2b-billing", position="back")
    call("09:15:00", 5, "Д-002")                                # "back": Д-002 first
    do("09:15:20", "start", "Д-002", 5)
    do("09:20:20", "finish", "Д-002", 5)
    call("09:21:00", 5, "А-006")
    do("09:21:30", "start", "А-006", 5)
    do("09:31:30", "finish", "А-006", 5, rating=2)
    issue("09:25:00", "payments", code="А-007")
    call("09:40:00", 1, "А-007")                                # 15 min > 10: a miss
    do("09:42:00", "no_show", "А-007", 1)
    issue("10:00:00", "payments", "svo", code="А-008")
    call("10:01:00", 1, "А-008")
    do("10:01:30", "verify_category", "А-008", 1)
    do("10:01:30", "start", "А-008", 1)
    do("10:04:30", "finish", "А-008", 1, rating=5)
    issue("10:10:00", "b2b-billing", "disabled", channel="informator", code="Д-003")
    call("10:10:40", 5, "Д-003")
    do("10:20:40", "finish", "Д-003", 5)                        # no start pressed: implicit start
    issue("10:30:00", "payments", code="А-009")
    call("10:40:00", 1, "А-009")                                # exactly 10 min: within
    do("10:40:10", "start", "А-009", 1)
    do("10:45:10", "finish", "А-009", 1, rating=1)
    issue("10:50:00", "recalc", code="Б-004")
    call("11:00:00", 4, "Б-004")
    do("11:00:40", "start", "Б-004", 4)
    do("11:20:40", "finish", "Б-004", 4, rating=4)
    issue("11:00:00", "payments", code="А-010")
    call("11:05:00", 1, "А-010")
    do("11:05:30", "start", "А-010", 1)
    do("11:06:00", "postpone", "А-010", 1, minutes=5)
    call("11:12:00", 1, "А-010")                                # returned automatically, called at once
    do("11:12:20", "start", "А-010", 1)
    do("11:15:20", "finish", "А-010", 1)
    issue("11:30:00", "recalc", channel="api", code="Б-005")    # nobody calls it: expires at 17:00
    clock.set(datetime.combine(DAY + timedelta(days=1), time(8, 0, 5), OMSK))
    svc.issue_ticket("payments")                                # Tuesday's first ticket expires Monday's


# Every number below is worked out by hand from the day above.
WAITS = {"А-001": 540, "А-002": 780, "Б-001": 60, "В-001": 480, "Д-001": 60, "А-003": 60, "А-004": 360,
         "Г-001": 30, "Б-003": 0, "А-006": 120, "Д-002": 120, "А-007": 900, "А-008": 60, "Д-003": 40,
         "А-009": 600, "Б-004": 600, "А-010": 300}
TOTAL = {
    "issued": 20, "called": 17, "served": 15, "no_show": 2, "cancelled": 2, "expired": 1, "redirected": 2,
    "wait_mean_s": round(5110 / 17, 3), "wait_median_s": 120.0, "wait_p90_s": 672.0, "wait_max_s": 900.0,
    "total_wait_mean_s": round(5690 / 17, 3),
    # 17 called, 16 within (А-007 waited 15 min); + А-005 (cancelled after 15 min > 10) and Б-005
    # (expired after 5 h 30 min); Б-002 left after 3 min < 15 and is not counted.
    "within_target": 16, "target_base": 19, "within_target_pct": 84.2,
    "service_mean_s": 408.0, "service_median_s": 300.0,
    "walk_mean_s": round(1070 / 19, 3),  # 19 starts; Д-003's implicit start is a 600 s walk
    "rating_count": 10, "rating_mean": 3.8, "rating_top2_pct": 70.0,
}
PAYMENTS = {  # А-002 and А-006 were redirected away: a ticket counts in its last service
    "issued": 8, "called": 7, "served": 5, "no_show": 2, "cancelled": 1, "expired": 0, "redirected": 0,
    "wait_mean_s": round(2820 / 7, 3), "wait_median_s": 360.0, "wait_p90_s": 720.0, "wait_max_s": 900.0,
    "total_wait_mean_s": round(2910 / 7, 3), "within_target": 6, "target_base": 8, "within_target_pct": 75.0,
    "service_mean_s": 228.0, "service_median_s": 240.0, "walk_mean_s": 25.0,
    "rating_count": 3, "rating_mean": round(10 / 3, 3), "rating_top2_pct": 66.7,
}
# Out of turn: the five СВО tickets (Б-001 60 s, А-003 60 s — declined later, counted as claimed —,
# Г-001 30 s, Б-003 0 s, А-008 60 s) and the disabled visitor Д-003 (40 s, verified at the desk):
# waits 0, 30, 40, 60, 60, 60.
OUT_OF_TURN = {"count": 6, "verified": 5, "declined": 1, "called": 6, "served": 6, "wait_mean_s": round(250 / 6, 3),
               "wait_median_s": 50.0, "wait_p90_s": 60.0, "wait_max_s": 60.0, "within_target": 6,
               "target_base": 6, "within_target_pct": 100.0}


@pytest.fixture(scope="module", params=_backends())
def day_report(request, tmp_path_factory):  # noqa: ANN001, ANN201
    """The day is built once per backend (SQLite, PostgreSQL) and read by every test below."""
    if request.param == "postgres" and not PG_URL:
        pytest.skip("TALON_TEST_DATABASE_URL is not set (PostgreSQL tests run in .ci/run)")
    schema = PgSchema(PG_URL) if request.param == "postgres" else None
    tmp = tmp_path_factory.mktemp("day")
    clock = FixedClock(MONDAY_9, OMSK)
    svc = open_service(make_config(tmp, schema.url if schema else None), clock, auto_upgrade=True)
    try:
        build_day(svc, clock)
        yield compute_report(svc, "2025-10-06", by=["service", "category", "hour", "window", "operator", "day"])
    finally:
        svc.db.dispose()
        if schema:
            schema.drop()


def test_every_metric_of_the_day_is_what_the_definitions_say(day_report) -> None:  # noqa: ANN001
    assert sorted(WAITS.values()) == [0, 30, 40, 60, 60, 60, 60, 120, 120, 300, 360, 480, 540, 600, 600, 780, 900]
    assert day_report.total.to_json() == pytest.approx(TOTAL, abs=1e-3)
    payments = {g.key: g for g in day_report.groups["service"]}["payments"]
    assert payments.label == "Оплата и передача показаний"
    assert payments.metrics.to_json() == pytest.approx(PAYMENTS, abs=1e-3)
    assert day_report.out_of_turn.to_json() == pytest.approx(OUT_OF_TURN, abs=1e-3)


def test_groups_split_the_day_the_way_the_office_sees_it(day_report) -> None:  # noqa: ANN001
    issued = {name: {g.key: g.metrics.issued for g in rows} for name, rows in day_report.groups.items()}
    assert issued["service"] == {"payments": 8, "recalc": 5, "contracts": 2, "b2b-contracts": 1, "b2b-billing": 4}
    assert [g.key for g in day_report.groups["service"]] == ["payments", "recalc", "contracts", "b2b-contracts",
                                                             "b2b-billing"]
    assert issued["category"] == {"svo": 4, "disabled": 1, "regular": 15}  # the declined claim is regular
    assert issued["hour"] == {"08": 9, "09": 5, "10": 4, "11": 2}
    assert issued["window"] == {"0": 1, "1": 8, "4": 3, "5": 5, None: 3}
    assert issued["operator"] == {"info": 1, "op1": 8, "op4": 3, "op5": 5, None: 3}
    assert issued["day"] == {"2025-10-06": 20}
    hour8 = day_report.groups["hour"][0]
    assert hour8.label == "08:00–09:00"
    # 7 called, all within; А-005 (cancelled after 15 min) is the miss, Б-002 (3 min) is not counted
    assert hour8.metrics.within_target == 7 and hour8.metrics.target_base == 8


def test_the_priority_audit_of_a_clean_day_finds_nothing(day_report) -> None:  # noqa: ANN001
    audit = day_report.priority_audit
    assert audit.calls == 22
    assert audit.out_of_turn_violations == 0 and audit.policy_deviations == 0 and audit.ok
    assert audit.calls_by_rule["direct"] == 1 and audit.calls_by_rule["out_of_turn"] == 5  # 4 СВО, 1 disabled
    assert audit.exempt["direct"] == {"calls": 1, "deviations": 0, "reasons": {}}
    assert audit.findings == ()
