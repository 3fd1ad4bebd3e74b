"""Who may do what (DESIGN §11): the table of rights and the check of an actor's credential.

Every use case that changes the queue or the staff names its verb; :func:`resolve` checks the
actor against :data:`RIGHTS` and, for a token, against the database (tokens are stored as their
SHA-256; a 256-bit random token needs no slow hash). Refusals are Russian sentences.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, select

from .clock import as_utc
from .domain import Actor, Forbidden, Role
from .models import DeviceToken, Operator, OperatorShift, StaffSessionRow

if TYPE_CHECKING:
    from .office import Office

SESSION_TTL = timedelta(hours=12)

# What a staff actor must hold for a verb: an open shift at any window, at an informator desk,
# or the admin role (no shift needed).
WINDOW, DESK, ADMIN = "window", "desk", "admin"

# verb -> (devices that may, what staff must hold; None: no staff at all)
RIGHTS: dict[str, tuple[frozenset[Role], str | None]] = {
    "issue": (frozenset({Role.KIOSK, Role.API}), DESK),
    "serve_direct": (frozenset(), DESK),
    "call_next": (frozenset(), WINDOW),
    "call_ticket": (frozenset(), WINDOW),
    "recall": (frozenset(), WINDOW),
    "start": (frozenset(), WINDOW),
    "finish": (frozenset(), WINDOW),
    "no_show": (frozenset(), WINDOW),
    "redirect": (frozenset(), WINDOW),
    "postpone": (frozenset(), WINDOW),
    "return_ticket": (frozenset(), WINDOW),
    "cancel": (frozenset(), WINDOW),
    "verify_category": (frozenset(), WINDOW),
    "decline_category": (frozenset(), WINDOW),
    "pause": (frozenset(), WINDOW),
    "resume": (frozenset(), WINDOW),
    "logout": (frozenset(), WINDOW),
    "rate": (frozenset({Role.VISITOR}), WINDOW),  # the visitor, or the window that served the ticket
    "record_print": (frozenset({Role.KIOSK, Role.API, Role.SYSTEM}), DESK),
    "manage_staff": (frozenset(), ADMIN),  # operators, PINs, device tokens
}

VERB_RU = {
    "issue": "выдавать талоны", "serve_direct": "обслуживать у стойки", "call_next": "вызывать посетителей",
    "call_ticket": "вызывать талон по номеру", "recall": "вызывать повторно", "start": "начинать обслуживание",
    "finish": "завершать обслуживание", "no_show": "отмечать неявку", "redirect": "перенаправлять",
    "postpone": "откладывать талоны", "return_ticket": "возвращать талоны в очередь", "cancel": "отменять талоны",
    "verify_category": "подтверждать категорию", "decline_category": "отклонять категорию",
    "pause": "уходить на перерыв", "resume": "продолжать работу", "logout": "закрывать окно",
    "rate": "ставить оценку", "record_print": "отмечать печать", "manage_staff": "управлять сотрудниками и токенами",
}
ROLE_RU = {
    Role.OPERATOR: "оператор", Role.INFORMATOR: "информатор", Role.SUPERVISOR: "руководитель",
    Role.ADMIN: "администратор", Role.KIOSK: "киоск", Role.BOARD: "табло", Role.API: "внешняя система",
    Role.VISITOR: "посетитель", Role.SYSTEM: "сервер",
}
# Device scopes (talon tokens add --scope) and the roles their holders act in.
SCOPE_ROLES = {"kiosk": (Role.KIOSK, Role.API), "board": (Role.BOARD,), "staff": (), "reports": (), "admin": ()}
# Without a token a process acts only as a local device of an embedded install (it holds the database),
# or for a visitor it has identified itself (the office server, by the ticket's page; DESIGN §12).
LOCAL_ROLES = (Role.KIOSK, Role.BOARD, Role.API, Role.SYSTEM, Role.VISITOR)


def new_token() -> tuple[str, str]:
    """A fresh token and the hash to store."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Acting:
    """The actor as the database knows it, for the rest of one transaction."""

    actor: Actor
    operator_id: int | None = None
    full_name: str = ""
    staff_role: str | None = None
    shift_id: int | None = None
    window_id: int | None = None
    paused: bool = False
    desk: bool = False

    @property
    def ids(self) -> dict[str, int | None]:
        """The window and operator an event of this actor records."""
        return {"window_id": self.window_id, "operator_id": self.operator_id}


def refuse(actor: Actor, verb: str, why: str = "") -> Forbidden:
    who = ROLE_RU.get(actor.role, str(actor.role))
    return Forbidden(f"{who.capitalize()}: нельзя {VERB_RU.get(verb, verb)}" + (f" — {why}" if why else ""))


def resolve(cursor: Any, office: Office, actor: Actor, verb: str, now: datetime) -> Acting:
    """Check that ``actor`` may do ``verb`` now and return who it is in the database."""
    devices, staff_need = RIGHTS[verb]
    if not actor.is_staff:
        if actor.role not in devices:
            raise refuse(actor, verb, "это делает сотрудник со своим PIN" if staff_need else "")
        if actor.token is not None:
            _check_device_token(cursor, office, actor)
        elif actor.role not in LOCAL_ROLES:
            raise refuse(actor, verb, "нет токена устройства")
        return Acting(actor)
    if staff_need is None:
        raise refuse(actor, verb)
    row = staff_row(cursor, office, actor, now)
    if staff_need == ADMIN:
        if row.role != Role.ADMIN:
            raise refuse(actor, verb, "нужен сеанс администратора")
        return Acting(actor, row.operator_id, row.full_name, row.role)
    if row.shift_id is None:
        raise refuse(actor, verb, "сначала войдите в окно (talon login --window N)")
    win = office.catalog.window_by_id.get(row.window_id)
    if row.logged_out_at is not None or win is None:
        raise Forbidden(f"Смена в окне {win.number if win else '?'} закрыта: войдите снова")
    if actor.window is not None and actor.window != win.number:
        raise Forbidden(f"Сеанс открыт в окне {win.number}, а не в окне {actor.window}")
    desk = win.role == "informator"
    if staff_need == DESK and not desk:
        raise refuse(actor, verb, "это делается у стойки информатора")
    return Acting(actor, row.operator_id, row.full_name, row.role, row.shift_id, win.id, row.paused_at is not None,
                  desk)


def _session_query() -> sa.Select:
    ss, op, sh = StaffSessionRow.__table__, Operator.__table__, OperatorShift.__table__
    return (select(op.c.id.label("operator_id"), ss.c.id.label("session_id"), op.c.login, op.c.full_name, op.c.role, op.c.active, ss.c.ended_at,
                   ss.c.expires_at, ss.c.shift_id, sh.c.window_id, sh.c.paused_at, sh.c.logged_out_at)
            .select_from(ss.join(op, op.c.id == ss.c.operator_id).outerjoin(sh, sh.c.id == ss.c.shift_id))
            .where(ss.c.token_hash == sa.bindparam("token_hash", type_=sa.String)))


def staff_row(cursor: Any, office: Office, actor: Actor, now: datetime) -> _SessionRow:
    """The session of a staff actor with its operator and shift (one query), or a Russian refusal."""
    if not actor.token:
        raise Forbidden("Нужен вход по PIN: talon login (или --session / TALON_SESSION)")
    found = office.statements.get("session", _session_query).run(cursor, token_hash=token_hash(actor.token)).fetchone()
    if found is None:
        raise Forbidden("Сеанс не найден: войдите снова по PIN")
    row = _SessionRow(*found)
    if row.ended_at is not None:
        raise Forbidden("Сеанс завершён: войдите снова по PIN")
    if _instant(row.expires_at) <= now:
        raise Forbidden("Сеанс истёк (12 ч): войдите снова по PIN")
    if not row.active:
        raise Forbidden(f"Оператор «{row.login}» отключён")
    if actor.login is not None and actor.login != row.login:
        raise Forbidden(f"Сеанс принадлежит «{row.login}», а не «{actor.login}»")
    return row


class _SessionRow(NamedTuple):
    operator_id: int
    session_id: int
    login: str
    full_name: str
    role: str
    active: bool
    ended_at: object
    expires_at: object
    shift_id: int | None
    window_id: int | None
    paused_at: object
    logged_out_at: object


def _instant(value: object) -> datetime:
    """A timestamp read on the driver's cursor: SQLite gives text, PostgreSQL an aware datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return as_utc(value)


def _check_device_token(cursor: Any, office: Office, actor: Actor) -> None:
    dt = DeviceToken.__table__
    query = office.statements.get("device", lambda: select(dt.c.name, dt.c.scope, dt.c.revoked_at).where(
        dt.c.token_hash == sa.bindparam("token_hash", type_=sa.String)))
    row = query.run(cursor, token_hash=token_hash(actor.token or "")).fetchone()
    if row is None or row[2] is not None:
        raise Forbidden("Токен устройства не действует: попросите администратора выдать новый")
    name, scope, _ = row
    if actor.role not in SCOPE_ROLES.get(scope, ()):
        raise Forbidden(f"Токен «{name}» (область {scope}) не даёт права роли {ROLE_RU[actor.role]}")


def open_session(s: Session, operator_id: int, shift_id: int | None, now: datetime) -> tuple[str, datetime]:
    """A new staff session; the token to hand out once, and when it expires."""
    token, digest = new_token()
    expires = now + SESSION_TTL
    s.add(StaffSessionRow(token_hash=digest, operator_id=operator_id, shift_id=shift_id, created_at=now,
                          expires_at=expires))
    return token, expires


def end_sessions(s: Session, now: datetime, *, shift_id: int | None = None, token: str | None = None) -> None:
    """End the sessions of a shift (logout) or one session (a CLI command's own)."""
    t = StaffSessionRow.__table__
    cond = t.c.shift_id == shift_id if token is None else t.c.token_hash == token_hash(token)
    s.execute(sa.update(t).where(cond, t.c.ended_at.is_(None)).values(ended_at=now))
