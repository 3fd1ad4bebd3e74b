"""Helpers for the staff-terminal tests: waiting for workers, logging in, reading the screen."""

from __future__ import annotations

from contextlib import suppress

from textual.pilot import Pilot
from textual.worker import WorkerCancelled, WorkerFailed

from queue_core.domain import Actor, EventKind


async def settle(pilot: Pilot) -> None:
    """Let the workers finish and their messages land (no sleeps). A worker that raised has
    finished too: what it shows is the app's to say, and the test's to check."""
    app = pilot.app
    for _ in range(3):  # action worker -> its message -> the re-read worker -> its message
        for worker in list(app.workers):
            with suppress(WorkerFailed, WorkerCancelled):
                await worker.wait()
        await pilot.pause()


async def log_in(pilot: Pilot, pin: str = "1234") -> None:
    """Type the PIN on the login screen (login and window come from the command line)."""
    await settle(pilot)
    await pilot.press(*pin, "enter")
    await settle(pilot)


async def at_work(pilot: Pilot, actor: Actor) -> None:
    """Straight to the working screen of the app's window with ``actor``, the session of the PIN
    login that opened its shift; the PIN path itself is tested in test_operator_login.py, and
    hashing PINs is slow.

    Opened from the app's own message loop, as a login does: a screen's ``self.app`` is the app
    active where the screen was started, and with two terminals in one test that is the other one."""
    app = pilot.app
    assert actor.window == app.window, (actor, app.window)
    await settle(pilot)
    app.call_later(app.open_work, app.service.session(actor.token))
    await settle(pilot)


def kinds(svc, ref) -> list[str]:  # noqa: ANN001
    return [str(e.kind) for e in svc.ticket_history(ref)]


def events_of(svc, ref, kind: EventKind):  # noqa: ANN001, ANN201
    return [e for e in svc.ticket_history(ref) if e.kind == kind]


def screen_text(app) -> str:  # noqa: ANN001
    """Everything the labels, tables and the big code on the current screen say, as plain text."""
    from textual.widgets import DataTable, Label, Static

    parts = []
    for w in app.screen.query("*"):
        if isinstance(w, DataTable):
            for row in range(w.row_count):
                parts.append(" ".join(str(c) for c in w.get_row_at(row)))
        elif isinstance(w, Label | Static) and w.display:
            parts.append(str(w.render()))
    return "\n".join(parts)


def notes(app) -> str:  # noqa: ANN001
    return "\n".join(str(n.message) for n in app._notifications)
