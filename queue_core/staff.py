"""Staff: operators and their PINs, PIN logins (sessions), shifts at windows, device tokens.

PINs are hashed with ``hashlib.scrypt`` and a per-operator salt; five wrong PINs lock the login for
five minutes. A PIN login gives a :class:`~queue_core.domain.StaffSession` whose actor every other
use case takes. One window per operator and one operator per window, guarded by the office lock
and by partial unique indexes. Operators and device tokens are managed by an admin's session; the
first admin is made by the server box itself (:meth:`Actor.system`) while none exists.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from .authority import end_sessions, new_token, open_session, staff_row
from .catalog import WindowRow
from .clock import as_utc
from .domain import (
    AT_WINDOW, Actor, AuthError, DeviceTokenInfo, DomainError, EventKind, Forbidden, NotFound, OperatorInfo, Role,
    ShiftInfo, StaffSession,
)
from .housekeeping import requeue
from .models import DeviceToken, Operator, OperatorShift, ShiftPause, StaffSessionRow, Ticket
from .office import Office
from .prepared import driver_cursor
from .uow import UnitOfWork

ROLES = ("operator", "informator", "supervisor", "admin")
SCOPES = ("kiosk", "board", "staff", "reports", "admin")
MAX_PIN_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=5)
_SCRYPT = dict(n=2**14, r=8, p=1, dklen=32)


def hash_pin(pin: str, salt: bytes) -> str:
    return hashlib.scrypt(pin.encode(), salt=salt, **_SCRYPT).hex()


def _check_pin_format(pin: str) -> None:
    if not (pin.isdigit() and 4 <= len(pin) <= 8):
        raise DomainError("PIN — от 4 до 8 цифр")


# --- operators (an admin's session; the first admin by the server box) ---------------------------
def add_operator(office: Office, actor: Actor, login: str, full_name: str, role: str = "operator",
                 pin: str | None = None) -> OperatorInfo:
    login = login.strip().lower()
    if not login or not login.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise DomainError(f"Недопустимый логин «{login}»")
    if role not in ROLES:
        raise DomainError(f"Неизвестная роль «{role}»: {', '.join(ROLES)}")
    if pin is not None:
        _check_pin_format(pin)
    bootstrap = actor.role == Role.SYSTEM
    with UnitOfWork(office, actor, None if bootstrap else "manage_staff") as uow:
        s = uow.s
        if bootstrap:
            admins = s.exec(select(Operator.login).where(Operator.role == "admin", Operator.active)).first()
            if admins is not None or role != "admin" or pin is None:
                raise Forbidden("Без сеанса администратора можно создать только первого администратора (с PIN). "
                                "Войдите: talon login --login АДМИН")
        if s.exec(select(Operator).where(Operator.login == login)).first():
            raise DomainError(f"Оператор «{login}» уже есть")
        op = Operator(login=login, full_name=full_name.strip() or login, role=role)
        if pin is not None:
            _set_pin(op, pin)
        s.add(op)
        s.flush()
        return _operator_info(op)


def list_operators(office: Office, actor: Actor) -> list[OperatorInfo]:
    with UnitOfWork(office, actor, "manage_staff") as uow:
        return [_operator_info(o) for o in uow.s.exec(select(Operator).order_by(Operator.login))]


def disable_operator(office: Office, actor: Actor, login: str) -> OperatorInfo:
    with UnitOfWork(office, actor, "manage_staff") as uow:
        op = _operator(uow.s, login)
        op.active = False
        return _operator_info(op)


def set_pin(office: Office, actor: Actor, login: str, pin: str) -> OperatorInfo:
    _check_pin_format(pin)
    with UnitOfWork(office, actor, "manage_staff") as uow:
        op = _operator(uow.s, login)
        _set_pin(op, pin)
        op.failed_attempts, op.locked_until = 0, None
        return _operator_info(op)


def _set_pin(op: Operator, pin: str) -> None:
    salt = secrets.token_bytes(16)
    op.pin_salt, op.pin_hash = salt.hex(), hash_pin(pin, salt)


def _operator(s: Session, login: str) -> Operator:
    op = s.exec(select(Operator).where(Operator.login == login.strip().lower())).first()
    if op is None:
        raise NotFound(f"Оператор «{login}» не найден")
    return op


def _operator_info(op: Operator) -> OperatorInfo:
    return OperatorInfo(op.login, op.full_name, op.role, op.active, as_utc(op.locked_until))


# --- device tokens (talon tokens) -------------------------------------------------------------
def add_device_token(office: Office, actor: Actor, name: str, scope: str) -> DeviceTokenInfo:
    """A new device token; the token itself is in the result once and never again."""
    name = name.strip()
    if not name:
        raise DomainError("Укажите имя устройства")
    if scope not in SCOPES:
        raise DomainError(f"Неизвестная область «{scope}»: {', '.join(SCOPES)}")
    with UnitOfWork(office, actor, "manage_staff") as uow:
        if uow.s.exec(select(DeviceToken).where(DeviceToken.name == name)).first():
            raise DomainError(f"Устройство «{name}» уже есть: отзовите его токен или выберите другое имя")
        token, digest = new_token()
        uow.s.add(DeviceToken(name=name, scope=scope, token_hash=digest, created_at=uow.now))
        return DeviceTokenInfo(name, scope, uow.now, False, token)


def list_device_tokens(office: Office, actor: Actor) -> list[DeviceTokenInfo]:
    with UnitOfWork(office, actor, "manage_staff") as uow:
        rows = uow.s.exec(select(DeviceToken).order_by(DeviceToken.name)).all()
        return [DeviceTokenInfo(r.name, r.scope, as_utc(r.created_at), r.revoked_at is not None) for r in rows]


def revoke_device_token(office: Office, actor: Actor, name: str) -> DeviceTokenInfo:
    with UnitOfWork(office, actor, "manage_staff") as uow:
        row = uow.s.exec(select(DeviceToken).where(DeviceToken.name == name.strip())).first()
        if row is None:
            raise NotFound(f"Устройство «{name}» не найдено")
        row.revoked_at = row.revoked_at or uow.now
        return DeviceTokenInfo(row.name, row.scope, as_utc(row.created_at), True)


# --- PIN logins and shifts --------------------------------------------------------------------
def authenticate(office: Office, login: str, pin: str) -> StaffSession:
    """A session without a window (a supervisor's read-only view, an admin's work); same lockout."""
    with UnitOfWork(office, Actor.system(), None) as uow:
        op, failure = _check_pin(uow, login, pin)
        if failure is None:
            token, expires = open_session(uow.s, op.id, None, uow.now)
            return StaffSession(Actor(Role(op.role), op.login, None, token), op.full_name, expires)
    raise AuthError(failure)  # after the commit: the failed attempt is counted


def login(office: Office, window: int, login: str, pin: str, *, open_shift: bool = True) -> StaffSession:
    """Open a window for an operator (or join the shift they hold there; with ``open_shift=False``
    only join). Each refusal has its own Russian message."""
    win = office.window(window)
    with UnitOfWork(office, Actor.system(), None) as uow:
        s = uow.s
        op, failure = _check_pin(uow, login, pin)
        if failure is None:
            shift = _open_shift(uow, win, op, join_only=not open_shift)
            token, expires = open_session(s, op.id, shift.id, uow.now)
            return StaffSession(Actor(Role(op.role), op.login, win.number, token), op.full_name, expires,
                                shift_info(s, office, shift))
    raise AuthError(failure)


def _open_shift(uow: UnitOfWork, win: WindowRow, op: Operator, *, join_only: bool) -> OperatorShift:
    s = uow.s
    if win.role == "informator" and op.role not in ("informator", "supervisor", "admin"):
        raise AuthError(f"{win.title}: стойка информатора, у «{op.login}» роль {op.role}")
    mine = s.exec(select(OperatorShift).where(OperatorShift.operator_id == op.id,
                                              OperatorShift.logged_out_at.is_(None))).first()
    if mine is not None:
        if mine.window_id == win.id:
            return mine  # the same person at the same window: re-attach
        other = uow.office.catalog.window_by_id[mine.window_id].title
        raise AuthError(f"«{op.login}» уже работает: {other}. Сначала закройте ту смену")
    if join_only:
        raise AuthError(f"{win.title} закрыто для «{op.login}»: сначала войдите (talon login)")
    taken = s.exec(select(OperatorShift).where(OperatorShift.window_id == win.id,
                                               OperatorShift.logged_out_at.is_(None))).first()
    if taken is not None:
        who = s.get(Operator, taken.operator_id)
        raise AuthError(f"{win.title} уже занято: {who.full_name}")
    shift = OperatorShift(operator_id=op.id, window_id=win.id, logged_in_at=uow.now)
    s.add(shift)
    try:
        s.flush()
    except IntegrityError:
        raise AuthError(f"{win.title} уже занято") from None
    return shift


def _check_pin(uow: UnitOfWork, login: str, pin: str) -> tuple[Operator, str | None]:
    """The operator and None when the PIN is right; else the Russian refusal to raise after commit.

    Unknown, disabled and locked logins raise at once (nothing to count)."""
    op = uow.s.exec(select(Operator).where(Operator.login == (login or "").strip().lower())).first()
    now = uow.now
    if op is None or not op.active:
        raise AuthError("Неверный логин или PIN" if op is None else f"Оператор «{op.login}» отключён")
    if op.locked_until and as_utc(op.locked_until) > now:
        local = as_utc(op.locked_until).astimezone(uow.office.tz)
        raise AuthError(f"Вход заблокирован до {local:%H:%M} после {MAX_PIN_ATTEMPTS} неверных PIN")
    if op.pin_hash and hmac.compare_digest(hash_pin(pin or "", bytes.fromhex(op.pin_salt)), op.pin_hash):
        op.failed_attempts, op.locked_until = 0, None
        return op, None
    op.failed_attempts += 1
    if op.failed_attempts >= MAX_PIN_ATTEMPTS:
        op.failed_attempts, op.locked_until = 0, now + LOCKOUT
        return op, f"Неверный PIN. Вход заблокирован на {LOCKOUT.seconds // 60} минут"
    return op, f"Неверный PIN (осталось попыток: {MAX_PIN_ATTEMPTS - op.failed_attempts})"


def session(office: Office, token: str) -> StaffSession:
    """The session of a token handed out at login (``talon ... --session``), or Forbidden."""
    with office.db.read() as s:
        row = staff_row(driver_cursor(s), office, Actor(Role.OPERATOR, token=token), office.clock.now())
        shift = s.get(OperatorShift, row.shift_id) if row.shift_id else None
        if shift is not None and shift.logged_out_at is not None:
            raise Forbidden("Смена этого сеанса закрыта: войдите снова по PIN")
        info = shift_info(s, office, shift) if shift else None
        expires = s.get(StaffSessionRow, row.session_id).expires_at
        return StaffSession(Actor(Role(row.role), row.login, info.window if info else None, token), row.full_name,
                            as_utc(expires), info)


def end_session(office: Office, actor: Actor) -> None:
    """End one session (e.g. a CLI command's own); the shift stays open."""
    if actor.token:
        with UnitOfWork(office, Actor.system(), None) as uow:
            end_sessions(uow.s, uow.now, token=actor.token)


def logout(office: Office, actor: Actor, *, force: bool = False) -> None:
    """Close the actor's window. With a visitor still at it, refuse unless ``force``: then a visitor
    being served is finished and a called one goes back to the queue at their place."""
    with UnitOfWork(office, actor, "logout") as uow:
        shift = uow.shift()
        current = uow.s.exec(select(Ticket).where(Ticket.window_id == shift.window_id, Ticket.day == uow.today,
                                                  Ticket.status.in_(AT_WINDOW))).first()
        if current is not None:
            if not force:
                raise DomainError(f"У окна талон {current.code}: завершите его или подтвердите выход")
            if current.status == "serving":
                current.finished_at = uow.now
                uow.move(current, EventKind.FINISHED, reason="окно закрыто")
            else:
                requeue(uow, current, "front")
                uow.move(current, EventKind.RETURNED, reason="окно закрыто", position="front")
        _end_pause(uow.s, shift, uow.now)
        shift.logged_out_at = uow.now
        end_sessions(uow.s, uow.now, shift_id=shift.id)


def pause(office: Office, actor: Actor, reason: str) -> ShiftInfo:
    reason = (reason or "").strip() or "перерыв"
    with UnitOfWork(office, actor, "pause") as uow:
        shift = uow.shift()
        if shift.paused_at is not None:
            raise DomainError("Окно уже на перерыве")
        busy = uow.s.exec(select(Ticket.code).where(Ticket.window_id == shift.window_id, Ticket.day == uow.today,
                                                   Ticket.status.in_(AT_WINDOW))).first()
        if busy:
            raise DomainError(f"Сначала завершите талон {busy}")
        shift.paused_at, shift.pause_reason = uow.now, reason
        uow.s.add(ShiftPause(shift_id=shift.id, started_at=uow.now, reason=reason))
        return shift_info(uow.s, office, shift)


def resume(office: Office, actor: Actor) -> ShiftInfo:
    with UnitOfWork(office, actor, "resume") as uow:
        shift = uow.shift()
        if shift.paused_at is None:
            raise DomainError("Окно не на перерыве")
        _end_pause(uow.s, shift, uow.now)
        return shift_info(uow.s, office, shift)


def current_shift(office: Office, window: int) -> ShiftInfo | None:
    """Who works at this window now (None when it is closed)."""
    win = office.window(window)
    with office.db.read() as s:
        shift = s.exec(select(OperatorShift).where(OperatorShift.window_id == win.id,
                                                   OperatorShift.logged_out_at.is_(None))).first()
        return shift_info(s, office, shift) if shift else None


def _end_pause(s: Session, shift: OperatorShift, now: datetime) -> None:
    if shift.paused_at is None:
        return
    pause = s.exec(select(ShiftPause).where(ShiftPause.shift_id == shift.id, ShiftPause.ended_at.is_(None))).first()
    if pause:
        pause.ended_at = now
    shift.paused_at = shift.pause_reason = None


def shift_info(s: Session, office: Office, shift: OperatorShift) -> ShiftInfo:
    op = s.get(Operator, shift.operator_id)
    return ShiftInfo(op.login, op.full_name, op.role, office.catalog.window_by_id[shift.window_id].number,
                     as_utc(shift.logged_in_at), shift.paused_at is not None, shift.pause_reason)
