"""Plain frozen values the service layer returns, and the errors a person can cause.

Nothing here is an ORM object: these values cross threads and go into widgets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class TicketStatus(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    POSTPONED = "postponed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


STATUS_RU = {
    TicketStatus.WAITING: "ожидает",
    TicketStatus.CALLED: "вызван",
    TicketStatus.SERVING: "обслуживается",
    TicketStatus.DONE: "обслужен",
    TicketStatus.NO_SHOW: "не явился",
    TicketStatus.POSTPONED: "отложен",
    TicketStatus.CANCELLED: "отменён",
    TicketStatus.EXPIRED: "истёк",
}

# Statuses in which a ticket is still somebody's business today.
OPEN_STATUSES = (TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING, TicketStatus.POSTPONED)
# Statuses at a window (the visitor has been called and not let go).
AT_WINDOW = (TicketStatus.CALLED, TicketStatus.SERVING)


class EventKind(StrEnum):
    ISSUED = "issued"
    CALLED = "called"
    RECALLED = "recalled"
    STARTED = "started"
    FINISHED = "finished"
    NO_SHOW = "no_show"
    REDIRECTED = "redirected"
    POSTPONED = "postponed"
    RETURNED = "returned"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    CATEGORY_VERIFIED = "category_verified"
    CATEGORY_DECLINED = "category_declined"
    PRINTED = "printed"
    PRINT_FAILED = "print_failed"
    RATED = "rated"


class CallRule(StrEnum):
    """Why the policy chose a ticket; stored on the ``called`` event as ``data.rule``."""

    OUT_OF_TURN = "out_of_turn"
    PRIORITY = "priority"
    SERVICE_WEIGHT = "service_weight"
    LONGEST_WAIT = "longest_wait"
    FALLBACK_SERVICE = "fallback_service"
    ANTI_STARVATION = "anti_starvation"
    BY_CODE = "by_code"
    DIRECT = "direct"


class TalonError(Exception):
    """An error a person can cause; ``str()`` is a Russian sentence fit for a screen."""


class DomainError(TalonError):
    """A wrong transition or a wrong argument: finishing a waiting ticket, an unknown service…"""


class NotFound(DomainError):
    pass


class BadArgument(DomainError):
    """An unknown service, category or window named by the caller (exit status 2 on the CLI)."""


class AuthError(DomainError):
    """Wrong PIN, locked login, window taken, operator busy elsewhere."""


class OfficeClosed(DomainError):
    pass


class StorageError(TalonError):
    """The database cannot be reached or is busy; nothing was committed."""


class ClockSkew(StorageError):
    """This computer's clock differs from the database's beyond ``clock_skew_max_s``: it may not
    write until the clock is fixed (nothing was committed). ``skew_s`` > 0: our clock is ahead."""

    def __init__(self, skew_s: float) -> None:
        self.skew_s = skew_s
        way = "спешат относительно сервера" if skew_s > 0 else "отстают от сервера"
        super().__init__(f"Часы этого компьютера {way} на {_duration_ru(abs(skew_s))}. "
                         "Запись запрещена, пока часы не исправлены: проверьте синхронизацию времени (NTP).")


class CatalogMismatch(StorageError):
    """The catalogue in the database (office, services, categories, windows) is not the one this
    process' config describes, or was never applied: ``str()`` is one line naming the first
    difference and the command that applies the config. Nothing was written.

    A :class:`StorageError`, like an outdated schema or a refused clock: the database cannot be used
    by this process as it stands, an administrator fixes it with one command, and every app already
    shows such an error at start-up and retries until it is fixed."""


def _duration_ru(seconds: float) -> str:
    """«45 с», «20 мин», «24 ч», «1 ч 5 мин»: as exact as a person needs to find the fault."""
    s = round(seconds)
    if s < 120:
        return f"{s} с"
    minutes = round(s / 60)
    if minutes < 120:
        return f"{minutes} мин"
    h, m = divmod(minutes, 60)
    return f"{h} ч {m} мин" if m else f"{h} ч"


@dataclass(frozen=True)
class TicketInfo:
    id: int
    code: str
    office: str
    day: date
    service: str
    service_name: str
    category: str
    category_name: str
    channel: str
    status: TicketStatus
    issued_at: datetime
    queued_at: datetime
    called_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    window: int | None = None
    operator: str | None = None
    recalls: int = 0
    category_claimed: bool = False  # a priority category taken at the kiosk and not yet checked
    category_verified: bool = False
    print_status: str = "none"
    rating: int | None = None
    postponed_until: datetime | None = None
    position: int | None = None  # people ahead in its service queue (waiting tickets only)
    estimated_wait_min: int | None = None

    def to_json(self) -> dict:
        def iso(v: datetime | None) -> str | None:
            return v.isoformat().replace("+00:00", "Z") if v else None

        return {
            "id": self.id,
            "code": self.code,
            "office": self.office,
            "service": self.service,
            "category": self.category,
            "status": str(self.status),
            "channel": self.channel,
            "day": self.day.isoformat(),
            "issued_at": iso(self.issued_at),
            "queued_at": iso(self.queued_at),
            "called_at": iso(self.called_at),
            "started_at": iso(self.started_at),
            "finished_at": iso(self.finished_at),
            "window": self.window,
            "operator": self.operator,
            "recalls": self.recalls,
            "category_claimed": self.category_claimed,
            "category_verified": self.category_verified,
            "print_status": self.print_status,
            "rating": self.rating,
            "position": self.position,
            "estimated_wait_min": self.estimated_wait_min,
        }


@dataclass(frozen=True)
class CallResult:
    """What ``call_next`` gives the operator: the ticket, and why it was chosen."""

    ticket: TicketInfo
    rule: CallRule
    reason: str

    def to_json(self) -> dict:
        return {**self.ticket.to_json(), "rule": str(self.rule), "reason": self.reason}


@dataclass(frozen=True)
class EventInfo:
    id: int
    ticket_id: int
    code: str
    kind: EventKind
    at: datetime
    window: int | None
    operator: str | None
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class OperatorInfo:
    login: str
    full_name: str
    role: str
    active: bool
    locked_until: datetime | None = None


@dataclass(frozen=True)
class ShiftInfo:
    """An operator logged in at a window."""

    operator: str
    full_name: str
    role: str
    window: int
    logged_in_at: datetime
    paused: bool = False
    pause_reason: str | None = None


@dataclass(frozen=True)
class ServiceQueue:
    service: str
    name: str
    prefix: str
    segment: str
    waiting: int
    by_category: dict[str, int]
    longest_wait_s: int
    target_wait_min: int

    @property
    def past_target(self) -> bool:
        return self.longest_wait_s > self.target_wait_min * 60


@dataclass(frozen=True)
class WindowState:
    number: int
    title: str
    role: str
    services: dict[str, int]
    operator: str | None
    operator_name: str | None
    paused: bool
    pause_reason: str | None
    current: TicketInfo | None


@dataclass(frozen=True)
class CallShown:
    """A call as the hall board shows it (never with a category)."""

    event_id: int
    code: str
    window: int
    window_title: str
    at: datetime
    recall: bool


@dataclass(frozen=True)
class QueueSnapshot:
    """What a live screen shows; built in one read transaction."""

    at: datetime
    day: date
    open_now: bool
    services: tuple[ServiceQueue, ...]
    windows: tuple[WindowState, ...]
    last_calls: tuple[CallShown, ...]
    print_faults: tuple[TicketInfo, ...] = ()
    past_target: tuple[TicketInfo, ...] = ()

    @property
    def waiting_total(self) -> int:
        return sum(s.waiting for s in self.services)

    def service_queue(self, service_id: str) -> ServiceQueue | None:
        return next((s for s in self.services if s.service == service_id), None)


@dataclass(frozen=True)
class WaitEstimate:
    people_ahead: int
    minutes: int


# --- the ticket's life as data (DESIGN §3): one table for the service layer, the audit and the soak ---
S_ = TicketStatus
E_ = EventKind
# (status before, event) -> status after. A pair that is not here is a wrong transition.
TRANSITIONS: dict[tuple[TicketStatus, EventKind], TicketStatus] = {
    (S_.WAITING, E_.CALLED): S_.CALLED,
    (S_.POSTPONED, E_.CALLED): S_.CALLED,  # called by code while put aside
    (S_.CALLED, E_.RECALLED): S_.CALLED,
    (S_.CALLED, E_.STARTED): S_.SERVING,
    (S_.SERVING, E_.FINISHED): S_.DONE,
    (S_.CALLED, E_.NO_SHOW): S_.NO_SHOW,
    (S_.CALLED, E_.REDIRECTED): S_.WAITING,
    (S_.SERVING, E_.REDIRECTED): S_.WAITING,
    (S_.CALLED, E_.POSTPONED): S_.POSTPONED,
    (S_.SERVING, E_.POSTPONED): S_.POSTPONED,
    (S_.POSTPONED, E_.RETURNED): S_.WAITING,
    (S_.CALLED, E_.RETURNED): S_.WAITING,  # the window was closed with the visitor called
    (S_.WAITING, E_.CANCELLED): S_.CANCELLED,
    (S_.POSTPONED, E_.CANCELLED): S_.CANCELLED,
    (S_.WAITING, E_.EXPIRED): S_.EXPIRED,
    (S_.POSTPONED, E_.EXPIRED): S_.EXPIRED,
    (S_.WAITING, E_.CATEGORY_VERIFIED): S_.WAITING,  # checked by the informator at issue
    (S_.CALLED, E_.CATEGORY_VERIFIED): S_.CALLED,
    (S_.SERVING, E_.CATEGORY_VERIFIED): S_.SERVING,
    (S_.CALLED, E_.CATEGORY_DECLINED): S_.WAITING,
    (S_.SERVING, E_.CATEGORY_DECLINED): S_.WAITING,
    (S_.DONE, E_.RATED): S_.DONE,
    **{(s, k): s for s in TicketStatus for k in (E_.PRINTED, E_.PRINT_FAILED)},  # paper never moves a ticket
}
ISSUED_STATUS = S_.WAITING  # what ``issued`` makes of a new ticket
# Events that put a ticket (back) in the queue, and those that take a waiting ticket out of it:
# what the priority audit replays (queue_core.reports.audit).
QUEUE_ENTRY = frozenset(k for (s, k), after in TRANSITIONS.items() if after == S_.WAITING and s != S_.WAITING)
QUEUE_EXIT = frozenset(k for (s, k), after in TRANSITIONS.items() if s == S_.WAITING and after != S_.WAITING)

# The verb a refusal names, in the office's words («Нельзя начать обслуживание: талон А-015 отменён»).
EVENT_VERB_RU = {
    E_.CALLED: "вызвать", E_.RECALLED: "вызвать повторно", E_.STARTED: "начать обслуживание",
    E_.FINISHED: "завершить", E_.NO_SHOW: "отметить неявку", E_.REDIRECTED: "перенаправить",
    E_.POSTPONED: "отложить", E_.RETURNED: "вернуть в очередь", E_.CANCELLED: "отменить",
    E_.EXPIRED: "закрыть как истёкший", E_.CATEGORY_VERIFIED: "подтвердить категорию",
    E_.CATEGORY_DECLINED: "отклонить категорию", E_.RATED: "оценить", E_.PRINTED: "напечатать",
    E_.PRINT_FAILED: "напечатать", E_.ISSUED: "выдать",
}


def next_status(status: TicketStatus | str, event: EventKind, code: str = "") -> TicketStatus:
    """The status ``event`` moves a ticket to, or :class:`DomainError` in Russian when it may not."""
    after = TRANSITIONS.get((TicketStatus(status), event))
    if after is None:
        what = f"талон {code} " if code else "талон "
        raise DomainError(f"Нельзя {EVENT_VERB_RU[event]}: {what}{STATUS_RU[TicketStatus(status)]}")
    return after


def allowed_from(event: EventKind) -> tuple[TicketStatus, ...]:
    """The statuses in which ``event`` may happen (from :data:`TRANSITIONS`)."""
    return tuple(s for (s, k) in TRANSITIONS if k == event)


# --- who acts (DESIGN §11): every use case that changes the queue or the staff takes an Actor ---
class Role(StrEnum):
    OPERATOR = "operator"
    INFORMATOR = "informator"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    KIOSK = "kiosk"  # a ticket kiosk (touch screen), local or with a device token
    BOARD = "board"  # a hall display: reads only
    API = "api"  # another system issuing tickets with a device token
    VISITOR = "visitor"  # the holder of one ticket (the page behind its QR)
    SYSTEM = "system"  # the server box itself: creates the first admin, closes past days


STAFF_ROLES = (Role.OPERATOR, Role.INFORMATOR, Role.SUPERVISOR, Role.ADMIN)
DEVICE_SCOPES = ("kiosk", "board", "staff", "reports", "admin")


@dataclass(frozen=True)
class Actor:
    """Who asks for a change. Staff actors carry the token of a PIN session and devices the token
    of a device; the service layer checks the token (stored hashed) on every change, so an Actor
    built by hand with another login or window is refused. Local kiosks and boards of an embedded
    install act without a token (they hold the database itself)."""

    role: Role
    login: str | None = None
    window: int | None = None
    token: str | None = field(default=None, repr=False)
    device: str | None = None
    ticket_id: int | None = None  # a visitor: the one ticket they hold

    @classmethod
    def kiosk(cls, name: str = "киоск", token: str | None = None) -> Actor:
        return cls(Role.KIOSK, device=name, token=token)

    @classmethod
    def api(cls, name: str, token: str | None = None) -> Actor:
        return cls(Role.API, device=name, token=token)

    @classmethod
    def system(cls) -> Actor:
        return cls(Role.SYSTEM, device="сервер")

    @classmethod
    def visitor(cls, ticket_id: int) -> Actor:
        return cls(Role.VISITOR, ticket_id=ticket_id)

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES


LOCAL_KIOSK = Actor.kiosk()


@dataclass(frozen=True)
class StaffSession:
    """What a PIN login gives: the actor to pass to every use case (its token is shown once)."""

    actor: Actor
    full_name: str
    expires_at: datetime
    shift: ShiftInfo | None = None

    @property
    def token(self) -> str:
        return self.actor.token or ""


@dataclass(frozen=True)
class DeviceTokenInfo:
    name: str
    scope: str
    created_at: datetime
    revoked: bool
    token: str | None = field(default=None, repr=False)  # only when just made


class Forbidden(AuthError):
    """The actor may not do this (a Russian sentence saying who may)."""
