"""any write into a rolled-up office-day invalidates its rollup, in the writer's own transaction

Triggers on ``ticket`` and ``ticket_event`` delete the office-day's ``audit_day`` row and its
``ticket_fact`` rows, so the next report rolls the day up again from the event log. They live in the
database, so every writer is covered: the service layer, ``talon demo``, an import, a hand-made fix.

PostgreSQL: a write into a day that a report may be rolling up right now (a day before the office's
today by the database clock, with a five-minute margin for a transaction that spans midnight) first
takes the office's rollup lock, the one :mod:`queue_core.reports.rollup` holds while it reads and
stores a day. Either the rollup sees the write, or the write deletes what the rollup stored.
Writes into today take no lock (no report rolls up today, unless its clock is wrong; then the
delete alone mends it).

Rollups written before this revision may be stale (that was the bug): they are dropped and rebuilt.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 04:40:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401 - autogenerate may render sqlmodel types


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

ROLLUP_LOCK_BASE = 7_400_000  # queue_core.reports.rollup.ROLLUP_LOCK_BASE at this revision

PG_UPGRADE = [
    f"""
    CREATE FUNCTION talon_stale_rollup(p_office integer, p_day date) RETURNS void AS $$
    DECLARE tz text;
    BEGIN
        IF p_day IS NULL THEN RETURN; END IF;
        SELECT timezone INTO tz FROM office WHERE id = p_office;
        IF p_day < ((clock_timestamp() + interval '5 minutes') AT TIME ZONE tz)::date THEN
            PERFORM pg_advisory_xact_lock({ROLLUP_LOCK_BASE} + p_office);
        END IF;
        -- today too: a report from a machine whose clock runs ahead may have rolled up today
        DELETE FROM audit_day WHERE office_id = p_office AND day = p_day;
        DELETE FROM ticket_fact WHERE office_id = p_office AND day = p_day;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE FUNCTION talon_ticket_stales_rollup() RETURNS trigger AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            PERFORM talon_stale_rollup(OLD.office_id, OLD.day);
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND (NEW.day, NEW.office_id) IS DISTINCT FROM (OLD.day, OLD.office_id)) THEN
            PERFORM talon_stale_rollup(NEW.office_id, NEW.day);
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;  -- a BEFORE trigger returning NULL would cancel the delete
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE FUNCTION talon_event_stales_rollup() RETURNS trigger AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            PERFORM talon_stale_rollup(OLD.office_id, (SELECT day FROM ticket WHERE id = OLD.ticket_id));
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            PERFORM talon_stale_rollup(NEW.office_id, (SELECT day FROM ticket WHERE id = NEW.ticket_id));
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    # A deleted ticket's facts must go before the foreign key is checked: BEFORE DELETE.
    "CREATE TRIGGER ticket_stales_rollup AFTER INSERT OR UPDATE ON ticket "
    "FOR EACH ROW EXECUTE FUNCTION talon_ticket_stales_rollup()",
    "CREATE TRIGGER ticket_delete_stales_rollup BEFORE DELETE ON ticket "
    "FOR EACH ROW EXECUTE FUNCTION talon_ticket_stales_rollup()",
    "CREATE TRIGGER ticket_event_stales_rollup AFTER INSERT OR UPDATE OR DELETE ON ticket_event "
    "FOR EACH ROW EXECUTE FUNCTION talon_event_stales_rollup()",
]
PG_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS ticket_event_stales_rollup ON ticket_event",
    "DROP TRIGGER IF EXISTS ticket_delete_stales_rollup ON ticket",
    "DROP TRIGGER IF EXISTS ticket_stales_rollup ON ticket",
    "DROP FUNCTION IF EXISTS talon_event_stales_rollup()",
    "DROP FUNCTION IF EXISTS talon_ticket_stales_rollup()",
    "DROP FUNCTION IF EXISTS talon_stale_rollup(integer, date)",
]


def _sqlite_stale(row: str, day: str) -> str:
    """SQLite trigger body: forget the rollup of ``row``'s office-day (``day`` is an SQL expression)."""
    return (f"DELETE FROM audit_day WHERE office_id = {row}.office_id AND day = {day}; "
            f"DELETE FROM ticket_fact WHERE office_id = {row}.office_id AND day = {day};")


_EVENT_DAY = "(SELECT day FROM ticket WHERE id = {row}.ticket_id)"
SQLITE_TRIGGERS = {
    "ticket_insert_stales_rollup": ("AFTER INSERT ON ticket", _sqlite_stale("NEW", "NEW.day")),
    "ticket_update_stales_rollup": ("AFTER UPDATE ON ticket",
                                    _sqlite_stale("OLD", "OLD.day") + " " + _sqlite_stale("NEW", "NEW.day")),
    "ticket_delete_stales_rollup": ("BEFORE DELETE ON ticket", _sqlite_stale("OLD", "OLD.day")),
    "ticket_event_insert_stales_rollup": ("AFTER INSERT ON ticket_event",
                                          _sqlite_stale("NEW", _EVENT_DAY.format(row="NEW"))),
    "ticket_event_update_stales_rollup": ("AFTER UPDATE ON ticket_event",
                                          _sqlite_stale("OLD", _EVENT_DAY.format(row="OLD")) + " "
                                          + _sqlite_stale("NEW", _EVENT_DAY.format(row="NEW"))),
    "ticket_event_delete_stales_rollup": ("AFTER DELETE ON ticket_event",
                                          _sqlite_stale("OLD", _EVENT_DAY.format(row="OLD"))),
}


def upgrade() -> None:
    op.execute(sa.text("DELETE FROM ticket_fact"))
    op.execute(sa.text("DELETE FROM audit_day"))
    if op.get_bind().dialect.name == "sqlite":
        for name, (when, body) in SQLITE_TRIGGERS.items():
            op.execute(sa.text(f"CREATE TRIGGER {name} {when} BEGIN {body} END"))
    else:
        for stmt in PG_UPGRADE:
            op.execute(sa.text(stmt))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(sa.text(f"DROP TRIGGER IF EXISTS {name}"))
    else:
        for stmt in PG_DOWNGRADE:
            op.execute(sa.text(stmt))
