"""The issued ticket: its code in large letters while it prints, and what to do if it did not."""

from __future__ import annotations

import time

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from queue_core.domain import TicketInfo
from queue_kiosk.screens.base import KioskScreen
from queue_kiosk.widgets.big_text import BigText
from queue_kiosk.widgets.qr import QrCode


def wait_text(ticket: TicketInfo) -> str:
    parts = []
    if ticket.position is not None:
        parts.append(f"Перед вами: {ticket.position}")
    if ticket.estimated_wait_min is not None:
        parts.append(f"Ожидание ≈ {ticket.estimated_wait_min} мин" if ticket.estimated_wait_min
                     else "Вас пригласят в ближайшее время")
    return "  ·  ".join(parts)


class TicketScreen(KioskScreen):
    """Shows a ticket the app has just issued and is printing (``KioskApp.show_ticket``).

    After printing the screen stays ``kiosk.ticket_screen_s`` seconds (a tap returns
    home sooner); after a printer fault it stays ``kiosk.fault_screen_s`` with the QR code
    and asks the visitor to remember the number. Taps are ignored while printing.
    """

    def __init__(self, ticket: TicketInfo) -> None:
        super().__init__()
        self.ticket = ticket
        self.print_state = "printing"  # printing | printed | failed
        self._result: tuple[bool, str] | None = None
        self._mounted = False

    @property
    def idle_after_s(self) -> float | None:
        k = self.app.config.kiosk
        return {"printing": None, "printed": k.ticket_screen_s, "failed": k.fault_screen_s}[self.print_state]

    def compose(self) -> ComposeResult:
        t = self.ticket
        with Horizontal(id="ticket-body"):
            with Vertical(id="ticket-main"):
                yield Static("Ваш номер", classes="caption")
                yield BigText(t.code, id="code")
                yield Static(t.service_name, id="ticket-service")
                yield Static(wait_text(t), id="wait")
                note = self._category_note()
                if note:
                    yield Static(note, id="note")
                yield Static("Печатаем талон…", id="print-status")
            payload = self._qr_payload()
            if payload:
                yield QrCode(payload, id="qr")
        yield Static("", id="hint", classes="hint")

    def _category_note(self) -> str:
        try:
            cat = self.app.config.category(self.ticket.category)
        except KeyError:
            return ""
        return cat.document if cat.document and not self.ticket.category_verified else ""

    def _qr_payload(self) -> str | None:
        from printer.ticket import qr_payload

        t, cfg = self.ticket, self.app.config
        return qr_payload(cfg.printer.qr_url_template, cfg.office.code, t.day.isoformat(), t.code, t.id)

    def on_mount(self) -> None:
        self._mounted = True
        if self._result is not None:
            self.show_print_result(*self._result)

    def show_print_result(self, ok: bool, message_ru: str) -> None:
        """The printer is done: «Возьмите талон», or what to do without a paper ticket."""
        self._result = (ok, message_ru)
        if not self._mounted:
            return  # a very fast printer: shown once the screen is up
        self.print_state = "printed" if ok else "failed"
        self.countdown_from = self.app.clock.now()
        self._shown = time.monotonic()  # the guard against a stray tap starts again
        self.set_class(not ok, "-fault")
        status = self.query_one("#print-status", Static)
        if ok:
            status.update("Возьмите талон")
            hint = "Коснитесь экрана, чтобы вернуться"
        else:
            status.update(f"Талон не напечатан: {message_ru.rstrip('.')}.\n"
                          f"Запомните номер {self.ticket.code}"
                          + (" или сфотографируйте QR-код" if self.query("#qr") else "")
                          + " и подойдите к информатору.")
            hint = "Коснитесь экрана, когда запомните номер"
        self.query_one("#hint", Static).update(hint)

    # A tap or a key anywhere returns home, once the ticket has printed (or failed to).
    def on_click(self, event: events.Click) -> None:
        self._done()

    def on_key(self, event: events.Key) -> None:
        event.stop()
        self._done()

    def _done(self) -> None:
        if self.print_state != "printing" and self.accepts_input():
            self.app.go_home()
