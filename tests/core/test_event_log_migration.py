"""Revision 0004 on a database that already holds an office's history (SQLite and PostgreSQL): the
events are chained exactly as the application chains them, rows written by older code included, the
rollups and the 0003 triggers survive, and a downgrade gives back the 0003 table."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command

from queue_core import open_service
from queue_core.catalog import apply_config
from queue_core.db import HEAD_REVISION, Database, alembic_config
from queue_core.eventlog import verify
from queue_core.models import AuditDay
from queue_core.reports import compute_report
from tests.reports.test_hand_built_day import DAY, build_day

ROLLUP_TRIGGERS = {"sqlite": {"ticket_event_insert_stales_rollup", "ticket_event_update_stales_rollup",
                              "ticket_event_delete_stales_rollup"},
                   "postgresql": {"ticket_event_stales_rollup"}}
REFUSING = {"sqlite": {"ticket_event_refuse_update", "ticket_event_refuse_delete"},
            "postgresql": {"ticket_event_append_only", "ticket_event_no_truncate"}}


def triggers(db: Database) -> set[str]:
    with db.read() as s:
        if db.is_sqlite:
            sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'ticket_event'"
        else:
            sql = "SELECT tgname FROM pg_trigger WHERE tgrelid = 'ticket_event'::regclass AND NOT tgisinternal"
        return set(s.execute(sa.text(sql)).scalars())


def columns(db: Database) -> list[str]:
    with db.read() as s:
        return [c["name"] for c in sa.inspect(s.connection()).get_columns("ticket_event")]


def chain(db: Database) -> list[tuple]:
    with db.read() as s:
        return [tuple(r) for r in s.execute(sa.text("SELECT id, prev_hash, hash FROM ticket_event ORDER BY id"))]


def rolled_up(db: Database) -> set:
    with db.read() as s:
        return {str(d) for d in s.execute(sa.select(AuditDay.__table__.c.day)).scalars()}


def test_upgrading_a_0003_history_chains_it_as_the_application_would(config, clock) -> None:  # noqa: ANN001
    svc = open_service(config, clock, auto_upgrade=True)
    build_day(svc, clock)  # Monday by hand, and Tuesday's first ticket
    compute_report(svc, DAY.isoformat())  # Monday is rolled up
    tuesday_ticket, office = svc.issue_ticket("recalc").id, svc.catalog.office_id
    written = chain(svc.db)
    url, dialect = config.database_url, "sqlite" if svc.db.is_sqlite else "postgresql"
    at = datetime(2025, 10, 7, 2, 0, 6, 250, tzinfo=UTC)
    svc.db.dispose()
    db = Database(url)
    try:
        assert str(DAY) in rolled_up(db) and REFUSING[dialect] | ROLLUP_TRIGGERS[dialect] <= triggers(db)

        command.downgrade(alembic_config(url), "0003")
        assert db.current_revision() == "0003"
        assert "hash" not in columns(db) and "prev_hash" not in columns(db)
        with db.read() as s:
            assert not any(c["name"].startswith("chain_") for c in sa.inspect(s.connection()).get_columns("audit_day"))
        assert triggers(db) == ROLLUP_TRIGGERS[dialect]
        assert str(DAY) in rolled_up(db)
        # An event as the code of revision 0003 wrote it: json.dumps with its spaces and \u escapes.
        with db.write() as s:
            s.execute(sa.text("INSERT INTO ticket_event (ticket_id, kind, at, office_id, data) "
                              "VALUES (:t, 'printed', :at, :o, :d)"),
                      {"t": tuesday_ticket, "o": office,
                       "at": "2025-10-07 02:00:06.000250" if db.is_sqlite else at,  # as SQLAlchemy stores it
                       "d": json.dumps({"reason": "бумага заканчивается", "z": [1, 2.5, None]})})

        command.upgrade(alembic_config(url), "head")
        assert db.current_revision() == HEAD_REVISION  # through 0004, and the revisions after it
        assert triggers(db) == REFUSING[dialect] | ROLLUP_TRIGGERS[dialect]
        after = chain(db)
        assert after[:len(written)] == written  # the backfill computes what the application wrote
        assert len(after) == len(written) + 1 and after[-1][1] == written[-1][2]
        report = verify(db)
        assert report.ok and report.checked == len(after)
        assert str(DAY) in rolled_up(db)  # chaining the log is no write a rollup needs to hear of
        with db.read() as s:  # rolled up before 0004: no stored verdict, reports walk the day live
            assert s.execute(sa.text("SELECT chain_first, chain_events FROM audit_day WHERE day = :d"),
                             {"d": DAY}).one() == (None, 0)
        monday = compute_report(db, DAY.isoformat(), audit=False).event_log
        assert monday.ok and monday.checked == len(written) - 2  # all but Tuesday's two tickets
        with db.read() as s:
            assert {c["name"]: c["nullable"] for c in sa.inspect(s.connection()).get_columns("ticket_event")
                    if c["name"] in ("prev_hash", "hash")} == {"prev_hash": False, "hash": False}
        apply_config(db, config)  # what `talon db upgrade` does after the migrations (the register of rights, 0005)
    finally:
        db.dispose()

    svc = open_service(config, clock)
    try:
        with svc.db.read() as s:
            unrated = s.execute(sa.text("SELECT min(id) FROM ticket WHERE day = :d AND status = 'done' "
                                        "AND rating IS NULL"), {"d": DAY}).scalar_one()
        svc.record_print(unrated, True)  # a late write into Monday: the 0003 trigger still forgets its rollup
        assert str(DAY) not in rolled_up(svc.db)
        assert verify(svc.db).ok
    finally:
        svc.db.dispose()
