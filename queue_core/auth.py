"""Checking a PIN without opening a window: the supervisor's read-only hall view.

Same rules as :meth:`StaffUseCases.login` (scrypt hash, five wrong PINs lock the login for five
minutes), but no shift is opened, so a supervisor never occupies a window.
"""

from __future__ import annotations

import hmac

from sqlmodel import select

from .clock import as_utc
from .domain import AuthError, OperatorInfo
from .models import Operator
from .staff import LOCKOUT, MAX_PIN_ATTEMPTS, hash_pin


def authenticate(service, login: str, pin: str) -> OperatorInfo:  # noqa: ANN001 - QueueService
    """The operator whose PIN this is, or an :class:`AuthError` in Russian; wrong PINs are counted."""
    failure: str | None = None
    with service.db.write() as s:
        op = s.exec(select(Operator).where(Operator.login == (login or "").strip().lower())).first()
        now = service.clock.now()
        if op is None or not op.active:
            raise AuthError("Неверный логин или PIN" if op is None else f"Оператор «{op.login}» отключён")
        if op.locked_until and as_utc(op.locked_until) > now:
            local = as_utc(op.locked_until).astimezone(service.tz)
            raise AuthError(f"Вход заблокирован до {local:%H:%M} после {MAX_PIN_ATTEMPTS} неверных PIN")
        if op.pin_hash and hmac.compare_digest(hash_pin(pin or "", bytes.fromhex(op.pin_salt)), op.pin_hash):
            op.failed_attempts, op.locked_until = 0, None
            return OperatorInfo(op.login, op.full_name, op.role, op.active, None)
        op.failed_attempts += 1
        if op.failed_attempts >= MAX_PIN_ATTEMPTS:
            op.failed_attempts, op.locked_until = 0, now + LOCKOUT
            failure = f"Неверный PIN. Вход заблокирован на {LOCKOUT.seconds // 60} минут"
        else:
            failure = f"Неверный PIN (осталось попыток: {MAX_PIN_ATTEMPTS - op.failed_attempts})"
    raise AuthError(failure)
