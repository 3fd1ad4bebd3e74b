"""Messages the thread workers post back to the screens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.message import Message


class LiveLoaded(Message):
    """A fresh read of what a live screen shows (None: nothing changed, the database answered)."""

    def __init__(self, data: Any) -> None:  # noqa: ANN401 - each screen reads its own view
        super().__init__()
        self.data = data


class LiveFailed(Message):
    """The database did not answer a poll."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error


class ActionDone(Message):
    """A person's action was committed; ``then`` shows its result on the screen."""

    def __init__(self, label: str, result: Any, then: Callable[[Any], None] | None) -> None:  # noqa: ANN401
        super().__init__()
        self.label, self.result, self.then = label, result, then


class ActionFailed(Message):
    """A person's action was refused (a rule) or not committed (the database)."""

    def __init__(self, label: str, error: Exception, storage: bool) -> None:
        super().__init__()
        self.label, self.error, self.storage = label, error, storage
