"""the event log is append-only and tamper-evident: a hash chain per office, UPDATE and DELETE refused

Every ``ticket_event`` gets ``prev_hash`` (the hash of its office's previous event by id; the first
event of an office links to 64 zeros) and ``hash`` (SHA-256 of the event and ``prev_hash``, see
:mod:`queue_core.eventlog`). Existing events are chained here, per office in id order; their stored
``data`` is left exactly as it was (the hash covers its canonical form).

The columns are added nullable, filled, then made NOT NULL: an event written without its place in
the chain (a writer that forgot to seal it, a row typed in by hand) is refused at once instead of
being found by the next audit. On SQLite that last step rebuilds the table (SQLite cannot add NOT
NULL to a column), which drops the table's triggers: the ones of revision 0003 are put back as they
were. A unique index on ``(office_id, prev_hash)`` refuses a fork of a chain: two events sealed on
the same predecessor by writers that did not hold the office lock.

The database refuses UPDATE and DELETE on ``ticket_event`` itself, whoever asks: SQLite triggers
``RAISE(ABORT, …)``; PostgreSQL a trigger function that raises (TRUNCATE too), and ``REVOKE UPDATE,
DELETE, TRUNCATE … FROM PUBLIC``. Deployments where Talon connects as a role of its own grant that
role INSERT and SELECT only on ``ticket_event`` — never UPDATE, DELETE or TRUNCATE — and keep the
table's owner (who can drop the triggers) for migrations; roles are set up in a later issue. The
0003 triggers that invalidate rollups on UPDATE/DELETE of an event stay: they can no longer fire
while the refusal stands, and they still do their job if an owner lifts it for a repair.

``audit_day`` gets the verdict of the chain over each rolled-up office-day (``chain_*``, see
:mod:`queue_core.reports.chain`), so that a quarterly report does not walk millions of events again.
Days rolled up before this revision keep their rows without it; reports check those days live.

Downgrade drops the refusal, the index and the columns (the chain is lost).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:00:00
"""
from alembic import op
import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel  # noqa: F401 - autogenerate may render sqlmodel types


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

GENESIS = "0" * 64  # queue_core.eventlog.GENESIS
REFUSAL = "журнал событий только дополняется"
BATCH = 20_000

SQLITE_REFUSE = {
    "ticket_event_refuse_update": "BEFORE UPDATE ON ticket_event",
    "ticket_event_refuse_delete": "BEFORE DELETE ON ticket_event",
}
PG_UPGRADE = [
    f"""
    CREATE FUNCTION talon_event_log_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{REFUSAL}';
    END $$ LANGUAGE plpgsql
    """,
    "CREATE TRIGGER ticket_event_append_only BEFORE UPDATE OR DELETE ON ticket_event "
    "FOR EACH ROW EXECUTE FUNCTION talon_event_log_append_only()",
    "CREATE TRIGGER ticket_event_no_truncate BEFORE TRUNCATE ON ticket_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION talon_event_log_append_only()",
    "REVOKE UPDATE, DELETE, TRUNCATE ON ticket_event FROM PUBLIC",
]
PG_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS ticket_event_no_truncate ON ticket_event",
    "DROP TRIGGER IF EXISTS ticket_event_append_only ON ticket_event",
    "DROP FUNCTION IF EXISTS talon_event_log_append_only()",
]

# The hash of revision 0004 (queue_core.eventlog.event_hash at this revision), kept here so that
# this migration means the same thing whatever the module becomes.
_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _instant(at) -> str:  # noqa: ANN001 - datetime or SQLite's text
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds") + "Z"


def _hash(prev: str, office_id: int, row: tuple) -> str:
    _id, ticket_id, kind, at, window_id, operator_id, data = row
    data = json.loads(data) if isinstance(data, str) else data
    head = _ENCODER.encode([prev, office_id, ticket_id, kind, _instant(at), window_id, operator_id])
    return hashlib.sha256(f"{head[:-1]},{_ENCODER.encode(data)}]".encode("utf-8")).hexdigest()


def _chain(conn: sa.Connection, write) -> None:  # noqa: ANN001
    """Chain every office's events in id order; ``write(rows)`` stores ``(prev_hash, hash, id)`` batches."""
    pg = conn.dialect.name == "postgresql"
    page = ("SELECT id, ticket_id, kind, at, window_id, operator_id, {data} FROM ticket_event "
            "WHERE office_id = {o} AND id > {a} ORDER BY id LIMIT {n}")
    page = (page.format(data="data::text", o="%(o)s", a="%(a)s", n="%(n)s") if pg
            else page.format(data="data", o=":o", a=":a", n=":n"))
    cur = conn.connection.dbapi_connection.cursor()
    try:
        for (office_id,) in conn.execute(sa.text("SELECT id FROM office ORDER BY id")).all():
            prev, after = GENESIS, 0
            while True:
                cur.execute(page, {"o": office_id, "a": after, "n": BATCH})
                rows = cur.fetchall()
                if not rows:
                    break
                out = []
                for row in rows:
                    h = _hash(prev, office_id, row)
                    out.append((prev, h, row[0]))
                    prev = h
                write(out)
                after = rows[-1][0]
    finally:
        cur.close()


def _sqlite_triggers(conn: sa.Connection, table: str | None = None) -> list[tuple[str, str]]:
    where = "" if table is None else f" AND tbl_name = '{table}'"
    return [tuple(r) for r in conn.execute(sa.text(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger'{where} ORDER BY name"))]


def _sqlite_rebuild(conn: sa.Connection, table: str, alter) -> None:  # noqa: ANN001
    """A batch (table rebuild) that keeps the database's triggers: SQLite drops a table's triggers with
    the old table, and refuses to rename the new one while other tables' triggers name a missing table."""
    triggers = _sqlite_triggers(conn)
    for name, _sql in triggers:
        op.execute(sa.text(f"DROP TRIGGER {name}"))
    with op.batch_alter_table(table, recreate="always") as batch_op:
        alter(batch_op)
    for _name, sql in triggers:
        op.execute(sa.text(sql))


AUDIT_DAY_COLUMNS = ("chain_first", "chain_last", "chain_before", "chain_events", "chain_break")


def upgrade() -> None:
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    for name in ("chain_first", "chain_last", "chain_before"):
        op.add_column("audit_day", sa.Column(name, sa.Integer(), nullable=True))
    op.add_column("audit_day", sa.Column("chain_events", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("audit_day", sa.Column("chain_break", sa.JSON(), nullable=True))
    op.add_column("ticket_event", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("ticket_event", sa.Column("hash", sa.String(length=64), nullable=True))
    if sqlite:
        saved = _sqlite_triggers(conn, "ticket_event")  # filling the chain is no write a rollup needs to hear of
        for name, _sql in saved:
            op.execute(sa.text(f"DROP TRIGGER {name}"))
        raw = conn.connection.dbapi_connection
        _chain(conn, lambda rows: raw.executemany(
            "UPDATE ticket_event SET prev_hash = ?, hash = ? WHERE id = ?", rows))
        for _name, sql in saved:
            op.execute(sa.text(sql))

        def not_null(batch_op) -> None:  # noqa: ANN001
            batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
            batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)

        _sqlite_rebuild(conn, "ticket_event", not_null)
        op.create_index("uq_ticket_event_office_prev_hash", "ticket_event", ["office_id", "prev_hash"], unique=True)
        for name, when in SQLITE_REFUSE.items():
            op.execute(sa.text(f"CREATE TRIGGER {name} {when} BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"))
        return
    op.execute(sa.text("ALTER TABLE ticket_event DISABLE TRIGGER ticket_event_stales_rollup"))
    op.execute(sa.text("CREATE TEMPORARY TABLE talon_event_chain (id integer PRIMARY KEY, prev_hash varchar(64), "
                       "hash varchar(64)) ON COMMIT DROP"))
    cur = conn.connection.dbapi_connection.cursor()

    def copy(rows: list) -> None:
        with cur.copy("COPY talon_event_chain (prev_hash, hash, id) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)

    _chain(conn, copy)
    op.execute(sa.text("UPDATE ticket_event e SET prev_hash = c.prev_hash, hash = c.hash "
                       "FROM talon_event_chain c WHERE c.id = e.id"))
    op.execute(sa.text("ALTER TABLE ticket_event ENABLE TRIGGER ticket_event_stales_rollup"))
    op.alter_column("ticket_event", "prev_hash", existing_type=sa.String(length=64), nullable=False)
    op.alter_column("ticket_event", "hash", existing_type=sa.String(length=64), nullable=False)
    op.create_index("uq_ticket_event_office_prev_hash", "ticket_event", ["office_id", "prev_hash"], unique=True)
    for stmt in PG_UPGRADE:
        op.execute(sa.text(stmt))


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        def drop_chain(batch_op) -> None:  # noqa: ANN001
            for name in AUDIT_DAY_COLUMNS:
                batch_op.drop_column(name)

        _sqlite_rebuild(conn, "audit_day", drop_chain)
    else:
        for name in AUDIT_DAY_COLUMNS:
            op.drop_column("audit_day", name)
    if conn.dialect.name == "sqlite":
        for name in SQLITE_REFUSE:
            op.execute(sa.text(f"DROP TRIGGER IF EXISTS {name}"))
        op.drop_index("uq_ticket_event_office_prev_hash", table_name="ticket_event")

        def drop(batch_op) -> None:  # noqa: ANN001
            batch_op.drop_column("hash")
            batch_op.drop_column("prev_hash")

        _sqlite_rebuild(conn, "ticket_event", drop)
        return
    for stmt in PG_DOWNGRADE:
        op.execute(sa.text(stmt))
    op.drop_index("uq_ticket_event_office_prev_hash", table_name="ticket_event")
    op.drop_column("ticket_event", "hash")
    op.drop_column("ticket_event", "prev_hash")
