"""The visitor at the window: the code in large letters, service, category, waits, the policy's
reason, and — for a claimed priority category — the prompt to check the document."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label

from queue_core.config import Config
from queue_core.domain import TicketInfo

from ..format import category_document, category_label, duration, is_priority, local_hm, minutes, target_wait_min
from ..parts import Parts
from .big_code import BigCode


class VisitorPanel(Parts, Vertical):
    DEFAULT_CSS = """
    VisitorPanel { height: auto; border: round $primary; padding: 0 1; }
    VisitorPanel #visitor-top { height: auto; }
    VisitorPanel #visitor-info { height: auto; width: 1fr; padding: 0 0 0 2; }
    VisitorPanel #visitor-service { text-style: bold; }
    VisitorPanel #visitor-badge { display: none; }
    VisitorPanel #visitor-badge.-priority { display: block; background: $warning; color: $text; text-style: bold; }
    VisitorPanel #visitor-idle { display: none; color: $text-muted; padding: 1 0; }
    VisitorPanel.-idle #visitor-top, VisitorPanel.-idle #visitor-reason { display: none; }
    VisitorPanel.-idle #visitor-idle { display: block; }
    VisitorPanel #verify-box { display: none; height: auto; border: heavy $warning; padding: 0 1; margin-top: 1; }
    VisitorPanel.-verify #verify-box { display: block; }
    VisitorPanel #verify-buttons { height: auto; }
    VisitorPanel #verify-buttons Button { margin-right: 2; }
    """

    def __init__(self, config: Config, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.config = config
        self.ticket: TicketInfo | None = None
        self._shown: tuple | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="visitor-top"):
            yield BigCode(id="visitor-code")
            with Vertical(id="visitor-info"):
                yield Label(id="visitor-service")
                yield Label(id="visitor-badge")
                yield Label(id="visitor-status")
                yield Label(id="visitor-times")
        yield Label(id="visitor-reason")
        yield Label("Окно свободно. F2 — вызвать следующего посетителя.", id="visitor-idle")
        with Vertical(id="verify-box"):
            yield Label(id="verify-text")
            with Horizontal(id="verify-buttons"):
                yield Button("Подтвердить  Ctrl+Y", id="verify-yes", variant="success")
                yield Button("Отклонить  Ctrl+N", id="verify-no", variant="error")

    def show(self, ticket: TicketInfo | None, reason: str | None, now: datetime, idle_text: str | None = None) -> None:
        """Show the visitor (or the idle line); widgets are updated only when their text changes."""
        self.ticket = ticket
        self.border_title = "Посетитель у окна"
        key = (ticket, reason, idle_text, int(now.timestamp()) // 10)
        if key == self._shown:
            return
        self._shown = key
        self.set_class(ticket is None, "-idle")
        self.set_class(bool(ticket and ticket.category_claimed), "-verify")
        if ticket is None:
            if idle_text:
                self.part("#visitor-idle", Label).update(idle_text)
            return
        tz = self.config.office.tz
        self.part(BigCode).code = ticket.code
        self.part("#visitor-service", Label).update(ticket.service_name)
        badge = self.part("#visitor-badge", Label)
        priority = is_priority(self.config, ticket.category)
        badge.set_class(priority, "-priority")
        if priority:
            state = "проверить документ" if ticket.category_claimed else "подтверждено"
            badge.update(f" {category_label(self.config, ticket.category)} — {state} ")
        status = "обслуживается" if ticket.status == "serving" else "вызван"
        if ticket.recalls:
            status += f" · повторных вызовов: {ticket.recalls}"
        self.part("#visitor-status", Label).update(status)
        called = ticket.called_at or now
        waited = (called - ticket.issued_at).total_seconds()
        late = waited > target_wait_min(self.config, ticket) * 60
        times = Text()
        times.append(f"выдан {local_hm(ticket.issued_at, tz)} · ждал ")
        times.append(minutes(waited), style="bold red" if late else "bold")
        if ticket.status == "serving" and ticket.started_at:
            times.append(f" · обслуживание {duration((now - ticket.started_at).total_seconds())}")
        else:
            times.append(f" · вызван {local_hm(ticket.called_at, tz)}")
        self.part("#visitor-times", Label).update(times)
        self.part("#visitor-reason", Label).update(Text.assemble(("Почему он: ", "dim"), reason or "—"))
        if ticket.category_claimed:
            doc = category_document(self.config, ticket.category) or "документ, подтверждающий категорию"
            doc = doc.removeprefix("Покажите в окне ")
            self.part("#verify-text", Label).update(
                Text.assemble(("Проверьте документ: ", "bold"), doc))
