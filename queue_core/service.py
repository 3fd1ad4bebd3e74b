"""The service layer: the office's use cases, one short transaction each.

Every method returns frozen values from :mod:`queue_core.domain`; every state change appends a
:class:`~queue_core.models.TicketEvent`. Wrong transitions raise :class:`DomainError` with a
Russian sentence; an unreachable database raises :class:`StorageError` and commits nothing.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from .catalog import Catalog, sync_catalog
from .clock import Clock, SystemClock, as_utc, local_day
from .config import WEEKDAYS, Config
from .db import Database
from .domain import (
    AT_WINDOW, BadArgument, CallResult, CallRule, DomainError, EventKind, NotFound, OfficeClosed, TicketInfo,
    TicketStatus, WaitEstimate,
)
from .eventlog import Chain
from .fastissue import FastIssue
from .models import Category, DailyCounter, Operator, OperatorShift, Ticket, TicketEvent
from .policy import Candidate, Policy, WindowContext, choose_next, is_priority
from .snapshot import SnapshotQueries
from .staff import StaffUseCases

_NOW = "talon_now"  # Session.info key of the transaction's instant of record
_CODE_RE = re.compile(r"^\s*([^\W\d_]{1,2})\s*-?\s*(\d{1,4})\s*$")
S = TicketStatus


class QueueService(StaffUseCases, SnapshotQueries):
    """Use cases of one office. Safe to share between threads: it holds no session."""

    def __init__(self, config: Config, db: Database, clock: Clock | None = None) -> None:
        self.config = config
        self.db = db
        self.clock = clock or SystemClock(config.office.tz)
        self.tz = config.office.tz
        self.policy = Policy(config.policy.max_priority_streak, config.policy.starvation_wait_min)
        self.check_clock()
        with db.write() as s:
            self.catalog: Catalog = sync_catalog(s, config, lock=not db.is_sqlite)
        self._expired_through: date | None = None
        self._service_time_cache: dict[int, tuple[datetime, float]] = {}
        self._fast_issue = FastIssue(self)

    def data_version(self) -> int | str:
        """A cheap token that changes whenever anything is committed: live screens re-read only
        when it moved. Raises :class:`StorageError` when the database is unreachable."""
        return self.db.changed()

    # --- the clock of record (see queue_core.clock) ----------------------------------------------
    def check_clock(self) -> None:
        """Raise :class:`~queue_core.domain.ClockSkew` when this process may not write with its clock
        (at start-up, and by the apps when they reconnect)."""
        self.now_of_record()

    def now_of_record(self) -> datetime:
        """The clock of record now, outside a writing transaction (e.g. which days a report may roll
        up as over); raises :class:`~queue_core.domain.ClockSkew` like a write would."""
        with self.db.read() as s:
            return self._of_record(self.db.server_now(s))

    def _of_record(self, server_now: datetime) -> datetime:
        return self.clock.of_record(server_now, self.config.database.clock_skew_max_s)

    def _now(self, s: Session) -> datetime:
        """The instant this writing transaction records: read once (after the office lock, when the
        transaction takes it), checked against our own clock, then the same for every row it writes."""
        now = s.info.get(_NOW)
        if now is None:
            now = s.info[_NOW] = self._of_record(self.db.server_now(s))
        return now

    def _restamp(self, s: Session) -> None:
        """A ticket row just locked may hold events of writers outside the office lock (a kiosk's
        print, a cancel) that committed while we waited: read the instant of record again, after them,
        so no event of a ticket is earlier than the one before it."""
        s.info.pop(_NOW, None)
        self.db.forget_server_now(s)

    def _today(self, s: Session) -> date:
        """The office-local date of :meth:`_now`: what "today" is for this transaction."""
        return local_day(self._now(s), self.tz)

    # --- office hours -------------------------------------------------------------------------
    def is_open(self, at: datetime | None = None, *, for_kiosk: bool = True) -> bool:
        """Whether a kiosk may issue now: within today's hours and before the cut-off."""
        local = (at or self.clock.now()).astimezone(self.tz)
        hours = self.config.office.hours.get(WEEKDAYS[local.weekday()])
        if hours is None:
            return False
        cutoff = self.config.office.last_ticket_min if for_kiosk else 0
        closes = hours.closing(local.date(), self.tz) - timedelta(minutes=cutoff)
        return datetime.combine(local.date(), hours.opens, self.tz) <= local < closes

    def _closing_instant(self, day: date) -> datetime:
        hours = self.config.office.hours.get(WEEKDAYS[day.weekday()])
        closes = hours.closing(day, self.tz) if hours else datetime.combine(day, time(23, 59, 59), self.tz)
        return closes.astimezone(self.clock.now().tzinfo)

    # --- issue ------------------------------------------------------------------------------------
    def issue_ticket(self, service: str, category: str = "regular", *, channel: str = "kiosk",
                     window: int | None = None, login: str | None = None) -> TicketInfo:
        """Issue a numbered ticket. Kiosk tickets respect office hours; a priority category taken at
        the kiosk is "claimed" (checked at the window), one issued by the informator is verified."""
        svc = self._service(service)
        cat = self._category(category)
        if channel not in ("kiosk", "informator", "api"):
            raise DomainError(f"Неизвестный канал выдачи «{channel}»")
        if channel == "kiosk" and not self.is_open():
            raise OfficeClosed(f"Талоны на сегодня больше не выдаются. Часы работы: {self.config.office.hours_text()}")
        if self._expired_through == self.clock.today():  # the day has begun: the driver-level path (fastissue)
            return self._fast_issue.issue(svc, cat, channel, self._mean_service_min_cached(svc.id),
                                          window=window, login=login)
        with self.db.write() as s:
            self.db.lock_office(s, self.catalog.office_id)
            self._expire_past_days(s)
            operator_id = window_id = None
            if channel == "informator":
                shift = self._shift(s, window, login)
                operator_id, window_id = shift.operator_id, shift.window_id
            ticket = self._insert_ticket(s, svc.id, cat.id, channel)
            now = ticket.issued_at
            verified_here = cat.verify and channel == "informator"
            ticket.category_claimed = cat.verify and not verified_here
            self._event(s, ticket, EventKind.ISSUED, window_id=window_id, operator_id=operator_id, at=now,
                        channel=channel, service=svc.slug, category=cat.slug)
            if verified_here:
                ticket.category_verified_by, ticket.category_verified_at = operator_id, now
                self._event(s, ticket, EventKind.CATEGORY_VERIFIED, window_id=window_id, at=now,
                            operator_id=operator_id, category=cat.slug, at_issue=True)
            return self._info(s, ticket, with_estimate=True)

    def _insert_ticket(self, s: Session, service_id: int, category_id: int, channel: str,
                       now: datetime | None = None) -> Ticket:
        """Number and insert a ticket at the transaction's instant of record. It is read under the
        write lock (the office lock), so a ticket's number and its issue time agree even under
        concurrent kiosks, and its day is the day of record."""
        now = now or self._now(s)
        day = local_day(now, self.tz)
        number = self._next_number(s, day, service_id)
        prefix = self.catalog.service_by_id[service_id].prefix
        ticket = Ticket(office_id=self.catalog.office_id, day=day, service_id=service_id,
                        category_id=category_id, number=number,
                        code=self.config.office.number_format.format(prefix=prefix, number=number),
                        channel=channel, status=S.WAITING, issued_at=now, queued_at=now, order_at=now)
        s.add(ticket)
        s.flush()
        return ticket

    def _next_number(self, s: Session, day: date, service_id: int) -> int:
        """Upsert the (office, day, service) counter and return the new number, in this transaction."""
        if self.db.is_sqlite:
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert
        t = DailyCounter.__table__
        stmt = insert(t).values(office_id=self.catalog.office_id, day=day, service_id=service_id, last_number=1)
        stmt = stmt.on_conflict_do_update(index_elements=[t.c.office_id, t.c.day, t.c.service_id],
                                          set_={"last_number": t.c.last_number + 1})
        return s.execute(stmt.returning(t.c.last_number)).scalar_one()

    # --- call --------------------------------------------------------------------------------------
    def call_next(self, window: int, login: str) -> CallResult | None:
        """Claim the next ticket for this window by the §4 rules; None when nobody eligible waits.

        Race-free: the choice is made under the office's write lock, so two windows calling at the
        same instant get different tickets and neither comes back empty while one waits."""
        with self.db.write() as s:
            self.db.lock_office(s, self.catalog.office_id)
            self._expire_past_days(s)
            self._return_due_postponed(s)
            shift = self._active_shift(s, window, login)
            self._ensure_window_free(s, shift.window_id)
            win = self.catalog.windows[window]
            candidates = self._candidates(s, win.weights)
            ctx = WindowContext(win.weights, self._now(s), self._priority_streak(s, shift.window_id))
            choice = choose_next(candidates, ctx, self.policy)
            if choice is None:
                return None
            ticket = self._ticket(s, choice.ticket.id)
            self._mark_called(s, ticket, shift, choice.rule, choice.reason, priority_call=is_priority(choice.ticket))
            return CallResult(self._info(s, ticket), choice.rule, choice.reason)

    def call_ticket(self, ref: str | int, window: int, login: str, reason: str) -> CallResult:
        """Call a specific waiting ticket by its code (logged with the operator's reason)."""
        reason = (reason or "").strip()
        if not reason:
            raise DomainError("Укажите причину вызова талона по номеру")
        with self.db.write() as s:
            self.db.lock_office(s, self.catalog.office_id)
            shift = self._active_shift(s, window, login)
            self._ensure_window_free(s, shift.window_id)
            ticket = self._ticket(s, ref)
            self._expect(ticket, (S.WAITING, S.POSTPONED), "вызвать")
            text = f"вызов по номеру: {reason}"
            self._mark_called(s, ticket, shift, CallRule.BY_CODE, text, priority_call=False)
            return CallResult(self._info(s, ticket), CallRule.BY_CODE, text)

    def serve_direct(self, service: str, category: str, window: int, login: str) -> CallResult:
        """The informator serves a visitor at the desk at once: issue (verified) + call + start."""
        svc, cat = self._service(service), self._category(category)
        with self.db.write() as s:
            self.db.lock_office(s, self.catalog.office_id)
            shift = self._active_shift(s, window, login)
            self._ensure_window_free(s, shift.window_id)
            now = self._now(s)
            ticket = self._insert_ticket(s, svc.id, cat.id, "informator", now)
            ids = dict(window_id=shift.window_id, operator_id=shift.operator_id)
            self._event(s, ticket, EventKind.ISSUED, **ids, channel="informator", service=svc.slug,
                        category=cat.slug, direct=True)
            if cat.verify:
                ticket.category_verified_by, ticket.category_verified_at = shift.operator_id, now
                self._event(s, ticket, EventKind.CATEGORY_VERIFIED, **ids, category=cat.slug, at_issue=True)
            reason = f"обслуживание у информатора: {cat.label}" if cat.priority else "обслуживание у информатора"
            self._mark_called(s, ticket, shift, CallRule.DIRECT, reason, priority_call=False)
            ticket.status, ticket.started_at = S.SERVING, now
            self._event(s, ticket, EventKind.STARTED, **ids)
            return CallResult(self._info(s, ticket), CallRule.DIRECT, reason)

    def _mark_called(self, s: Session, ticket: Ticket, shift: OperatorShift, rule: CallRule, reason: str,
                     *, priority_call: bool) -> None:
        now = self._now(s)
        done = s.execute(sa.update(Ticket).where(Ticket.id == ticket.id, Ticket.status.in_((S.WAITING, S.POSTPONED)))
                         .values(status=S.CALLED, called_at=now, window_id=shift.window_id,
                                 operator_id=shift.operator_id, recalls=0, postponed_until=None))
        if done.rowcount != 1:  # the lock makes this impossible; the check keeps it impossible
            raise DomainError(f"Талон {ticket.code} уже вызван в другое окно")
        s.refresh(ticket)
        cat = self.catalog.category_by_id[ticket.category_id]
        self._event(s, ticket, EventKind.CALLED, window_id=shift.window_id, operator_id=shift.operator_id,
                    rule=str(rule), reason=reason, category=cat.slug, priority_call=priority_call,
                    service=self.catalog.service_by_id[ticket.service_id].slug)

    def _candidates(self, s: Session, weights: dict[str, int]) -> list[Candidate]:
        ids = [self.catalog.services[slug].id for slug in weights]
        rows = s.execute(
            select(Ticket.id, Ticket.code, Ticket.service_id, Ticket.category_id, Ticket.order_at)
            .where(Ticket.office_id == self.catalog.office_id, Ticket.status == S.WAITING,
                   Ticket.day == self._today(s), Ticket.service_id.in_(ids))
        ).all()
        out = []
        for tid, code, sid, cid, order_at in rows:
            cat = self.catalog.category_by_id[cid]
            out.append(Candidate(tid, code, self.catalog.service_by_id[sid].slug, cat.slug, cat.label,
                                 cat.priority, cat.out_of_turn, as_utc(order_at)))
        return out

    def _priority_streak(self, s: Session, window_id: int) -> int:
        k = self.policy.max_priority_streak
        if not k:
            return 0
        rows = s.execute(select(TicketEvent.data).where(TicketEvent.window_id == window_id,
                                                        TicketEvent.kind == EventKind.CALLED)
                         .order_by(TicketEvent.id.desc()).limit(k)).scalars().all()
        streak = 0
        for data in rows:
            if not data.get("priority_call"):
                break
            streak += 1
        return streak

    def _ensure_window_free(self, s: Session, window_id: int) -> None:
        busy = s.exec(select(Ticket.code).where(Ticket.window_id == window_id, Ticket.day == self._today(s),
                                               Ticket.status.in_(AT_WINDOW))).first()
        if busy:
            raise DomainError(f"У окна ещё талон {busy}: завершите его, отметьте неявку или перенаправьте")

    # --- at the window --------------------------------------------------------------------------
    def recall(self, ref: str | int, window: int, login: str) -> TicketInfo:
        """Call the same visitor again; past ``recall_limit`` recalls the ticket becomes a no-show."""
        with self.db.write() as s:
            self.db.lock_office(s, self.catalog.office_id)  # the office's event chain: one writer at a time
            ticket, shift = self._at_window(s, ref, window, login, (S.CALLED,), "вызвать повторно")
            if ticket.recalls >= self.config.policy.recall_limit:
                ticket.status = S.NO_SHOW
                self._event(s, ticket, EventKind.NO_SHOW, window_id=shift.window_id,
                            operator_id=shift.operator_id, auto=True, recalls=ticket.recalls)
            else:
                ticket.recalls += 1
                self._event(s, ticket, EventKind.RECALLED, window_id=shift.window_id,
                            operator_id=shift.operator_id, recall=ticket.recalls)
            return self._info(s, ticket)

    def start(self, ref: str | int, window: int, login: str) -> TicketInfo:
        with self.db.write() as s:
            self.db.lock_office(s, self.catalog.office_id)  # the office's event chain: one writer at a time
            ticket, shift = self._at_window(s, ref, window, login, (S.CALLED,), "начать обслуживание")
            ticket.status, ticket.started_at = S.SERVING, self._now(s)
            self._event(s, ticket, EventKind.STARTED, window_id=shift.window_id, operator_id=shift.operator_id)
            return self._info(s, ticket)

    def finish(self, ref: str | int, window: int, login: str, *, result_code: str | None = None,
               rating: int | None = None) -> TicketInfo:
        """Finish service (a called ticket is started first, at the same instant)."""
        if rating is not None:
            self._check_rating(rating)
        with self.db.write() as s:
            self.db.lock_office(s, self.catalog.office_id)  # the office's event chain: one writer at a time
            ticket, shift = self._at_window(s, ref, window, login, AT_WINDOW, "завершить")
            ids = dict(window_id=shift.window_id, operator_id=shift.operator_id)
            now = self._now(s)
            if ticket.status == S.CALLED:
                ticket.started_at = now
                self._event(s, ticket, EventKind.STARTED, **ids, implicit=True)
            ticket.status, ticket.finished_at, ticket.result_code = S.DONE, now, result_code
            self._event(s, ticket, EventKind.FINISHED, **ids, result_code=result_code)
            if rating is not None:
                ticket.rating = rating
                self._event(s, ticket, EventKind.RATED, **ids, rating=rating)
            return self._info(s, ticket)

    def no_show(self, ref: str | int, window: int, login: str) -> TicketInfo:
        with self.db.write() as s:
            self.db.lock_office(s, self.catalog.office_id)  # the office's event chain: one writer at a time
            ticket, shift = self._at_window(s, ref, window, login, (S.CALLED,), "отметить неявку")
            ticket.status = S.NO_SHOW
            self._event(s, ticket, EventKind.NO_SHOW, window_id=shift.window_id, operator_id=shift.operator_id,
                        auto=False, recalls=ticket.recalls)
            return self._info(s, ticket)

    def redirect(self, ref: str | int, window: int, login: str, to_service: str,
                 position: str | None = None) -> TicketInfo:
        """Send the visitor to another service's queue with the same code, front or back."""
        target = self._service(to_service)
        position = position or self.config.policy.redirect_position
        if position not in ("front", "back"):
            raise DomainError("Позиция перенаправления: front или back")
        with self.db.write() as s:
            self.db.lock_office(s, self.catalog.office_id)
            ticket, shift = self._at_window(s, ref, window, login, AT_WINDOW, "перенаправить")
            old = self.catalog.service_by_id[ticket.service_id].slug
            self._requeue(s, ticket, position)
            ticket.service_id = target.id
            self._event(s, ticket, EventKind.REDIRECTED, window_id=shift.window_id, operator_id=shift.operator_id,
                        from_service=old, to_service=target.slug, position=position)
            return self._info(s, ticket, with_estimate=True)

    def postpone(self, ref: str | int, window: int, login: str, minutes: int, reason: str = "") -> TicketInfo:
        """Put the visitor aside (e.g. to fetch a document); they return by themselves after ``minutes``."""
        if not 1 <= minutes <= self.config.policy.postpone_max_min:
            raise DomainError(f"Отложить можно на 1–{self.config.policy.postpone_max_min} мин")
        with self.db.write() as s:
            self.db.lock_office(s, self.catalog.office_id)  # the office's event chain: one writer at a time
            ticket, shift = self._at_window(s, ref, window, login, AT_WINDOW, "отложить")
            ticket.status = S.POSTPONED
            ticket.postponed_until = self._now(s) + timedelta(minutes=minutes)
            ticket.window_id = ticket.operator_id = None
            self._event(s, ticket, EventKind.POSTPONED, window_id=shift.window_id, operator_id=shift.operator_id,
                        minutes=minutes, reason=reason)
            return self._info(s, ticket)

    def return_ticket(self, ref: str | int, window: int | None = None, login: str | None = None) -> TicketInfo:
        """Bring a postponed visitor back into the queue (position per ``return_position``)."""
        with self.db.write() as s:
            ids = {}
            if window is not None:
                shift = self._shift(s, window, login)
                ids = dict(window_id=shift.window_id, operator_id=shift.operator_id)
            self.db.lock_office(s, self.catalog.office_id)
            ticket = self._ticket(s, ref)
            self._expect(ticket, (S.POSTPONED,), "вернуть в очередь")
            self._requeue(s, ticket, self.config.policy.return_position)
            self._event(s, ticket, EventKind.RETURNED, **ids, position=self.config.policy.return_position)
            return self._info(s, ticket, with_estimate=True)

    def cancel(self, ref: str | int, reason: str, window: int | None = None, login: str | None = None) -> TicketInfo:
        with self.db.write() as s:
            self.db.lock_office(s, self.catalog.office_id)  # the office's event chain: one writer at a time
            ids = {}
            if window is not None:
                shift = self._shift(s, window, login)
                ids = dict(window_id=shift.window_id, operator_id=shift.operator_id)
            ticket = self._ticket(s, ref)
            self._expect(ticket, (S.WAITING, S.POSTPONED), "отменить")
            ticket.status = S.CANCELLED
            self._event(s, ticket, EventKind.CANCELLED, **ids, reason=reason)
            return self._info(s, ticket)

    def verify_category(self, ref: str | int, window: int, login: str) -> TicketInfo:
        """The operator has seen the document: the claimed category stands (logged)."""
        with self.db.write() as s:
            self.db.lock_office(s, self.catalog.office_id)  # the office's event chain: one writer at a time
            ticket, shift = self._at_window(s, ref, window, login, AT_WINDOW, "подтвердить категорию")
            if not ticket.category_claimed:
                raise DomainError(f"У талона {ticket.code} нет категории, ожидающей проверки")
            now = self._now(s)
            ticket.category_claimed = False
            ticket.category_verified_by, ticket.category_verified_at = shift.operator_id, now
            self._event(s, ticket, EventKind.CATEGORY_VERIFIED, window_id=shift.window_id,
                        operator_id=shift.operator_id, category=self.catalog.category_by_id[ticket.category_id].slug)
            return self._info(s, ticket)

    def decline_category(self, ref: str | int, window: int, login: str) -> TicketInfo:
        """No document: the ticket goes back to the queue as ``regular`` with its original time."""
        with self.db.write() as s:
            self.db.lock_office(s, self.catalog.office_id)
            ticket, shift = self._at_window(s, ref, window, login, AT_WINDOW, "отклонить категорию")
            if not ticket.category_claimed:
                raise DomainError(f"У талона {ticket.code} нет категории, ожидающей проверки")
            old = self.catalog.category_by_id[ticket.category_id].slug
            ticket.category_claimed = False
            ticket.category_id = self.catalog.categories["regular"].id
            self._requeue(s, ticket, "front")
            self._event(s, ticket, EventKind.CATEGORY_DECLINED, window_id=shift.window_id,
                        operator_id=shift.operator_id, from_category=old, to_category="regular")
            return self._info(s, ticket, with_estimate=True)

    def rate(self, ref: str | int, rating: int) -> TicketInfo:
        """The visitor's satisfaction, 1–5, for a served ticket (once)."""
        self._check_rating(rating)
        with self.db.write() as s:
            self.db.lock_office(s, self.catalog.office_id)  # the office's event chain: one writer at a time
            ticket = self._ticket(s, ref)
            self._expect(ticket, (S.DONE,), "оценить")
            if ticket.rating is not None:
                raise DomainError(f"Талон {ticket.code} уже оценён")
            ticket.rating = rating
            self._event(s, ticket, EventKind.RATED, rating=rating)  # a rolled-up day is invalidated (migration 0003)
            return self._info(s, ticket)

    def record_print(self, ticket_id: int, ok: bool, reason: str = "") -> None:
        """Log the printer's outcome for a ticket (the ticket stays in the queue either way)."""
        with self.db.write() as s:
            self.db.lock_office(s, self.catalog.office_id)  # the office's event chain: one writer at a time
            ticket = self._ticket(s, ticket_id)
            ticket.print_status = "printed" if ok else "failed"
            self._event(s, ticket, EventKind.PRINTED if ok else EventKind.PRINT_FAILED, reason=reason)

    # --- helpers --------------------------------------------------------------------------------
    @staticmethod
    def _check_rating(rating: int) -> None:
        if not (isinstance(rating, int) and 1 <= rating <= 5):
            raise DomainError("Оценка — целое число от 1 до 5")

    def _requeue(self, s: Session, ticket: Ticket, position: str) -> None:
        now = self._now(s)
        ticket.status = S.WAITING
        ticket.queued_at = now
        ticket.order_at = as_utc(ticket.issued_at) if position == "front" else now
        ticket.window_id = ticket.operator_id = ticket.postponed_until = None

    def _at_window(self, s: Session, ref: str | int, window: int, login: str, statuses: tuple,
                   verb: str) -> tuple[Ticket, OperatorShift]:
        shift = self._shift(s, window, login)
        ticket = self._ticket(s, ref)
        self._expect(ticket, statuses, verb)
        if ticket.window_id != shift.window_id:
            raise DomainError(f"Талон {ticket.code} вызван не в это окно")
        return ticket, shift

    @staticmethod
    def _expect(ticket: Ticket, statuses: tuple, verb: str) -> None:
        if ticket.status not in statuses:
            from .domain import STATUS_RU

            raise DomainError(f"Нельзя {verb}: талон {ticket.code} {STATUS_RU[S(ticket.status)]}")

    def _ticket(self, s: Session, ref: str | int, *, lock: bool = True) -> Ticket:
        """Today's ticket by code (``А-015``, ``а15``) or any ticket by id; locked for update."""
        q = select(Ticket).where(Ticket.office_id == self.catalog.office_id)
        if isinstance(ref, str) and re.fullmatch(r"[0-9]+", ref.strip()):
            ref = int(ref.strip())
        if isinstance(ref, int):
            if not 0 < ref < 2**31:  # an id the database could not even hold
                raise NotFound(f"Талон «{ref}» не найден")
            q = q.where(Ticket.id == ref)
        else:
            m = _CODE_RE.match(ref or "")
            if not m:
                raise DomainError(f"Неверный номер талона «{ref}»: пример А-015")
            code = self.config.office.number_format.format(prefix=m.group(1).upper(), number=int(m.group(2)))
            q = q.where(Ticket.day == self.clock.today(), Ticket.code == code).order_by(Ticket.id.desc())
        if lock and not self.db.is_sqlite:
            # FOR NO KEY UPDATE: a report storing this day's facts (a foreign key to the ticket) is not blocked.
            q = q.with_for_update(key_share=True)
        ticket = s.exec(q).first()
        if ticket is None:
            raise NotFound(f"Талон «{ref}» не найден")
        if lock and not self.db.is_sqlite:
            self._restamp(s)
        return ticket

    def _event(self, s: Session, ticket: Ticket, kind: EventKind, *, window_id: int | None = None,
               operator_id: int | None = None, at: datetime | None = None, **data: object) -> None:
        s.add(Chain.of(s, ticket.office_id).seal(TicketEvent(
            ticket_id=ticket.id, kind=kind, at=at or self._now(s), office_id=ticket.office_id,
            window_id=window_id, operator_id=operator_id, data=data)))

    def _service(self, slug: str):  # noqa: ANN202
        svc = self.catalog.services.get(slug)
        if svc is None or not svc.active:
            raise BadArgument(f"Неизвестная услуга «{slug}»")
        return svc

    def _category(self, slug: str):  # noqa: ANN202
        cat = self.catalog.categories.get(slug)
        if cat is None:
            raise BadArgument(f"Неизвестная категория «{slug}»")
        return cat

    def _expire_past_days(self, s: Session) -> None:
        """Waiting/postponed tickets of a past day become ``expired`` at that day's closing time.
        Past is decided by the clock of record, never by this process' own date."""
        today = self._today(s)
        if self._expired_through == today:
            return
        rows = s.execute(select(Ticket.id, Ticket.day).where(
            Ticket.office_id == self.catalog.office_id, Ticket.day < today,
            Ticket.status.in_((S.WAITING, S.POSTPONED)))).all()
        for tid, day in rows:
            s.execute(sa.update(Ticket).where(Ticket.id == tid).values(status=S.EXPIRED))
            s.add(Chain.of(s, self.catalog.office_id).seal(TicketEvent(
                ticket_id=tid, kind=EventKind.EXPIRED, at=self._closing_instant(day),
                office_id=self.catalog.office_id, data={})))
        self._expired_through = today

    def _return_due_postponed(self, s: Session) -> None:
        now = self._now(s)
        due = s.exec(select(Ticket).where(Ticket.office_id == self.catalog.office_id,
                                          Ticket.day == self._today(s), Ticket.status == S.POSTPONED,
                                          Ticket.postponed_until <= now)).all()
        for ticket in due:
            self._requeue(s, ticket, self.config.policy.return_position)
            self._event(s, ticket, EventKind.RETURNED, auto=True, position=self.config.policy.return_position)
        if due:
            s.flush()

    def _info(self, s: Session, t: Ticket, *, with_estimate: bool = False) -> TicketInfo:
        s.flush()
        svc = self.catalog.service_by_id[t.service_id]
        cat = self.catalog.category_by_id[t.category_id]
        win = self.catalog.window_by_id.get(t.window_id) if t.window_id else None
        login = s.get(Operator, t.operator_id).login if t.operator_id else None
        est = self._estimate(s, t) if with_estimate and t.status == S.WAITING else None
        return TicketInfo(
            id=t.id, code=t.code, office=self.catalog.office_code, day=t.day, service=svc.slug,
            service_name=svc.name, category=cat.slug, category_name=cat.name, channel=t.channel,
            status=S(t.status), issued_at=as_utc(t.issued_at), queued_at=as_utc(t.queued_at),
            called_at=as_utc(t.called_at), started_at=as_utc(t.started_at), finished_at=as_utc(t.finished_at),
            window=win.number if win else None, operator=login, recalls=t.recalls,
            category_claimed=t.category_claimed, category_verified=t.category_verified_at is not None,
            print_status=t.print_status, rating=t.rating, postponed_until=as_utc(t.postponed_until),
            position=est.people_ahead if est else None, estimated_wait_min=est.minutes if est else None,
        )

    def _estimate(self, s: Session, t: Ticket) -> WaitEstimate:
        cat = self.catalog.category_by_id[t.category_id]
        ahead = self._people_ahead(s, t.service_id, cat.out_of_turn, cat.priority, as_utc(t.order_at), t.id)
        return self._estimate_for(s, t.service_id, ahead)

    def _estimate_for(self, s: Session, service_id: int, ahead: int) -> WaitEstimate:
        """Minutes ≈ people ahead × mean service time ÷ open windows serving the service.

        Mean service time: the last 50 finished tickets of this service in 30 days (else the
        configured default), recomputed at most every 5 minutes; open windows: logged-in, not
        paused, weight > 0 (at least 1)."""
        slug = self.catalog.service_by_id[service_id].slug
        serving = [w.id for w in self.catalog.windows.values() if w.weights.get(slug, 0) > 0]
        open_windows = s.execute(select(sa.func.count()).select_from(OperatorShift).where(
            OperatorShift.window_id.in_(serving), OperatorShift.logged_out_at.is_(None),
            OperatorShift.paused_at.is_(None))).scalar() or 0
        return WaitEstimate(ahead, math.ceil(ahead * self._mean_service_min(s, service_id) / max(1, open_windows)))

    def _mean_service_min_cached(self, service_id: int) -> float:
        """:meth:`_mean_service_min` from its cache, or from a read transaction of its own."""
        cached = self._service_time_cache.get(service_id)
        if cached and timedelta(0) <= self.clock.now() - cached[0] < timedelta(minutes=5):
            return cached[1]
        with self.db.read() as s:
            return self._mean_service_min(s, service_id)

    def _mean_service_min(self, s: Session, service_id: int) -> float:
        now = self.clock.now()
        cached = self._service_time_cache.get(service_id)
        if cached and timedelta(0) <= now - cached[0] < timedelta(minutes=5):
            return cached[1]
        since = self.clock.today() - timedelta(days=30)
        duration = ((sa.func.julianday(Ticket.finished_at) - sa.func.julianday(Ticket.started_at)) * 86400.0
                    if self.db.is_sqlite else sa.func.extract("epoch", Ticket.finished_at - Ticket.started_at))
        recent = (select(duration.label("d"))
                  .where(Ticket.office_id == self.catalog.office_id, Ticket.status == S.DONE,
                         Ticket.day >= since, Ticket.service_id == service_id, Ticket.started_at.is_not(None))
                  .order_by(Ticket.id.desc()).limit(50).subquery())
        mean_s = s.execute(select(sa.func.avg(recent.c.d))).scalar()
        mean_min = float(mean_s) / 60 if mean_s else self.config.policy.default_service_min
        self._service_time_cache[service_id] = (now, mean_min)
        return mean_min

    def _people_ahead(self, s: Session, service_id: int, out_of_turn: bool, priority: int,
                      order_at: datetime, ticket_id: int | None) -> int:
        """Waiting tickets of the same service that the §4 order puts before this one (one COUNT)."""
        c = Category.__table__.c
        # A ticket not yet issued (ticket_id None) comes after every ticket of the same instant.
        same_instant = Ticket.order_at == order_at if ticket_id is None else sa.and_(
            Ticket.order_at == order_at, Ticket.id < ticket_id)
        ahead = sa.or_(
            sa.and_(c.out_of_turn, not out_of_turn),
            sa.and_(c.out_of_turn == out_of_turn, c.priority > priority),
            sa.and_(c.out_of_turn == out_of_turn, c.priority == priority, sa.or_(
                Ticket.order_at < order_at, same_instant)),
        )
        q = (select(sa.func.count()).select_from(Ticket).join(Category, Category.id == Ticket.category_id)
             .where(Ticket.office_id == self.catalog.office_id, Ticket.status == S.WAITING,
                    Ticket.day == self.clock.today(), Ticket.service_id == service_id, ahead))
        return s.execute(q).scalar() or 0
