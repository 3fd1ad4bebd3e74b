"""Database tables (SQLModel). Every instant is stored as UTC; ``day`` is the office-local date.

These classes never leave the service layer: it converts rows into the frozen values of
:mod:`queue_core.domain` before returning.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from queue_core.config import CODE_MAX_LEN

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION


def _utc(nullable: bool = True, index: bool = False) -> sa.Column:
    return sa.Column(sa.DateTime(timezone=True), nullable=nullable, index=index)


class Office(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str
    address: str = ""
    timezone: str = Field(max_length=64)


class Service(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("office_id", "slug"),)
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id")
    slug: str = Field(max_length=64)
    prefix: str = Field(max_length=2)
    name: str
    segment: str = Field(max_length=8)
    target_wait_min: int = 15
    active: bool = True
    sort_order: int = 0


class Category(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True)
    name: str
    priority: int = 0
    out_of_turn: bool = False
    verify: bool = False
    target_wait_min: int | None = None
    # The register of rights (DESIGN.md §3): the act or programme that grants the category, and the
    # days it is in force (inclusive; None = open-ended).
    basis: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    valid_from: date | None = None
    valid_to: date | None = None


class Window(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("office_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id")
    number: int
    name: str = ""
    role: str = Field(default="operator", max_length=16)
    active: bool = True


class WindowService(SQLModel, table=True):
    __tablename__ = "window_service"
    __table_args__ = (sa.UniqueConstraint("window_id", "service_id"),)
    id: int | None = Field(default=None, primary_key=True)
    window_id: int = Field(foreign_key="window.id")
    service_id: int = Field(foreign_key="service.id")
    weight: int = 1


class Operator(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=64, unique=True)
    full_name: str
    role: str = Field(default="operator", max_length=16)
    pin_hash: str = ""
    pin_salt: str = ""
    active: bool = True
    failed_attempts: int = 0
    locked_until: datetime | None = Field(default=None, sa_column=_utc())


class Ticket(SQLModel, table=True):
    __table_args__ = (
        # The safety net under the daily counter. A redirected ticket keeps its code in another
        # service's queue, so uniqueness is per code (prefixes are unique per office), not per service.
        sa.UniqueConstraint("office_id", "day", "code"),
        sa.Index("ix_ticket_office_status_day", "office_id", "status", "day"),
        sa.Index("ix_ticket_window_day", "window_id", "day"),
    )
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id")
    day: date
    service_id: int = Field(foreign_key="service.id")
    category_id: int = Field(foreign_key="category.id")
    number: int
    code: str = Field(max_length=CODE_MAX_LEN)
    channel: str = Field(default="kiosk", max_length=16)
    status: str = Field(default="waiting", max_length=16)
    issued_at: datetime = Field(sa_column=_utc(nullable=False))
    queued_at: datetime = Field(sa_column=_utc(nullable=False))
    # The instant the policy sorts by (§4 rule 5): queued_at, or the original issue time for a
    # redirect "to the front", a declined category or a return from postponement "to the front".
    order_at: datetime = Field(sa_column=_utc(nullable=False))
    called_at: datetime | None = Field(default=None, sa_column=_utc())
    started_at: datetime | None = Field(default=None, sa_column=_utc())
    finished_at: datetime | None = Field(default=None, sa_column=_utc())
    postponed_until: datetime | None = Field(default=None, sa_column=_utc())
    window_id: int | None = Field(default=None, foreign_key="window.id")
    operator_id: int | None = Field(default=None, foreign_key="operator.id")
    recalls: int = 0
    category_claimed: bool = False
    category_verified_by: int | None = Field(default=None, foreign_key="operator.id")
    category_verified_at: datetime | None = Field(default=None, sa_column=_utc())
    print_status: str = Field(default="none", max_length=16)
    rating: int | None = None
    result_code: str | None = None


class TicketEvent(SQLModel, table=True):
    """Append-only: rows are inserted, never updated or deleted (the database refuses both, migration
    0004). Each event is chained to the office's previous one by ``prev_hash``/``hash``
    (:mod:`queue_core.eventlog`): seal it on the transaction's :class:`~queue_core.eventlog.Chain`."""

    __tablename__ = "ticket_event"
    __table_args__ = (
        sa.Index("ix_ticket_event_office_id_id", "office_id", "id"),
        sa.Index("ix_ticket_event_window_kind_id", "window_id", "kind", "id"),
        # A fork of an office's chain (two events sealed on one predecessor) fails its transaction.
        sa.Index("uq_ticket_event_office_prev_hash", "office_id", "prev_hash", unique=True),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    kind: str = Field(max_length=24)
    at: datetime = Field(sa_column=_utc(nullable=False, index=True))
    office_id: int = Field(foreign_key="office.id")
    window_id: int | None = Field(default=None, foreign_key="window.id")
    operator_id: int | None = Field(default=None, foreign_key="operator.id")
    data: dict = Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))
    prev_hash: str | None = Field(default=None, max_length=64)  # the office's previous event's hash
    hash: str | None = Field(default=None, max_length=64)  # sha256 of this event and prev_hash


class OperatorShift(SQLModel, table=True):
    __tablename__ = "operator_shift"
    __table_args__ = (
        # One open shift per window and one per operator, enforced by the database as well.
        sa.Index("uq_operator_shift_open_window", "window_id", unique=True,
                 sqlite_where=sa.text("logged_out_at IS NULL"),
                 postgresql_where=sa.text("logged_out_at IS NULL")),
        sa.Index("uq_operator_shift_open_operator", "operator_id", unique=True,
                 sqlite_where=sa.text("logged_out_at IS NULL"),
                 postgresql_where=sa.text("logged_out_at IS NULL")),
    )
    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id")
    window_id: int = Field(foreign_key="window.id")
    logged_in_at: datetime = Field(sa_column=_utc(nullable=False))
    logged_out_at: datetime | None = Field(default=None, sa_column=_utc())
    paused_at: datetime | None = Field(default=None, sa_column=_utc())
    pause_reason: str | None = None


class ShiftPause(SQLModel, table=True):
    __tablename__ = "shift_pause"
    id: int | None = Field(default=None, primary_key=True)
    shift_id: int = Field(foreign_key="operator_shift.id", index=True)
    started_at: datetime = Field(sa_column=_utc(nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=_utc())
    reason: str = ""


class DailyCounter(SQLModel, table=True):
    __tablename__ = "daily_counter"
    __table_args__ = (sa.UniqueConstraint("office_id", "day", "service_id"),)
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id")
    day: date
    service_id: int = Field(foreign_key="service.id")
    last_number: int = 0


class TicketFact(SQLModel, table=True):
    """The §8 measures of one ticket of a closed office-day, written once when the day is rolled up
    (:mod:`queue_core.reports.rollup`); reports read these instead of replaying the event log.

    Derived data: every column is recomputed from ``ticket``/``ticket_event`` by the same SQL the
    live report uses (:func:`queue_core.reports.facts.build_facts`)."""

    __tablename__ = "ticket_fact"
    __table_args__ = (sa.Index("ix_ticket_fact_day_office", "day", "office_id"),)
    ticket_id: int = Field(primary_key=True, foreign_key="ticket.id")
    office_id: int = Field(foreign_key="office.id")
    day: date
    hour: int
    service_id: int
    category_id: int
    window_id: int | None = None
    operator_id: int | None = None
    status: str = Field(max_length=16)
    wait_s: float | None = None
    total_wait_s: float | None = None
    service_s: float | None = None
    walk_sum: float | None = None
    walk_n: int = 0
    redirected: int = 0
    within: int | None = None
    rating: int | None = None
    oot: int = 0
    verified: int = 0
    declined: int = 0


class AuditDay(SQLModel, table=True):
    """The priority audit (§8) of one closed office-day, replayed from its event log when the day
    was rolled up. Its presence marks the office-day as rolled up (its tickets are in ``ticket_fact``)."""

    __tablename__ = "audit_day"
    office_id: int = Field(primary_key=True, foreign_key="office.id")
    day: date = Field(primary_key=True)
    rolled_up_at: datetime = Field(sa_column=_utc(nullable=False))
    tickets: int = 0
    calls_by_rule: dict = Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))
    violations: int = 0
    deviations: int = 0
    exempt: dict = Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))
    findings: list = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))
    # The event log's hash chain over the day's stretch of the office's log, checked at roll-up
    # (queue_core.reports.chain): event ids first..last, the office's event before first, how many
    # events fit, the first that did not (None: all did). chain_first None: the day had no events,
    # or it was rolled up before revision 0004 (then reports check it live).
    chain_first: int | None = None
    chain_last: int | None = None
    chain_before: int | None = None
    chain_events: int = 0
    chain_break: dict | None = Field(default=None, sa_column=sa.Column(sa.JSON(none_as_null=True), nullable=True))


class StaffSessionRow(SQLModel, table=True):
    """A PIN login (DESIGN §11): the token is shown once and only its SHA-256 is kept. Bound to the
    shift it opened or joined (None for a read-only or admin session); ended by logout or after 12 h."""

    __tablename__ = "staff_session"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    shift_id: int | None = Field(default=None, foreign_key="operator_shift.id")
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    expires_at: datetime = Field(sa_column=_utc(nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=_utc())


class DeviceToken(SQLModel, table=True):
    """A device's credential (``talon tokens add``): kiosks, boards, other systems. Hashed like sessions."""

    __tablename__ = "device_token"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    scope: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=_utc())
