"""What every kiosk screen shares: a guard against ghost taps and an idle timeout."""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING

from textual.screen import Screen

if TYPE_CHECKING:
    from queue_kiosk.app import KioskApp


class KioskScreen(Screen):
    """A full kiosk screen.

    ``idle_after_s`` — seconds without a touch after which the app goes back home
    (None: never). The countdown runs from the later of the last touch and
    ``countdown_from`` (an instant of the app's clock a screen may move forward).
    """

    app: KioskApp  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self._shown = time.monotonic()
        self._up = False
        self.countdown_from: datetime | None = None

    def on_mount(self) -> None:  # Textual calls this as well as a subclass's own on_mount
        self._up = True

    def on_screen_resume(self) -> None:
        self._shown = time.monotonic()

    @property
    def idle_after_s(self) -> float | None:
        return None

    def accepts_input(self) -> bool:
        """False for a moment after the screen appears: the second tap of a double tap (or a
        finger left on the glass) must not press the button that took the first one's place;
        nor may a key reach a screen whose buttons are not there yet."""
        touched = self.app.last_input_time
        touched = time.monotonic() if touched is None else touched
        return self._up and touched - self._shown >= self.app.tap_guard_s
