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

import functools
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

from . import at_window, calling, issuing, queries, staff
from .catalog import Catalog, read_catalog
from .clock import Clock, SystemClock
from .config import Config
from .db import Database
from .domain import LOCAL_KIOSK, Actor, TicketInfo
from .office import Office

if TYPE_CHECKING:
    from .reports.model import Report
    from .reports.period import Period



P = ParamSpec("P")
R = TypeVar("R")


def _use_case(fn: Callable[Concatenate[Office, P], R]) -> Callable[Concatenate[QueueService, P], R]:
    """A method of :class:`QueueService` that runs the use case ``fn`` against the service's office."""

    @functools.wraps(fn)
    def method(self: QueueService, *args: P.args, **kwargs: P.kwargs) -> R:
        return fn(self.office, *args, **kwargs)

    return method


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

    # --- the use cases (each a function of its module, run against this office) ---------------------
    def issue_ticket(self, service: str, category: str = "regular", *, actor: Actor = LOCAL_KIOSK) -> TicketInfo:
        """Issue a ticket (a kiosk by default; see :func:`queue_core.issuing.issue_ticket`)."""
        return issuing.issue_ticket(self.office, actor, service, category)

    def record_print(self, ticket_id: int, ok: bool, reason: str = "", *, actor: Actor = LOCAL_KIOSK) -> None:
        """Log the printer's outcome (see :func:`queue_core.at_window.record_print`)."""
        at_window.record_print(self.office, actor, ticket_id, ok, reason)

    call_next = _use_case(calling.call_next)
    call_ticket = _use_case(calling.call_ticket)
    serve_direct = _use_case(calling.serve_direct)
    recall = _use_case(at_window.recall)
    start = _use_case(at_window.start)
    finish = _use_case(at_window.finish)
    no_show = _use_case(at_window.no_show)
    redirect = _use_case(at_window.redirect)
    postpone = _use_case(at_window.postpone)
    return_ticket = _use_case(at_window.return_ticket)
    cancel = _use_case(at_window.cancel)
    verify_category = _use_case(at_window.verify_category)
    decline_category = _use_case(at_window.decline_category)
    rate = _use_case(at_window.rate)

    login = _use_case(staff.login)
    authenticate = _use_case(staff.authenticate)
    session = _use_case(staff.session)
    end_session = _use_case(staff.end_session)
    logout = _use_case(staff.logout)
    pause = _use_case(staff.pause)
    resume = _use_case(staff.resume)
    current_shift = _use_case(staff.current_shift)
    add_operator = _use_case(staff.add_operator)
    list_operators = _use_case(staff.list_operators)
    disable_operator = _use_case(staff.disable_operator)
    set_pin = _use_case(staff.set_pin)
    add_device_token = _use_case(staff.add_device_token)
    list_device_tokens = _use_case(staff.list_device_tokens)
    revoke_device_token = _use_case(staff.revoke_device_token)

    ticket = _use_case(queries.ticket)
    ticket_history = _use_case(queries.ticket_history)
    estimate_wait = _use_case(queries.estimate_wait)
    waiting_counts = _use_case(queries.waiting_counts)
    queue_snapshot = _use_case(queries.queue_snapshot)
    calls_since = _use_case(queries.calls_since)
    recent_calls = _use_case(queries.recent_calls)
    last_event_id = _use_case(queries.last_event_id)
    operator_day = _use_case(queries.operator_day)

    def report(self, period: Period | str, *, by: Iterable[str] = ("service",), audit: bool = True,
               now: datetime | None = None) -> Report:
        """The §8 report of this office for ``period`` (see :func:`queue_core.reports.compute_report`)."""
        from .reports import compute_report  # lazy: the reports and numpy cost ~0.3 s to import

        return compute_report(self, period, self.catalog.office_code, by=by, audit=audit, now=now)
