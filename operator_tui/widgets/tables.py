"""Live tables updated in place: only the cells that changed are redrawn (no flicker)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text
from textual.widgets import DataTable

from queue_core.config import Config
from queue_core.domain import ServiceQueue, TicketInfo, WindowState

from ..format import category_label, local_hm, minutes

Cell = str | Text


def sync_rows(table: DataTable, rows: Sequence[tuple[str, Sequence[Cell]]]) -> None:
    """Make ``table`` show ``rows`` (key, cells): same keys in the same order → update changed cells
    only; otherwise rebuild, keeping the cursor on the same row index."""
    keys = [k for k, _ in rows]
    if keys == [rk.value for rk in table.rows]:
        columns = list(table.columns)
        changed = False
        for key, cells in rows:
            for col, new, old in zip(columns, cells, table.get_row(key), strict=False):
                if new != old:
                    table.update_cell(key, col, new)
                    changed = True
        if changed:
            # Every update starts a new generation of render-cache keys; the old lines would sit in
            # the LRU caches (up to 11 000 entries) for nothing and slow every full collection.
            table._clear_caches()  # noqa: SLF001
        return
    cursor = table.cursor_row
    table.clear()
    for key, cells in rows:
        table.add_row(*cells, key=key)
    if rows:
        table.move_cursor(row=min(cursor, len(rows) - 1), animate=False)


class LiveTable(DataTable):
    """A DataTable whose header follows its columns. Textual (8.2) re-measures the columns on idle
    after rows arrive but keeps the header line it rendered in between at the old widths (its render
    caches are keyed without widths): on a busy machine the informator saw «Окно Оператор…» squeezed
    to the left over wider columns until the next change. Drop the caches once the widths are known."""

    def _update_dimensions(self, new_rows: object) -> None:
        super()._update_dimensions(new_rows)  # type: ignore[arg-type]
        self._clear_caches()


def short_header(name: str) -> str:
    """A column header for a category: its abbreviation (``СВО``) or its first word."""
    words = name.split()
    abbr = next((w for w in words if w.isalpha() and w.isupper() and len(w) > 1), None)
    return abbr or words[0].capitalize()


class ServiceQueueTable(LiveTable):
    """Waiting visitors per service: by category, the longest wait (red past the target)."""

    DEFAULT_CSS = "ServiceQueueTable { height: auto; max-height: 100%; scrollbar-size-horizontal: 0; }"

    def __init__(self, config: Config, services: Sequence[str] | None = None, *, target: bool = True,
                 name_width: int = 40, id: str | None = None) -> None:  # noqa: A002
        super().__init__(cursor_type="none", zebra_stripes=True, id=id)
        self.config, self.target, self.name_width = config, target, name_width
        self.only = list(services) if services is not None else None
        self.categories = sorted(config.categories, key=lambda c: (not c.out_of_turn, -c.priority))

    def _short(self, name: str) -> str:
        return name if len(name) <= self.name_width else name[: self.name_width - 1] + "…"

    def on_mount(self) -> None:
        # Columns whose cells can be wider than their header are as wide as their widest cell from
        # the start: measured from the rows when they arrived, the header sometimes stayed drawn at
        # its first, narrow width.
        shown = [s for s in self.config.services if self.only is None or s.id in self.only]
        names = [f"{s.prefix} {self._short(s.name)}" for s in shown]
        self.add_column("Услуга", key="service", width=max([len("Услуга"), *map(len, names)]))
        self.add_column("Ждут", key="waiting")
        for c in self.categories:
            self.add_column(short_header(category_label(self.config, c.id)), key=f"cat:{c.id}")
        self.add_column("Дольше всех", key="longest")
        if self.target:
            targets = [_target(s.target_wait_min) for s in shown]
            self.add_column("Цель", key="target", width=max([len("Цель"), *map(len, targets)]))

    def show(self, services: Sequence[ServiceQueue], age_s: float = 0.0) -> None:
        rows = []
        for sq in services:
            if self.only is not None and sq.service not in self.only:
                continue
            longest = sq.longest_wait_s + age_s if sq.waiting else 0
            late = sq.waiting and longest > sq.target_wait_min * 60
            cats = []
            for c in self.categories:
                n = sq.by_category.get(c.id, 0)
                cats.append(Text(str(n), style="bold" if n and c.priority else "") if n else Text("·", style="dim"))
            rows.append((sq.service, (
                f"{sq.prefix} {self._short(sq.name)}",
                Text(str(sq.waiting), style="bold"),
                *cats,
                Text(minutes(longest) if sq.waiting else "—", style="bold white on red" if late else ""),
                *((_target(sq.target_wait_min),) if self.target else ()),
            )))
        sync_rows(self, rows)


def _target(minutes_: int) -> str:
    return f"{minutes_} мин"


def window_state_text(w: WindowState, now: datetime) -> Text:
    if w.operator is None:
        return Text("закрыто", style="dim")
    if w.paused:
        return Text(f"перерыв: {w.pause_reason or ''}".rstrip(": "), style="bold yellow")
    if w.current is None:
        return Text("свободно", style="green")
    t = w.current
    if t.status == "serving":
        return Text(f"обслуживает {minutes((now - t.started_at).total_seconds()) if t.started_at else ''}")
    return Text(f"вызван {minutes((now - t.called_at).total_seconds()) if t.called_at else ''}", style="bold")


class WindowsTable(LiveTable):
    """Every window: who works there, their state and current ticket (with its category, if any)."""

    DEFAULT_CSS = "WindowsTable { height: auto; max-height: 100%; scrollbar-size-horizontal: 0; }"

    def __init__(self, config: Config, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(cursor_type="none", zebra_stripes=True, id=id)
        self.config = config

    def on_mount(self) -> None:
        for label, key in (("Окно", "window"), ("Оператор", "operator"), ("Состояние", "state"),
                           ("Талон", "ticket")):
            self.add_column(label, key=key)

    def show(self, windows: Sequence[WindowState], now: datetime) -> None:
        rows = []
        for w in windows:
            t = w.current
            ticket = Text(t.code, style="bold") if t else Text("—")
            if t and t.category != "regular":
                ticket.append(f" {short_header(category_label(self.config, t.category))}", style="yellow")
            rows.append((str(w.number), (w.title, w.operator_name or "—", window_state_text(w, now), ticket)))
        sync_rows(self, rows)


class TicketsTable(LiveTable):
    """A list of tickets (waiting past target, print faults): code, category, issued, waiting."""

    DEFAULT_CSS = "TicketsTable { height: auto; max-height: 100%; scrollbar-size-horizontal: 0; }"

    def __init__(self, config: Config, *, selectable: bool = False, id: str | None = None) -> None:  # noqa: A002
        super().__init__(cursor_type="row" if selectable else "none", zebra_stripes=True, id=id)
        self.config = config
        self.tickets: dict[str, TicketInfo] = {}

    def on_mount(self) -> None:
        for label, key in (("Талон", "code"), ("Категория", "category"), ("Выдан", "issued"), ("Ждёт", "waiting")):
            self.add_column(label, key=key)

    def show(self, tickets: Sequence[TicketInfo], now: datetime) -> None:
        tz = self.config.office.tz
        self.tickets = {str(t.id): t for t in tickets}
        rows = [(str(t.id), (Text(t.code, style="bold"),
                             category_label(self.config, t.category) if t.category != "regular" else "",
                             local_hm(t.issued_at, tz), minutes((now - t.issued_at).total_seconds())))
                for t in tickets]
        sync_rows(self, rows)

    @property
    def selected(self) -> TicketInfo | None:
        if not self.tickets or self.cursor_row < 0 or self.cursor_row >= self.row_count:
            return None
        key = self.coordinate_to_cell_key((self.cursor_row, 0)).row_key.value
        return self.tickets.get(key)
