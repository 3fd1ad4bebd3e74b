"""What the thread workers of the staff terminal post back when their call succeeded.

A worker posts one of these as its last step; if its call raised instead, the app's one
``on_worker_state_changed`` says why (see :meth:`operator_tui.app.OperatorApp.on_worker_state_changed`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from textual.message import Message

from queue_core.domain import EventInfo, StaffSession, TicketInfo

if TYPE_CHECKING:
    from queue_core.protocol import QueueApi

V = TypeVar("V")  # what a live screen reads: WindowView, QueueSnapshot, ...
R = TypeVar("R")  # what an action's service call returns


@dataclass
class Connected(Message):
    """The database answered at start-up: the terminal can log people in."""

    service: QueueApi


@dataclass
class LoggedIn(Message):
    """The PIN was right: an operator's shift at a window, or a supervisor for the hall view."""

    who: StaffSession


@dataclass
class LiveLoaded(Generic[V], Message):
    """A fresh read of what a live screen shows (None: nothing changed, the database answered)."""

    data: V | None


@dataclass
class ActionDone(Generic[R], Message):
    """A person's action was committed; ``then`` shows its result on the screen."""

    result: R
    then: Callable[[R], None] | None


@dataclass
class TicketFound(Message):
    """The informator's search found a ticket: it and its history."""

    ticket: TicketInfo
    history: list[EventInfo]
