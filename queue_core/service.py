"""The service layer of one office: :class:`QueueService`, the one object the apps, the CLI and
the office server talk to (it implements :class:`queue_core.protocol.QueueApi`).

It holds no logic of its own: every method is a use case of :mod:`issuing`, :mod:`calling`,
:mod:`at_window`, :mod:`staff` or :mod:`queries`, run against the office's context
(:class:`queue_core.office.Office`). Changes take an :class:`~queue_core.domain.Actor` and run in
one :class:`~queue_core.uow.UnitOfWork`; reads return frozen values. Wrong transitions raise
:class:`DomainError` with a Russian sentence, refusals of authority :class:`Forbidden`, an
unreachable database :class:`StorageError` (nothing committed).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from . import at_window, calling, issuing, queries, staff
from .catalog import Catalog, read_catalog
from .clock import Clock, SystemClock
from .config import Config
from .db import Database
from .domain import (
    LOCAL_KIOSK, Actor, CallResult, CallShown, DeviceTokenInfo, EventInfo, OperatorInfo, QueueSnapshot, ShiftInfo,
    StaffSession, TicketInfo, WaitEstimate,
)
from .office import Office

if TYPE_CHECKING:
    from .reports.model import Report
    from .reports.period import Period

Ref = str | int


class QueueService:
    """Use cases of one office. Safe to share between threads: it holds no session."""

    def __init__(self, config: Config, db: Database, clock: Clock | None = None) -> None:
        self.config = config
        self.db = db
        self.clock = clock or SystemClock(config.office.tz)
        self.tz = config.office.tz
        with db.read() as s:  # the catalogue is written only by apply_catalog (talon config apply)
            catalog: Catalog = read_catalog(s, config)
        self.office = Office(config, db, self.clock, catalog)
        self.catalog = catalog
        self.policy = self.office.policy
        self.check_clock()

    # --- time and change ------------------------------------------------------------------------
    def data_version(self) -> int | str:
        """A cheap token that changes whenever anything is committed: live screens re-read only
        when it moved. Raises :class:`StorageError` when the database is unreachable."""
        return self.db.changed()

    def check_clock(self) -> None:
        """Raise :class:`~queue_core.domain.ClockSkew` when this process may not write with its clock."""
        self.now_of_record()

    def now_of_record(self) -> datetime:
        """The clock of record now, outside a writing transaction; raises ClockSkew like a write would."""
        with self.db.read() as s:
            return self.office.of_record(self.db.server_now(s))

    def is_open(self, at: datetime | None = None, *, for_kiosk: bool = True) -> bool:
        """Whether a kiosk may issue now: within today's hours and before the cut-off."""
        return self.office.is_open(at, for_kiosk=for_kiosk)

    # --- issuing and calling --------------------------------------------------------------------
    def issue_ticket(self, service: str, category: str = "regular", *, actor: Actor = LOCAL_KIOSK) -> TicketInfo:
        return issuing.issue_ticket(self.office, actor, service, category)

    def call_next(self, actor: Actor) -> CallResult | None:
        return calling.call_next(self.office, actor)

    def call_ticket(self, actor: Actor, ref: Ref, reason: str) -> CallResult:
        return calling.call_ticket(self.office, actor, ref, reason)

    def serve_direct(self, actor: Actor, service: str, category: str) -> CallResult:
        return calling.serve_direct(self.office, actor, service, category)

    # --- at the window --------------------------------------------------------------------------
    def recall(self, actor: Actor, ref: Ref) -> TicketInfo:
        return at_window.recall(self.office, actor, ref)

    def start(self, actor: Actor, ref: Ref) -> TicketInfo:
        return at_window.start(self.office, actor, ref)

    def finish(self, actor: Actor, ref: Ref, *, result_code: str | None = None,
               rating: int | None = None) -> TicketInfo:
        return at_window.finish(self.office, actor, ref, result_code=result_code, rating=rating)

    def no_show(self, actor: Actor, ref: Ref) -> TicketInfo:
        return at_window.no_show(self.office, actor, ref)

    def redirect(self, actor: Actor, ref: Ref, to_service: str, position: str | None = None) -> TicketInfo:
        return at_window.redirect(self.office, actor, ref, to_service, position)

    def postpone(self, actor: Actor, ref: Ref, minutes: int, reason: str = "") -> TicketInfo:
        return at_window.postpone(self.office, actor, ref, minutes, reason)

    def return_ticket(self, actor: Actor, ref: Ref) -> TicketInfo:
        return at_window.return_ticket(self.office, actor, ref)

    def cancel(self, actor: Actor, ref: Ref, reason: str) -> TicketInfo:
        return at_window.cancel(self.office, actor, ref, reason)

    def verify_category(self, actor: Actor, ref: Ref) -> TicketInfo:
        return at_window.verify_category(self.office, actor, ref)

    def decline_category(self, actor: Actor, ref: Ref) -> TicketInfo:
        return at_window.decline_category(self.office, actor, ref)

    def rate(self, actor: Actor, ref: Ref, rating: int) -> TicketInfo:
        return at_window.rate(self.office, actor, ref, rating)

    def record_print(self, ticket_id: int, ok: bool, reason: str = "", *, actor: Actor = LOCAL_KIOSK) -> None:
        at_window.record_print(self.office, actor, ticket_id, ok, reason)

    # --- staff ----------------------------------------------------------------------------------
    def login(self, window: int, login: str, pin: str, *, open_shift: bool = True) -> StaffSession:
        return staff.login(self.office, window, login, pin, open_shift=open_shift)

    def session(self, token: str) -> StaffSession:
        return staff.session(self.office, token)

    def authenticate(self, login: str, pin: str) -> StaffSession:
        return staff.authenticate(self.office, login, pin)

    def end_session(self, actor: Actor) -> None:
        staff.end_session(self.office, actor)

    def logout(self, actor: Actor, *, force: bool = False) -> None:
        staff.logout(self.office, actor, force=force)

    def pause(self, actor: Actor, reason: str) -> ShiftInfo:
        return staff.pause(self.office, actor, reason)

    def resume(self, actor: Actor) -> ShiftInfo:
        return staff.resume(self.office, actor)

    def current_shift(self, window: int) -> ShiftInfo | None:
        return staff.current_shift(self.office, window)

    def add_operator(self, actor: Actor, login: str, full_name: str, role: str = "operator",
                     pin: str | None = None) -> OperatorInfo:
        return staff.add_operator(self.office, actor, login, full_name, role, pin)

    def list_operators(self, actor: Actor) -> list[OperatorInfo]:
        return staff.list_operators(self.office, actor)

    def disable_operator(self, actor: Actor, login: str) -> OperatorInfo:
        return staff.disable_operator(self.office, actor, login)

    def set_pin(self, actor: Actor, login: str, pin: str) -> OperatorInfo:
        return staff.set_pin(self.office, actor, login, pin)

    def add_device_token(self, actor: Actor, name: str, scope: str) -> DeviceTokenInfo:
        return staff.add_device_token(self.office, actor, name, scope)

    def list_device_tokens(self, actor: Actor) -> list[DeviceTokenInfo]:
        return staff.list_device_tokens(self.office, actor)

    def revoke_device_token(self, actor: Actor, name: str) -> DeviceTokenInfo:
        return staff.revoke_device_token(self.office, actor, name)

    # --- reads ----------------------------------------------------------------------------------
    def ticket(self, ref: Ref) -> TicketInfo:
        return queries.ticket(self.office, ref)

    def ticket_history(self, ref: Ref) -> list[EventInfo]:
        return queries.ticket_history(self.office, ref)

    def estimate_wait(self, service: str, category: str = "regular") -> WaitEstimate:
        return queries.estimate_wait(self.office, service, category)

    def waiting_counts(self) -> dict[str, int]:
        return queries.waiting_counts(self.office)

    def queue_snapshot(self, *, last_calls: int = 10) -> QueueSnapshot:
        return queries.queue_snapshot(self.office, last_calls=last_calls)

    def calls_since(self, last_event_id: int, *, windows: list[int] | None = None,
                    limit: int = 100) -> list[CallShown]:
        return queries.calls_since(self.office, last_event_id, windows=windows, limit=limit)

    def recent_calls(self, n: int, *, windows: list[int] | None = None) -> list[CallShown]:
        return queries.recent_calls(self.office, n, windows=windows)

    def last_event_id(self) -> int:
        return queries.last_event_id(self.office)

    def operator_day(self, window: int, login: str) -> tuple[int, float | None]:
        return queries.operator_day(self.office, window, login)

    def report(self, period: Period | str, *, by: Iterable[str] = ("service",), audit: bool = True,
               now: datetime | None = None) -> Report:
        """The §8 report of this office for ``period`` (see :func:`queue_core.reports.compute_report`)."""
        from .reports import compute_report  # lazy: the reports and numpy cost ~0.3 s to import

        return compute_report(self, period, self.catalog.office_code, by=by, audit=audit, now=now)
