"""Operators, PINs and shifts at windows (mixed into :class:`queue_core.service.QueueService`).

PINs are hashed with ``hashlib.scrypt`` and a per-operator salt. Five wrong PINs lock the
login for five minutes. One window per operator and one operator per window, guarded by the
office lock and by partial unique indexes in the database.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from .clock import as_utc
from .domain import AT_WINDOW, AuthError, BadArgument, DomainError, EventKind, NotFound, OperatorInfo, ShiftInfo
from .models import Operator, OperatorShift, ShiftPause, Ticket

ROLES = ("operator", "informator", "supervisor", "admin")
MAX_PIN_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=5)
_SCRYPT = dict(n=2**14, r=8, p=1, dklen=32)


def hash_pin(pin: str, salt: bytes) -> str:
    return hashlib.scrypt(pin.encode(), salt=salt, **_SCRYPT).hex()


def _check_pin_format(pin: str) -> None:
    if not (pin.isdigit() and 4 <= len(pin) <= 8):
        raise DomainError("PIN — от 4 до 8 цифр")


class StaffUseCases:
    # --- operators ----------------------------------------------------------------------------
    def add_operator(self, login: str, full_name: str, role: str = "operator", pin: str | None = None) -> OperatorInfo:
        login = login.strip().lower()
        if not login or not login.replace("-", "").replace("_", "").replace(".", "").isalnum():
            raise DomainError(f"Недопустимый логин «{login}»")
        if role not in ROLES:
            raise DomainError(f"Неизвестная роль «{role}»: {', '.join(ROLES)}")
        if pin is not None:
            _check_pin_format(pin)
        with self.db.write() as s:
            if s.exec(select(Operator).where(Operator.login == login)).first():
                raise DomainError(f"Оператор «{login}» уже есть")
            op = Operator(login=login, full_name=full_name.strip() or login, role=role)
            if pin is not None:
                self._set_pin(op, pin)
            s.add(op)
            s.flush()
            return self._operator_info(op)

    def list_operators(self) -> list[OperatorInfo]:
        with self.db.read() as s:
            return [self._operator_info(o) for o in s.exec(select(Operator).order_by(Operator.login))]

    def disable_operator(self, login: str) -> OperatorInfo:
        with self.db.write() as s:
            op = self._operator(s, login)
            op.active = False
            return self._operator_info(op)

    def set_pin(self, login: str, pin: str) -> OperatorInfo:
        _check_pin_format(pin)
        with self.db.write() as s:
            op = self._operator(s, login)
            self._set_pin(op, pin)
            op.failed_attempts, op.locked_until = 0, None
            return self._operator_info(op)

    @staticmethod
    def _set_pin(op: Operator, pin: str) -> None:
        salt = secrets.token_bytes(16)
        op.pin_salt, op.pin_hash = salt.hex(), hash_pin(pin, salt)

    @staticmethod
    def _operator(s: Session, login: str) -> Operator:
        op = s.exec(select(Operator).where(Operator.login == login.strip().lower())).first()
        if op is None:
            raise NotFound(f"Оператор «{login}» не найден")
        return op

    @staticmethod
    def _operator_info(op: Operator) -> OperatorInfo:
        return OperatorInfo(op.login, op.full_name, op.role, op.active, as_utc(op.locked_until))

    # --- shifts ---------------------------------------------------------------------------------
    def authenticate(self, login: str, pin: str) -> OperatorInfo:
        """Check a PIN without opening a window (the supervisor's read-only view); same lockout rules."""
        with self.db.write() as s:
            op, failure = self._check_pin(s, login, pin)
            if failure is None:
                return self._operator_info(op)
        raise AuthError(failure)

    def login(self, window: int, login: str, pin: str) -> ShiftInfo:
        """Open a window for an operator. Each refusal has its own Russian message."""
        win = self._window(window)
        with self.db.write() as s:
            self.db.lock_office(s, self.catalog.office_id)
            op, failure = self._check_pin(s, login, pin)
            if failure is None:
                if win.role == "informator" and op.role not in ("informator", "supervisor", "admin"):
                    raise AuthError(f"{win.title}: стойка информатора, у «{op.login}» роль {op.role}")
                mine = s.exec(select(OperatorShift).where(OperatorShift.operator_id == op.id,
                                                          OperatorShift.logged_out_at.is_(None))).first()
                if mine is not None:
                    if mine.window_id == win.id:
                        return self._shift_info(s, mine)  # the same person at the same window: re-attach
                    other = self.catalog.window_by_id[mine.window_id].title
                    raise AuthError(f"«{op.login}» уже работает: {other}. Сначала закройте ту смену")
                taken = s.exec(select(OperatorShift).where(OperatorShift.window_id == win.id,
                                                           OperatorShift.logged_out_at.is_(None))).first()
                if taken is not None:
                    who = s.get(Operator, taken.operator_id)
                    raise AuthError(f"{win.title} уже занято: {who.full_name}")
                shift = OperatorShift(operator_id=op.id, window_id=win.id, logged_in_at=self._now(s))
                s.add(shift)
                try:
                    s.flush()
                except IntegrityError:
                    raise AuthError(f"{win.title} уже занято") from None
                return self._shift_info(s, shift)
        raise AuthError(failure)  # after the commit: the failed attempt is counted

    def _check_pin(self, s: Session, login: str, pin: str) -> tuple[Operator, str | None]:
        """The operator and None when the PIN is right; else the Russian refusal to raise after commit.

        Unknown, disabled and locked logins raise at once (nothing to count)."""
        op = s.exec(select(Operator).where(Operator.login == (login or "").strip().lower())).first()
        now = self._now(s)
        if op is None or not op.active:
            raise AuthError("Неверный логин или PIN" if op is None else f"Оператор «{op.login}» отключён")
        if op.locked_until and as_utc(op.locked_until) > now:
            local = as_utc(op.locked_until).astimezone(self.tz)
            raise AuthError(f"Вход заблокирован до {local:%H:%M} после {MAX_PIN_ATTEMPTS} неверных PIN")
        if op.pin_hash and hmac.compare_digest(hash_pin(pin or "", bytes.fromhex(op.pin_salt)), op.pin_hash):
            op.failed_attempts, op.locked_until = 0, None
            return op, None
        op.failed_attempts += 1
        if op.failed_attempts >= MAX_PIN_ATTEMPTS:
            op.failed_attempts, op.locked_until = 0, now + LOCKOUT
            return op, f"Неверный PIN. Вход заблокирован на {LOCKOUT.seconds // 60} минут"
        return op, f"Неверный PIN (осталось попыток: {MAX_PIN_ATTEMPTS - op.failed_attempts})"

    def logout(self, window: int, login: str, *, force: bool = False) -> None:
        """Close the window. With a visitor still at it, refuse unless ``force``: then a visitor being
        served is finished and a called one goes back to the queue at their place."""
        with self.db.write() as s:
            self.db.lock_office(s, self.catalog.office_id)
            shift = self._shift(s, window, login)
            current = s.exec(select(Ticket).where(Ticket.window_id == shift.window_id,
                                                  Ticket.day == self._today(s),
                                                  Ticket.status.in_(AT_WINDOW))).first()
            ids = dict(window_id=shift.window_id, operator_id=shift.operator_id)
            if current is not None:
                if not force:
                    raise DomainError(f"У окна талон {current.code}: завершите его или подтвердите выход")
                if current.status == "serving":
                    current.status, current.finished_at = "done", self._now(s)
                    self._event(s, current, EventKind.FINISHED, **ids, reason="окно закрыто")
                else:
                    self._requeue(s, current, "front")
                    self._event(s, current, EventKind.RETURNED, **ids, reason="окно закрыто", position="front")
            now = self._now(s)
            self._end_pause(s, shift, now)
            shift.logged_out_at = now

    def pause(self, window: int, login: str, reason: str) -> ShiftInfo:
        reason = (reason or "").strip() or "перерыв"
        with self.db.write() as s:
            shift = self._shift(s, window, login)
            if shift.paused_at is not None:
                raise DomainError("Окно уже на перерыве")
            busy = s.exec(select(Ticket.code).where(Ticket.window_id == shift.window_id,
                                                   Ticket.day == self._today(s),
                                                   Ticket.status.in_(AT_WINDOW))).first()
            if busy:
                raise DomainError(f"Сначала завершите талон {busy}")
            now = self._now(s)
            shift.paused_at, shift.pause_reason = now, reason
            s.add(ShiftPause(shift_id=shift.id, started_at=now, reason=reason))
            return self._shift_info(s, shift)

    def resume(self, window: int, login: str) -> ShiftInfo:
        with self.db.write() as s:
            shift = self._shift(s, window, login)
            if shift.paused_at is None:
                raise DomainError("Окно не на перерыве")
            self._end_pause(s, shift, self._now(s))
            return self._shift_info(s, shift)

    def current_shift(self, window: int) -> ShiftInfo | None:
        """Who works at this window now (None when it is closed)."""
        win = self._window(window)
        with self.db.read() as s:
            shift = s.exec(select(OperatorShift).where(OperatorShift.window_id == win.id,
                                                       OperatorShift.logged_out_at.is_(None))).first()
            return self._shift_info(s, shift) if shift else None

    @staticmethod
    def _end_pause(s: Session, shift: OperatorShift, now) -> None:  # noqa: ANN001
        if shift.paused_at is None:
            return
        pause = s.exec(select(ShiftPause).where(ShiftPause.shift_id == shift.id, ShiftPause.ended_at.is_(None))).first()
        if pause:
            pause.ended_at = now
        shift.paused_at = shift.pause_reason = None

    def _window(self, number: int):  # noqa: ANN202
        win = self.catalog.windows.get(number)
        if win is None:
            raise BadArgument(f"Окна {number} нет в конфигурации")
        return win

    def _shift(self, s: Session, window: int | None, login: str | None) -> OperatorShift:
        """The open shift of ``login`` at ``window``, or an :class:`AuthError` saying what is wrong."""
        win = self._shift_window(window, login)
        shift = s.exec(select(OperatorShift).where(OperatorShift.window_id == win.id,
                                                   OperatorShift.logged_out_at.is_(None))).first()
        op = s.get(Operator, shift.operator_id) if shift is not None else None
        self._check_shift(win, (op.login, op.full_name) if op is not None else None, login)
        return shift

    def _shift_window(self, window: int | None, login: str | None):  # noqa: ANN202 - a catalogue WindowRow
        """The window a staff action names (checked before any transaction)."""
        if window is None or not login:
            raise AuthError("Укажите окно и логин оператора")
        return self._window(window)

    @staticmethod
    def _check_shift(win, holder: tuple[str, str] | None, login: str) -> None:  # noqa: ANN001
        """Refuse unless ``login`` holds the open shift at ``win`` (``holder``: its login and name)."""
        if holder is None:
            raise AuthError(f"{win.title} закрыто: сначала войдите (talon login)")
        if holder[0] != login.strip().lower():
            raise AuthError(f"{win.title}: работает {holder[1]}, а не «{login}»")

    def _active_shift(self, s: Session, window: int, login: str) -> OperatorShift:
        shift = self._shift(s, window, login)
        if shift.paused_at is not None:
            raise DomainError("Окно на перерыве: сначала продолжите работу")
        return shift

    def _shift_info(self, s: Session, shift: OperatorShift) -> ShiftInfo:
        op = s.get(Operator, shift.operator_id)
        return ShiftInfo(op.login, op.full_name, op.role, self.catalog.window_by_id[shift.window_id].number,
                         as_utc(shift.logged_in_at), shift.paused_at is not None, shift.pause_reason)
