"""The event log keeps itself honest (DESIGN §13): every event is chained to its office's previous one,
`talon audit verify` and the report confirm the chain of an office's day and name the first event
that was changed or removed behind Talon's back, and the database refuses to change or delete an
event at all — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from queue_core.db import Database
from queue_core.demo import run_demo
from queue_core.domain import Actor
from queue_core.eventlog import (
    GENESIS, HASH_MISMATCH, LINK_MISMATCH, Chain, append, event_hash, events_ru, verify,
)
from queue_core.models import TicketEvent
from queue_core.reports import compute_report
from queue_core.reports.text import render_table
from talon.cli import cli
from tests.conftest import OMSK, event_log_writable, staff, write_config_file
from tests.reports.test_hand_built_day import DAY, build_day

REFUSAL = "журнал событий только дополняется"
HASHED = ("office_id", "ticket_id", "kind", "at", "window_id", "operator_id", "data")


def talon(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    return result.exit_code, result.output


@pytest.fixture
def office_day(service, clock, config, tmp_path):  # noqa: ANN001, ANN201
    """Monday 06.10.2025 built by hand (every kind of event) and Tuesday's first ticket; the config file."""
    build_day(service, clock)
    return write_config_file(tmp_path, config.database_url)


def events(svc) -> list[dict]:  # noqa: ANN001
    """Every event as its row reads back (``data`` parsed: SQLite hands JSON back as text), with its ticket's code."""
    with svc.db.read() as s:
        rows = [dict(r) for r in s.execute(sa.text(
            "SELECT e.*, t.code FROM ticket_event e JOIN ticket t ON t.id = e.ticket_id ORDER BY e.id")).mappings()]
    for r in rows:
        r["data"] = json.loads(r["data"]) if isinstance(r["data"], str) else r["data"]
    return rows


def local(at: object) -> str:
    at = datetime.fromisoformat(at) if isinstance(at, str) else at
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at
    return f"{at.astimezone(OMSK):%d.%m.%Y %H:%M:%S}"


def test_every_event_of_an_office_day_is_chained_to_the_one_before(office_day, service) -> None:  # noqa: ANN001
    rows = events(service)
    assert {r["kind"] for r in rows} >= {"issued", "called", "recalled", "started", "finished", "no_show",
                                         "redirected", "postponed", "returned", "cancelled", "expired",
                                         "category_verified", "category_declined", "rated"}
    assert rows[0]["prev_hash"] == GENESIS
    for before, event in zip(rows, rows[1:]):
        assert event["prev_hash"] == before["hash"]
    for r in rows:
        assert r["hash"] == event_hash(r["prev_hash"], **{k: r[k] for k in HASHED})
    report = verify(service.db)
    assert report.ok and report.checked == len(rows) and report.offices == ("omsk-central",)


def test_talon_audit_verify_confirms_an_untouched_log(office_day, service) -> None:  # noqa: ANN001
    code, out = talon(office_day, "audit", "verify")
    assert code == 0, out
    assert f"Журнал событий: целостность подтверждена ({events_ru(len(events(service)))})" in out
    code, out = talon(office_day, "audit", "verify", "--office", "omsk-central")
    assert code == 0 and "целостность подтверждена" in out
    code, out = talon(office_day, "audit", "verify", "--office", "nowhere")
    assert code == 2 and "--office" in out and "«nowhere» не найден" in out


def test_an_event_changed_behind_talons_back_is_named(office_day, service) -> None:  # noqa: ANN001
    """Someone with the owner's rights lifts the refusal and gives a rating of 1 instead of 5."""
    victim = next(r for r in events(service) if r["kind"] == "rated" and r["data"] == {"rating": 5})
    with service.db.write() as s, event_log_writable(s):
        s.execute(sa.text("UPDATE ticket_event SET data = :d WHERE id = :i"), {"d": '{"rating":1}', "i": victim["id"]})

    report = verify(service.db)
    assert not report.ok
    bad = report.first_break
    assert (bad.event_id, bad.ticket_code, bad.kind, bad.problem) == (victim["id"], victim["code"], "rated",
                                                                      HASH_MISMATCH)
    assert report.checked == sum(1 for r in events(service) if r["id"] < victim["id"])
    code, out = talon(office_day, "audit", "verify")
    assert code == 1
    line = out.strip()
    assert "\n" not in line and "НАРУШЕНА целостность" in line
    assert f"событие № {victim['id']}" in line and f"талон {victim['code']}" in line and "«rated»" in line
    assert local(victim["at"]) in line and HASH_MISMATCH in line


def test_a_deleted_event_is_named_by_the_next_one_whose_link_breaks(office_day, service) -> None:  # noqa: ANN001
    rows = events(service)
    gone, after = rows[len(rows) // 2], rows[len(rows) // 2 + 1]
    with service.db.write() as s, event_log_writable(s):
        s.execute(sa.text("DELETE FROM ticket_event WHERE id = :i"), {"i": gone["id"]})

    bad = verify(service.db).first_break
    assert (bad.event_id, bad.ticket_code, bad.kind, bad.problem) == (after["id"], after["code"], after["kind"],
                                                                      LINK_MISMATCH)
    code, out = talon(office_day, "audit", "verify")
    assert code == 1
    assert f"событие № {after['id']}" in out and f"талон {after['code']}" in out and LINK_MISMATCH in out
    assert local(after["at"]) in out


def test_the_database_refuses_to_change_or_delete_an_event(office_day, service) -> None:  # noqa: ANN001
    first = events(service)[0]["id"]
    for sql in ("UPDATE ticket_event SET data = '{}' WHERE id = :i", "UPDATE ticket_event SET kind = 'cancelled'",
                "DELETE FROM ticket_event WHERE id = :i", "DELETE FROM ticket_event"):
        with pytest.raises(sa.exc.DBAPIError, match=REFUSAL):
            with service.db.write() as s:
                s.execute(sa.text(sql), {"i": first})
    if not service.db.is_sqlite:
        with pytest.raises(sa.exc.DBAPIError, match=REFUSAL):
            with service.db.write() as s:
                s.execute(sa.text("TRUNCATE ticket_event CASCADE"))
    with pytest.raises(sa.exc.DBAPIError, match=REFUSAL):  # and through the ORM, as the application would
        with service.db.write() as s:
            s.get(TicketEvent, first).data = {"rating": 1}
    assert verify(service.db).ok and events(service)[0]["id"] == first


def test_an_event_sealed_on_a_stale_hash_cannot_fork_the_chain(service) -> None:  # noqa: ANN001
    """A writer that read the office's last hash without holding the office lock: its event would be a
    second successor of the same event. The database refuses it (unique office_id, prev_hash)."""
    t = service.issue_ticket("payments")
    service.issue_ticket("payments")
    with service.db.read() as s:
        stale = s.execute(sa.text("SELECT hash FROM ticket_event ORDER BY id LIMIT 1")).scalar_one()
    with pytest.raises(sa.exc.IntegrityError):
        with service.db.write() as s:
            chain = Chain(s, service.catalog.office_id, last_hash=stale)
            s.add(chain.seal(TicketEvent(ticket_id=t.id, kind="printed", at=datetime.now(UTC),
                                         office_id=service.catalog.office_id, data={"reason": ""})))
    assert verify(service.db).ok


def test_the_report_says_whether_the_log_of_its_days_holds(office_day, service, tmp_path) -> None:  # noqa: ANN001
    rows = events(service)
    assert rows[-1]["kind"] == "issued" and local(rows[-1]["at"]).startswith("07.10.2025")
    n_monday = len(rows) - 1  # Monday's expiry is written on Tuesday morning, before Tuesday's first ticket
    report = compute_report(service, DAY.isoformat())
    assert report.event_log.ok and report.event_log.checked == n_monday
    assert f"Журнал событий: целостность подтверждена ({events_ru(n_monday)})" in render_table(report)
    assert report.to_json()["event_log"] == {"ok": True, "checked": n_monday, "offices": ["omsk-central"],
                                             "breaks": []}

    victim = next(r for r in events(service) if r["kind"] == "called")
    with service.db.write() as s, event_log_writable(s):
        s.execute(sa.text("UPDATE ticket_event SET window_id = NULL WHERE id = :i"), {"i": victim["id"]})
    code, out = talon(office_day, "report", "--period", "2025-10")
    assert code == 0, out
    assert re.search(rf"Журнал событий: НАРУШЕНА целостность — событие № {victim['id']} \(.*талон {victim['code']}",
                     out)
    code, out = talon(office_day, "report", "--period", "2025-10", "-f", "xlsx", "-o", str(tmp_path / "r.xlsx"))
    assert code == 0, out
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx")["Итоги"]
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any(c.startswith(f"Журнал событий: НАРУШЕНА целостность — событие № {victim['id']} ") for c in cells)


def test_a_report_of_days_without_tickets_checks_nothing(service) -> None:  # noqa: ANN001
    service.issue_ticket("payments")
    report = compute_report(service, "2025-09")
    assert report.event_log.ok and report.event_log.checked == 0
    assert compute_report(service, "2025-10", event_log=False).event_log is None


# --- the hash of a row is the same written and read back ---------------------------------------------
_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)
_json = st.recursive(st.none() | st.booleans() | st.integers(-2**53, 2**53) | _text
                     | st.floats(allow_nan=False, allow_infinity=False),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
                     max_leaves=10)
_instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31),
                         timezones=st.sampled_from([UTC, OMSK]))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(st.tuples(st.sampled_from(["issued", "called", "rated", "printed", "какое-то"]), _instants,
                                st.booleans(), st.dictionaries(_text, _json, max_size=5)), min_size=1, max_size=4))
def test_the_hash_of_a_freshly_written_event_is_the_hash_of_the_row_read_back(service, batch) -> None:  # noqa: ANN001
    office = service.catalog.office_id
    window = service.catalog.windows[1].id
    t = service.issue_ticket("payments")
    written = [TicketEvent(ticket_id=t.id, kind=kind, at=at, office_id=office, window_id=window if w else None,
                           data=data) for kind, at, w, data in batch]
    with service.db.write() as s:
        service.db.lock_office(s, office)
        append(s, written)
    with service.db.read() as s:
        for e in written:
            orm = s.get(TicketEvent, e.id)
            raw = s.execute(sa.text("SELECT * FROM ticket_event WHERE id = :i"), {"i": e.id}).mappings().one()
            for row in (raw, {k: getattr(orm, k) for k in HASHED}):
                assert event_hash(e.prev_hash, **{k: row[k] for k in HASHED}) == e.hash
            assert raw["hash"] == e.hash and raw["prev_hash"] == e.prev_hash
    assert verify(service.db).ok


def test_appending_objects_and_rows_in_one_transaction_keeps_them_in_chain_order(service) -> None:  # noqa: ANN001
    office, t = service.catalog.office_id, service.issue_ticket("payments")
    now = datetime(2025, 10, 6, 3, 0, 1, tzinfo=UTC)
    row = dict(ticket_id=t.id, kind="printed", at=now, office_id=office, window_id=None, operator_id=None,
               data={"reason": ""})
    with service.db.write() as s:
        service.db.lock_office(s, office)
        append(s, [TicketEvent(ticket_id=t.id, kind="rated", at=now, office_id=office, data={"rating": 5}), row,
                   TicketEvent(ticket_id=t.id, kind="rated", at=now, office_id=office, data={"rating": 4})])
    assert [r["kind"] for r in events(service)] == ["issued", "rated", "printed", "rated"]
    assert verify(service.db).checked == 4
    with pytest.raises(ValueError, match="several offices"):
        with service.db.write() as s:
            append(s, [row, {**row, "office_id": office + 1}])


def test_a_raw_insert_and_the_orm_chain_the_same_way(service, clock) -> None:  # noqa: ANN001
    """Units of work on the driver's connection (issuing) and with an ORM session (calls, the
    window, printing) append to one chain."""
    a = staff(service, 0, 1)
    service.office.expired_through = None  # the first issue of the day closes past days first
    for category, actor in (("regular", None), ("svo", a[0]), ("disabled", None)):
        service.issue_ticket("payments", category, **({"actor": actor} if actor else {}))
        clock.advance(7)
    call = service.call_next(a[1])
    service.finish(a[1], call.ticket.code, rating=4)
    service.record_print(call.ticket.id, True)
    assert verify(service.db).checked == len(events(service)) == 9


def test_a_period_answers_for_the_stretch_of_log_of_its_days(service, clock) -> None:  # noqa: ANN001
    """A report checks the office's events from the first to the last event of its days' tickets:
    the expiry of a day's tickets written the next morning is the day's; days outside are not walked."""
    for d in (date(2025, 9, 30), date(2025, 10, 6), date(2025, 12, 31), date(2026, 1, 5)):
        clock.set(datetime.combine(d, datetime.min.time(), OMSK) + timedelta(hours=10))
        service.issue_ticket("payments", actor=Actor.api("api"))
        service.issue_ticket("recalc", actor=Actor.api("api"))
    # 06.10: two issued, and their expiry written on 31.12; 31.12: two issued, and their expiry
    # written on 05.01. 30.09's expiry, written on 06.10 before its tickets, belongs to Q3.
    live = compute_report(service, "2025Q4", rollup=False, audit=False).event_log
    rolled = compute_report(service, "2025Q4", audit=False).event_log
    assert live.ok and rolled.ok and live.checked == rolled.checked == 8
    assert compute_report(service, "2025Q3", audit=False).event_log.checked == 4
    assert compute_report(service, "2026-02", audit=False).event_log.checked == 0
    assert verify(service.db).checked == 8 + 6


def report_chain(svc, period: str, **kw):  # noqa: ANN001, ANN201
    return compute_report(svc, period, audit=False, **kw).event_log


def same(a, b) -> bool:  # noqa: ANN001
    return a.to_json() == b.to_json()


def test_a_closed_day_is_walked_once_and_its_verdict_stored(office_day, service) -> None:  # noqa: ANN001
    rows = events(service)
    first = report_chain(service, DAY.isoformat())
    assert first.ok and first.checked == len(rows) - 1 and same(first, report_chain(service, DAY.isoformat(),
                                                                                     rollup=False))
    with service.db.read() as s:
        stored = s.execute(sa.text("SELECT chain_first, chain_last, chain_before, chain_events, chain_break "
                                   "FROM audit_day WHERE day = :d"), {"d": DAY}).one()
    assert tuple(stored) == (rows[0]["id"], rows[-2]["id"], None, len(rows) - 1, None)


def test_a_change_with_the_refusal_lifted_reopens_the_day_and_the_report_names_it(office_day, service) -> None:  # noqa: ANN001
    report_chain(service, DAY.isoformat())  # Monday rolled up: its verdict stored
    victim = next(r for r in events(service) if r["kind"] == "started")
    with service.db.write() as s, event_log_writable(s):  # the 0003 triggers still drop Monday's rollup
        s.execute(sa.text("UPDATE ticket_event SET operator_id = NULL WHERE id = :i"), {"i": victim["id"]})
    rolled, live = report_chain(service, DAY.isoformat()), report_chain(service, DAY.isoformat(), rollup=False)
    assert (rolled.first_break.event_id, rolled.first_break.problem) == (victim["id"], HASH_MISMATCH)
    assert same(rolled, live) and same(rolled, report_chain(service, DAY.isoformat()))  # stored, then read back


def test_an_event_removed_between_two_closed_days_breaks_the_next_days_link(office_day, service, clock) -> None:  # noqa: ANN001
    a = staff(service, 3)
    service.issue_ticket("recalc")                      # Tuesday: А-001 waits since 08:00, this one is served
    called = service.call_next(a[3])
    service.finish(a[3], called.ticket.code)
    service.logout(a[3], force=True)
    clock.advance(days=1)
    service.issue_ticket("payments")                    # Wednesday: Tuesday's А-001 expires, Tuesday is closed
    assert report_chain(service, "2025-10").ok
    rows = events(service)
    monday_last = max(r["id"] for r in rows if r["code"] == "Б-005")  # Monday's expiry, written on Tuesday
    tuesday_first = next(r for r in rows if r["id"] > monday_last)
    with service.db.write() as s, event_log_writable(s):
        s.execute(sa.text("DELETE FROM ticket_event WHERE id = :i"), {"i": monday_last})
    rolled, live = report_chain(service, "2025-10"), report_chain(service, "2025-10", rollup=False)
    assert (rolled.first_break.event_id, rolled.first_break.problem) == (tuesday_first["id"], LINK_MISMATCH)
    assert same(rolled, live)


def test_only_talon_audit_verify_sees_past_a_rollup_whose_triggers_were_switched_off(office_day, service) -> None:  # noqa: ANN001
    """With every trigger of the table off, a change leaves the stored verdict (and the stored figures)
    of a closed day as they were: the report answers for what its figures were computed from."""
    assert report_chain(service, DAY.isoformat()).ok
    victim = next(r for r in events(service) if r["kind"] == "finished")
    with service.db.write() as s:
        c = s.connection()
        if c.dialect.name == "sqlite":
            names = c.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                      "AND tbl_name = 'ticket_event'")).all()
            for name, _sql in names:
                c.exec_driver_sql(f"DROP TRIGGER {name}")
            c.execute(sa.text("UPDATE ticket_event SET window_id = NULL WHERE id = :i"), {"i": victim["id"]})
            for _name, sql in names:
                c.exec_driver_sql(sql)
        else:
            c.exec_driver_sql("ALTER TABLE ticket_event DISABLE TRIGGER USER")
            c.execute(sa.text("UPDATE ticket_event SET window_id = NULL WHERE id = :i"), {"i": victim["id"]})
            c.exec_driver_sql("ALTER TABLE ticket_event ENABLE TRIGGER USER")
    assert report_chain(service, DAY.isoformat()).ok
    assert report_chain(service, DAY.isoformat(), rollup=False).first_break.event_id == victim["id"]
    assert verify(service.db).first_break.event_id == victim["id"]


def test_talon_audit_verify_and_the_quarterly_report_confirm_a_demo_week(config, tmp_path) -> None:  # noqa: ANN001
    db = Database(config.database_url)
    db.upgrade()
    db.dispose()
    run_demo(config, days=5, seed=4, until=date(2025, 10, 10), volume=0.2)
    path = write_config_file(tmp_path, config.database_url)
    db = Database(config.database_url)
    try:
        with db.read() as s:
            n = s.execute(sa.text("SELECT count(*) FROM ticket_event")).scalar_one()
    finally:
        db.dispose()
    assert n > 300
    code, out = talon(path, "audit", "verify")
    assert code == 0 and f"Журнал событий: целостность подтверждена ({events_ru(n)})" in out, out
    code, out = talon(path, "report", "--period", "2025Q4")
    assert code == 0 and f"Журнал событий: целостность подтверждена ({events_ru(n)})" in out, out


def test_events_are_counted_in_russian() -> None:
    assert [events_ru(n) for n in (0, 1, 2, 5, 11, 12, 21, 22, 25, 111, 1289)] == [
        "0 событий", "1 событие", "2 события", "5 событий", "11 событий", "12 событий", "21 событие",
        "22 события", "25 событий", "111 событий", "1 289 событий"]


@settings(max_examples=300, deadline=None)
@given(prev=st.none() | st.text(max_size=70) | st.just(GENESIS), ids=st.tuples(*[st.integers(1, 2**31)] * 2),
       kind=st.text(max_size=24), optional=st.tuples(*[st.none() | st.integers(1, 2**31)] * 2),
       data=st.dictionaries(_text, _json, max_size=4), at=_instants)
def test_the_hashed_text_is_the_canonical_json_of_the_fields(prev, ids, kind, optional, data, at) -> None:  # noqa: ANN001
    """The text the hash covers is written out by hand for speed; it is exactly the canonical JSON array."""
    from queue_core.eventlog import _text, canonical_instant, canonical_json

    instant = canonical_instant(at)
    fields = [prev, *ids, kind, instant, *optional]
    assert _text(*fields, canonical_json(data)) == canonical_json([*fields, data])
