"""«Есть право на внеочередное обслуживание?» — then the ticket is issued from here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Button, Static

from queue_kiosk.screens.base import KioskScreen

if TYPE_CHECKING:
    from queue_core.catalog_rows import CategoryRow


class CategoryScreen(KioskScreen):
    """Regular queue or a priority category in force today (from the service's catalogue, the
    register of rights the database holds); a tap issues the ticket.

    Every button is disabled the moment one is pressed, and the app issues one ticket
    at a time (``KioskApp.issue``): a double tap never issues two tickets.
    """

    BINDINGS = [
        *(Binding(str(n), f"pick({n})", show=False) for n in range(1, 10)),
        Binding("escape,backspace,0", "back", show=False),
    ]

    def __init__(self, service_id: str) -> None:
        super().__init__()
        self.service_id = service_id
        self.issuing = False
        self._categories: list[CategoryRow] | None = None

    @property
    def categories(self) -> list[CategoryRow]:
        """``regular`` first, then the priority categories, the strongest right first; a category
        not in force today is not offered. Read once: the buttons and the keys 1–9 stay in step."""
        if self._categories is None:
            self._categories = self.app.service.catalog.offered_categories(self.app.clock.today())
        return self._categories

    @property
    def idle_after_s(self) -> float | None:
        return None if self.issuing else self.app.config.kiosk.idle_reset_s

    def compose(self) -> ComposeResult:
        service = self.app.config.service(self.service_id)
        yield Static(service.name, id="service-name")
        yield Static("Есть право на внеочередное обслуживание?", classes="prompt")
        with Vertical(id="categories"):
            for n, c in enumerate(self.categories, start=1):
                label = f"{n}  {c.kiosk_label or c.name}"
                if c.document:
                    label += f"\n{c.document}"
                yield Button(label, id=f"cat-{c.slug}", classes="category" + (" -priority" if c.priority else ""))
        yield Button("0  Назад", id="back", classes="back")
        yield Static(id="status", classes="hint")

    @on(Button.Pressed, ".category")
    def category_pressed(self, event: Button.Pressed) -> None:
        self._issue(event.button.id.removeprefix("cat-"))

    @on(Button.Pressed, "#back")
    def back_pressed(self) -> None:
        self.action_back()

    def action_pick(self, n: int) -> None:
        cats = self.categories
        if 1 <= n <= len(cats):
            self._issue(cats[n - 1].slug)

    def action_back(self) -> None:
        if not self.issuing and self.accepts_input():
            self.app.go_home()

    def _issue(self, category_id: str) -> None:
        if self.issuing or not self.accepts_input() or self.app.screen is not self:
            return
        if not self.app.issue(self.service_id, category_id):
            return  # another ticket is being issued right now
        self.issuing = True
        for button in self.query(Button).results(Button):
            button.disabled = True
        self.query_one("#status", Static).update("Выдаём талон…")
