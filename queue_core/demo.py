"""``talon demo``: fill the database with simulated past working days through the real service layer.

A discrete-event simulation on a :class:`~queue_core.clock.FixedClock`: every visitor, call, start,
finish, recall, redirect, postponement, category check, break and rating is a call to
:class:`~queue_core.service.QueueService` at the simulated instant, so the tickets and the event log
are exactly what the office would have recorded. Deterministic for a seed (one ``random.Random``,
events ordered by time then by creation).

The office day: operators log in at opening and out at closing (breaks: lunch and short pauses);
arrivals are a Poisson process with a morning peak and a month-start peak; 2–5 % of visitors are
СВО (some served at the informator's desk at once, some given a verified ticket there, the others
claim the category at the kiosk), some are disabled visitors, a share are B2B; some visitors give up
(cancelled at the desk, or gone when called: recalls, then a no-show), some are redirected, some
postponed, some claims are declined at the window, about 40 % rate the service. Whoever still waits
at closing expires (the service layer does it the next day).
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import select

from .catalog import apply_config
from .clock import FixedClock, SystemClock
from .config import WEEKDAYS, Config
from .db import Database
from .domain import Actor, DomainError, Forbidden, TicketInfo, TicketStatus
from .models import Operator, OperatorShift, Ticket

if TYPE_CHECKING:
    from .service import QueueService

DEMO_PIN = "2468"
DEMO_ADMIN = "demo-admin"  # made by the server box (Actor.system()) when the office has no admin yet
OPERATOR_NAMES = ("Иванова Анна Сергеевна", "Петров Игорь Викторович", "Сидорова Мария Олеговна",
                  "Кузнецова Елена Павловна", "Смирнов Алексей Юрьевич", "Волкова Ольга Андреевна",
                  "Морозов Дмитрий Ильич", "Новикова Татьяна Николаевна")
INFORMATOR_NAME = "Соколова Наталья Владимировна"
# Shares of visitors per service and mean service minutes (other services: equal share, 10 min).
SERVICE_MIX = {"payments": 0.40, "recalc": 0.25, "contracts": 0.15, "b2b-contracts": 0.08, "b2b-billing": 0.12}
SERVICE_MIN = {"payments": 4.0, "recalc": 9.0, "contracts": 13.0, "b2b-contracts": 15.0, "b2b-billing": 9.0}
HOUR_PROFILE = {8: 0.9, 9: 1.5, 10: 1.6, 11: 1.3, 12: 0.9, 13: 0.9, 14: 1.1, 15: 1.0, 16: 0.6}
RATINGS = ((5, 0.58), (4, 0.24), (3, 0.09), (2, 0.05), (1, 0.04))


@dataclass(frozen=True)
class DemoResult:
    days: tuple[date, ...]
    tickets: int
    seconds: float
    catalog: tuple[str, ...] = ()  # what applying the config's catalogue changed first (Russian lines)

    @property
    def first(self) -> date:
        return self.days[0]

    @property
    def last(self) -> date:
        return self.days[-1]


def working_days(config: Config, n: int, until: date) -> list[date]:
    """The last ``n`` office working days up to and including ``until``, oldest first."""
    out: list[date] = []
    d = until
    while len(out) < n:
        if WEEKDAYS[d.weekday()] in config.office.hours:
            out.append(d)
        d -= timedelta(days=1)
        if (until - d).days > 7 * n + 14:
            raise DomainError("В конфигурации нет рабочих дней офиса (office.hours)")
    return out[::-1]


def run_demo(config: Config, days: int = 90, seed: int = 1, *, until: date | None = None, volume: float = 1.0,
             progress: Callable[[int, int, date], None] | None = None, admin: Actor | None = None) -> DemoResult:
    """Simulate ``days`` working days ending ``until`` (default: yesterday, office-local).

    ``volume`` scales the arrivals (1.0 ≈ 150 visitors a day; tests use a small share).

    Refuses (:class:`DomainError`) when the database already holds tickets on those days, so a
    second run never mixes two simulations. Creates the demo operators (PIN ``2468``) if missing,
    in the name of ``admin`` (an admin's session), or else of ``demo-admin`` (PIN ``2468``; made as the
    office's first admin when it has none)."""
    from . import open_service

    if days < 1:
        raise DomainError("Число дней должно быть не меньше 1")
    tz = config.office.tz
    until = until or (SystemClock(tz).today() - timedelta(days=1))
    day_list = working_days(config, days, until)
    first_open = datetime.combine(day_list[0], config.office.hours[WEEKDAYS[day_list[0].weekday()]].opens, tz)
    clock = FixedClock(first_open - timedelta(hours=1), tz)
    db = Database(config.database_url, echo=config.database.echo)
    try:
        db.ensure_schema(auto_upgrade=db.is_sqlite)
        catalog = tuple(c.applied_ru() for c in apply_config(db, config))  # the demo's office is its config's
        svc = open_service(config, clock, database=db)
    except BaseException:
        db.dispose()
        raise
    started = time.perf_counter()
    try:
        with svc.db.read() as s:
            busy = s.exec(select(Ticket.id).where(Ticket.office_id == svc.catalog.office_id,
                                                  Ticket.day.between(day_list[0], day_list[-1]))).first()
        if busy is not None:
            raise DomainError(f"В базе уже есть талоны за {day_list[0]:%d.%m.%Y}–{day_list[-1]:%d.%m.%Y}: "
                              "демо заполняет только пустые дни (возьмите новую базу)")
        _refuse_open_shifts(svc)
        sim = _Office(svc, clock, random.Random(seed), volume)
        if admin is not None:
            sim.ensure_staff(admin)
        else:
            ours = _demo_admin(svc)
            try:
                sim.ensure_staff(ours)
            finally:
                svc.end_session(ours)
        total = 0
        for i, day in enumerate(day_list, 1):
            total += sim.run_day(day)
            if progress:
                progress(i, len(day_list), day)
    finally:
        svc.db.dispose()
    return DemoResult(tuple(day_list), total, time.perf_counter() - started, catalog)


def _refuse_open_shifts(svc: QueueService) -> None:
    """The demo opens and closes every window of the office on each simulated day; a window someone
    works at today (one open shift per window) would stop it halfway, so it refuses before it starts."""
    with svc.db.read() as s:
        rows = s.exec(select(OperatorShift.window_id, Operator.full_name, Operator.login)
                      .join(Operator, Operator.id == OperatorShift.operator_id)
                      .where(OperatorShift.logged_out_at.is_(None))).all()
    if rows:
        who = "; ".join(f"{svc.catalog.window_by_id[w].title} — {name} ({login})" for w, name, login in sorted(rows))
        raise DomainError(f"Демо моделирует прошлые дни на всех окнах офиса, а сейчас открыты смены: {who}. "
                          "Закройте их (выход в приложении оператора или «talon logout --window N --login ЛОГИН») "
                          "и запустите демо снова, либо заполните демо-данными отдельную базу "
                          "(--config с другим database.url)")


def _demo_admin(svc: QueueService) -> Actor:
    """An admin session to create the demo operators: ``demo-admin`` is made by the server box
    itself (:meth:`Actor.system`, allowed only while the office has no active admin), else it must
    already exist with the demo PIN."""
    try:
        svc.add_operator(Actor.system(), DEMO_ADMIN, "Администратор демо", "admin", DEMO_PIN)
    except Forbidden:
        pass  # the office has an admin already (ours from an earlier run, or its own)
    try:
        return svc.authenticate(DEMO_ADMIN, DEMO_PIN).actor
    except DomainError as e:
        raise DomainError(f"Демо создаёт своих операторов от имени администратора «{DEMO_ADMIN}» (PIN {DEMO_PIN}), "
                          f"а в этой базе уже есть другой администратор ({e}). Запустите демо от его имени "
                          "(talon demo --as ЛОГИН) или заполните отдельную базу (--config с другим database.url)") from None


@dataclass
class _Visitor:
    id: int
    code: str
    service: str
    status: str = "waiting"  # the simulation's mirror: waiting | called | postponed | done
    gone: bool = False  # left the hall without telling anyone: a no-show when called
    decline: bool = False  # claims a category without the document
    claimed: bool = False
    redirected: bool = False
    postponed: bool = False


@dataclass
class _Window:
    number: int
    login: str
    services: frozenset[str]
    state: str = "closed"  # closed | idle | busy | break
    current: _Visitor | None = None
    breaks: list[tuple[datetime, int, str]] = field(default_factory=list)
    actor: Actor | None = None  # the session of the PIN login that opened today's shift


def _demo_windows(cfg: Config) -> tuple[dict[int, _Window], _Window | None]:
    """The operator windows (demo logins ``demoN``) and the informator's desk (``demo-info``), if any."""
    windows = {w.number: _Window(w.number, f"demo{w.number}", frozenset(s for s, wt in w.services.items() if wt >= 0))
               for w in cfg.windows if w.role == "operator"}
    info = next((w for w in cfg.windows if w.role == "informator"), None)
    return windows, (_Window(info.number, "demo-info", frozenset(info.services)) if info else None)


class _Office:
    def __init__(self, svc: QueueService, clock: FixedClock, rng: random.Random, volume: float) -> None:
        self.svc, self.clock, self.rng, self.volume = svc, clock, rng, volume
        self.config: Config = svc.config
        cfg = self.config
        self.services = [s.id for s in cfg.services if s.active]
        mix = [SERVICE_MIX.get(s, 1.0 / max(1, len(self.services))) for s in self.services]
        self.mix = [m / sum(mix) for m in mix]
        cats = {c.id: c for c in cfg.categories}
        out_of_turn = sorted((c for c in cfg.categories if c.out_of_turn), key=lambda c: -c.priority)
        self.svo = "svo" if "svo" in cats else next((c.id for c in out_of_turn), None)
        self.disabled = "disabled" if "disabled" in cats else next(
            (c.id for c in cfg.categories if c.priority and c.id != self.svo), None)
        self.windows, self.info = _demo_windows(cfg)
        self.names = dict(zip([w.login for w in self.windows.values()], itertools.cycle(OPERATOR_NAMES)))

    # --- staff --------------------------------------------------------------------------------
    def ensure_staff(self, admin: Actor) -> None:
        existing = {o.login for o in self.svc.list_operators(admin)}
        people = [(w.login, self.names[w.login], "operator") for w in self.windows.values()]
        if self.info:
            people.append((self.info.login, INFORMATOR_NAME, "informator"))
        for login, name, role in people:
            if login in existing:
                self.svc.set_pin(admin, login, DEMO_PIN)
            else:
                self.svc.add_operator(admin, login, name, role, DEMO_PIN)

    # --- one day --------------------------------------------------------------------------------
    def run_day(self, day: date) -> int:
        cfg, rng, tz = self.config, self.rng, self.config.office.tz
        hours = cfg.office.hours[WEEKDAYS[day.weekday()]]
        self.opens = datetime.combine(day, hours.opens, tz)
        self.closes = hours.closing(day, tz)
        last_issue = self.closes - timedelta(minutes=cfg.office.last_ticket_min)
        self.queue: list = []
        self.seq = itertools.count()
        self.visitors: dict[int, _Visitor] = {}
        for w in self._all_windows():
            self._at(self.opens - timedelta(minutes=rng.uniform(1, 8)), self._open_window, w)
            w.breaks = self._plan_breaks(w, day)
        # Arrivals: a Poisson process, rate per hour by the profile, busier early in the month and on Mondays.
        base = 17.0 * self.volume * (1.35 if day.day <= 7 else 1.0) * (1.15 if day.weekday() == 0 else 1.0)
        self.day_count: dict[str, int] = dict.fromkeys(self.services, 0)  # tickets each service issues today
        self.moved_in: set[tuple[str, int]] = set()
        self.waiting: dict[str, int] = dict.fromkeys(self.services, 0)  # mirror: who waits, per service
        t = self.opens
        while True:
            rate = base * HOUR_PROFILE.get(t.astimezone(tz).hour, 0.7)
            t = t + timedelta(seconds=rng.expovariate(rate / 3600.0))
            if t >= last_issue:
                break
            service = rng.choices(self.services, self.mix)[0]
            self.day_count[service] += 1
            self._at(t, self._arrive, service)
        self._at(self.closes, self._close)
        issued = 0
        while self.queue:
            when, _, fn, args = heapq.heappop(self.queue)
            self.clock.set(when)
            issued += fn(*args) or 0
        return issued

    def _all_windows(self) -> list[_Window]:
        return list(self.windows.values()) + ([self.info] if self.info else [])

    def _plan_breaks(self, w: _Window, day: date) -> list[tuple[datetime, int, str]]:
        rng, tz = self.rng, self.config.office.tz
        lunch = datetime.combine(day, datetime.min.time(), tz) + timedelta(hours=12, minutes=20 * (w.number % 5))
        out = [(lunch + timedelta(minutes=rng.uniform(0, 15)), rng.randint(30, 45), "обед")]
        for _ in range(rng.randint(0, 2)):
            out.append((self.opens + timedelta(minutes=rng.uniform(60, 480)), rng.randint(5, 15), "перерыв"))
        return sorted(out)

    def _at(self, when: datetime, fn: Callable[..., object], *args: object) -> None:
        heapq.heappush(self.queue, (when, next(self.seq), fn, args))

    def _later(self, seconds: float, fn: Callable[..., object], *args: object) -> None:
        self._at(self.clock.now() + timedelta(seconds=seconds), fn, *args)

    # --- events ---------------------------------------------------------------------------------
    def _open_window(self, w: _Window) -> None:
        w.actor = self.svc.login(w.number, w.login, DEMO_PIN).actor
        w.state = "idle"
        if w is not self.info:
            self._later(0, self._next, w)

    def _close(self) -> None:
        for w in self._all_windows():
            if w.state in ("idle", "break"):
                self.svc.logout(w.actor)
                w.state = "closed"

    def _arrive(self, service: str) -> int:
        rng = self.rng
        u = rng.random()
        category = "regular"
        if self.svo and u < 0.035:
            category = self.svo
        elif self.disabled and u < 0.075:
            category = self.disabled
        if self.svc.catalog.categories[category].not_in_force(self.clock.today()):
            category = "regular"  # a right not in force that day: nobody claims it
        info = self.info
        if category == self.svo and info and rng.random() < 0.45:
            if info.state == "idle":  # served at the desk at once (out of turn, no queue)
                call = self.svc.serve_direct(info.actor, service, category)
                v = _Visitor(call.ticket.id, call.ticket.code, service, "called")
                info.state, info.current = "busy", v
                self._later(self._service_seconds(service), self._finish, info, v)
                return 1
            if info.state == "busy":  # the informator checks the document and issues a verified ticket
                t = self.svc.issue_ticket(service, category, actor=info.actor)
                return self._queued(t, claimed=False)
        t = self.svc.issue_ticket(service, category)
        return self._queued(t, claimed=t.category_claimed)

    def _queued(self, t: TicketInfo, *, claimed: bool) -> int:
        rng = self.rng
        v = _Visitor(t.id, t.code, t.service, claimed=claimed, decline=claimed and rng.random() < 0.08)
        self.visitors[v.id] = v
        self._later(rng.uniform(25, 90) * 60, self._patience, v)
        self._enqueue(v, v.service)
        return 1

    def _enqueue(self, v: _Visitor, service: str) -> None:
        v.status, v.service = "waiting", service
        self.waiting[service] += 1
        self._wake(service)

    def _wake(self, service: str) -> None:
        for w in self.windows.values():
            if w.state == "idle" and service in w.services:
                w.state = "waking"
                self._later(self.rng.uniform(3, 25), self._next, w)  # the operator notices the queue

    def _patience(self, v: _Visitor) -> None:
        if v.status != "waiting" or v.gone:
            return
        if self.rng.random() < 0.35:
            staff = self._staff_at_work()
            if staff is None:  # everyone has gone home: the ticket expires with the day
                v.gone = True
                return
            self.svc.cancel(staff, v.id, "посетитель ушёл, не дождавшись вызова")
            v.status = "done"
            self.waiting[v.service] -= 1
        else:
            v.gone = True

    def _next(self, w: _Window) -> None:
        if self.clock.now() >= self.closes:
            self.svc.logout(w.actor)
            w.state = "closed"
            return
        if w.breaks and w.breaks[0][0] <= self.clock.now():
            _, minutes, reason = w.breaks.pop(0)
            self.svc.pause(w.actor, reason)
            w.state = "break"
            self._later(minutes * 60, self._resume, w)
            return
        # Ask the service only when somebody eligible waits (the mirror is exact): an empty call
        # costs as much as a real one.
        call = self.svc.call_next(w.actor) if any(self.waiting[s] for s in w.services) else None
        if call is None:
            w.state = "idle"
            return
        v = self.visitors.get(call.ticket.id)
        if v is None:  # not ours (cannot happen on an empty day); leave it to the office
            v = self.visitors[call.ticket.id] = _Visitor(call.ticket.id, call.ticket.code, call.ticket.service)
        if v.status == "waiting":
            self.waiting[v.service] -= 1
        v.status, v.service = "called", call.ticket.service
        w.state, w.current = "busy", v
        if v.gone or self.rng.random() < 0.015:
            self._later(self.rng.uniform(40, 90), self._recall, w, v)
        else:
            self._later(self.rng.uniform(15, 100), self._start, w, v)

    def _staff_at_work(self) -> Actor | None:
        """Who tells the office that a visitor left: the informator at the desk, else any open window."""
        if self.info and self.info.state != "closed":
            return self.info.actor
        return next((w.actor for w in self.windows.values() if w.state != "closed"), None)

    def _resume(self, w: _Window) -> None:
        if w.state != "break":
            return
        if self.clock.now() >= self.closes:
            self.svc.logout(w.actor)
            w.state = "closed"
            return
        self.svc.resume(w.actor)
        w.state = "idle"
        self._later(0, self._next, w)

    def _recall(self, w: _Window, v: _Visitor) -> None:
        if self.rng.random() < 0.2:
            self.svc.no_show(w.actor, v.id)
            return self._free(w, v)
        t = self.svc.recall(w.actor, v.id)
        if t.status == TicketStatus.NO_SHOW:
            return self._free(w, v)
        if v.gone:
            self._later(self.rng.uniform(40, 90), self._recall, w, v)
        else:  # heard it the second time
            self._later(self.rng.uniform(15, 60), self._start, w, v)

    def _start(self, w: _Window, v: _Visitor) -> None:
        rng = self.rng
        if v.claimed:
            v.claimed = False
            if v.decline:
                self.svc.decline_category(w.actor, v.id)
                self._enqueue(v, v.service)
                return self._free(w, v, pause=rng.uniform(30, 90))
            self.svc.verify_category(w.actor, v.id)
        self.svc.start(w.actor, v.id)
        self._later(self._service_seconds(v.service), self._finish, w, v)

    def _finish(self, w: _Window, v: _Visitor) -> None:
        rng = self.rng
        u = rng.random()
        target = self._redirect_target(v) if w is not self.info and not v.redirected and u < 0.03 else None
        if target:
            self.svc.redirect(w.actor, v.id, target)
            v.redirected = True
            self._enqueue(v, target)
            return self._free(w, v)
        if w is not self.info and not v.postponed and u < 0.05:
            minutes = rng.randint(5, 20)
            self.svc.postpone(w.actor, v.id, minutes, "принести документ")
            v.postponed, v.status = True, "postponed"
            self._later(minutes * 60 + 1, self._back, v)
            return self._free(w, v)
        rating = _pick(rng, RATINGS) if rng.random() < 0.4 else None
        self.svc.finish(w.actor, v.id, rating=rating)
        v.status = "done"
        self._free(w, v)

    def _redirect_target(self, v: _Visitor) -> str | None:
        """A service to redirect to. The schema keeps UNIQUE(office, day, service, number) while a
        redirect keeps the number, so the demo only redirects where that number is never issued
        today (the day's arrivals are drawn in advance) — see the report to the lead."""
        number = int(v.code.rsplit("-", 1)[-1]) if v.code.rsplit("-", 1)[-1].isdigit() else 0
        free = [s for s in self.services if s != v.service and self.day_count[s] < number
                and (s, number) not in self.moved_in]
        if not free:
            return None
        target = self.rng.choice(free)
        self.moved_in.add((target, number))
        return target

    def _back(self, v: _Visitor) -> None:
        """A postponed visitor is due: the service layer returns them at the next call."""
        if v.status == "postponed":
            self._enqueue(v, v.service)

    def _free(self, w: _Window, v: _Visitor, pause: float | None = None) -> None:
        w.current = None
        if w is self.info:
            w.state = "idle"
            if self.clock.now() >= self.closes:
                self.svc.logout(w.actor)
                w.state = "closed"
            return
        w.state = "busy"
        self._later(pause if pause is not None else self.rng.uniform(5, 30), self._next, w)

    def _service_seconds(self, service: str) -> float:
        mean = SERVICE_MIN.get(service, 10.0) * 60
        sigma = 0.5
        return max(45.0, self.rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma))


def _pick(rng: random.Random, weighted: tuple[tuple[int, float], ...]) -> int:
    values, weights = zip(*weighted)
    return rng.choices(values, weights)[0]
