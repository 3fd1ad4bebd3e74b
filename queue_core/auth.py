"""Checking a PIN without opening a window: the supervisor's read-only hall view."""

from __future__ import annotations

from .domain import OperatorInfo


def authenticate(service, login: str, pin: str) -> OperatorInfo:  # noqa: ANN001 - QueueService
    """The operator whose PIN this is, or an AuthError in Russian (same lockout rules as login)."""
    return service.authenticate(login, pin)
