"""What the thread workers of the kiosk and of the hall board post back when their call succeeded.

A worker posts one of these as its last step; if its call raised instead, the app's one
``on_worker_state_changed`` decides what the visitor sees (:class:`~queue_kiosk.app.KioskApp`,
:class:`~queue_kiosk.board.BoardApp`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from queue_core.domain import TicketInfo

if TYPE_CHECKING:
    from queue_core.protocol import QueueApi
    from queue_kiosk.board_feed import FeedUpdate


@dataclass
class Connected(Message):
    """The database answers (at start-up, or again after an outage)."""

    service: QueueApi


@dataclass
class TicketIssued(Message):
    """A kiosk ticket was committed: show it and print it."""

    ticket: TicketInfo


@dataclass
class TicketPrinted(Message):
    """The printer is done with ``ticket``; ``text`` is what the visitor reads about it."""

    ticket: TicketInfo
    ok: bool
    text: str


@dataclass
class CountsLoaded(Message):
    """How many wait for each service (by service id), for the home screen's buttons."""

    counts: dict[str, int]


@dataclass
class FeedPolled(Message):
    """What one poll of the hall board's feed found."""

    update: FeedUpdate
