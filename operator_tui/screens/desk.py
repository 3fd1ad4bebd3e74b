"""The informator's desk: issue tickets (priority ones verified here), serve an СВО visitor at once,
see the whole hall, reprint what the kiosk failed to print, find a ticket and cancel it."""

from __future__ import annotations

from textual.app import ComposeResult

from queue_core.domain import QueueSnapshot, StaffSession, StorageError, TicketInfo, WindowState

from ..format import category_label, local_hm
from ..messages import TicketFound
from ..widgets.banner import DbBanner
from ..widgets.keys import KeyHints
from ..widgets.hall import HallView
from ..widgets.topbar import TopBar
from ..widgets.visitor import VisitorPanel
from .base import StaffScreen
from .dialogs import ChooseServiceDialog, ConfirmDialog, FormDialog, TicketDialog
from .key_rules import f_keys, hidden_f9


class DeskScreen(StaffScreen[QueueSnapshot]):
    BINDINGS = f_keys(
        ("f2", "issue", "Выдать талон"),
        ("f3", "serve_direct", "Обслужить сразу"),
        ("f4", "find", "Найти талон"),
        ("f5", "finish", "Завершить"),
        ("f6", "reprint", "Перепечатать"),
    )
    CHANGING_ACTIONS = frozenset(b.action for b in BINDINGS) - {"find"}

    def __init__(self, session: StaffSession) -> None:
        super().__init__(session)
        self.snap: QueueSnapshot | None = None

    def compose(self) -> ComposeResult:
        yield TopBar()
        yield DbBanner()
        yield VisitorPanel(self.config, id="desk-visitor")
        yield HallView(self.config, reprint=True)
        yield KeyHints(columns=4)

    # --- live data ----------------------------------------------------------------------------
    def load(self) -> QueueSnapshot | None:
        return self.feed.snapshot()

    def show(self, snap: QueueSnapshot) -> None:
        before = self._state_key()
        self.snap = snap
        self._draw()
        if self._state_key() != before:
            self.refresh_bindings()

    def redraw_time(self) -> None:
        self._draw()

    def _draw(self) -> None:
        now = self.app.clock.now()
        st = self.state
        paused = st.paused if st else self.shift.paused
        title = self.config.window(self.window).title
        left = f"{title} · {self.shift.full_name}" + (" · ПЕРЕРЫВ" if paused else "")
        waiting = f"ждут {self.snap.waiting_total} · " if self.snap else ""
        self.query_one(TopBar).set_parts(left, f"{waiting}{self.config.office.name} · {local_hm(now, self.config.office.tz)}")
        idle = (f"Перерыв: {st.pause_reason}. F9 — продолжить." if paused and st else
                "Стойка свободна. F2 — выдать талон, F3 — обслужить посетителя сразу (участник СВО).")
        self.query_one(VisitorPanel).show(st.current if st else None, self._reason(st.current if st else None), now, idle)
        if self.snap is not None:
            self.query_one(HallView).show(self.snap, now)

    @staticmethod
    def _reason(t: TicketInfo | None) -> str | None:
        return "обслуживание у стойки информатора" if t else None

    @property
    def state(self) -> WindowState | None:
        """The desk's own window: who works here, on a break or not, the visitor at the desk."""
        if self.snap is None:
            return None
        return next((w for w in self.snap.windows if w.number == self.window), None)

    def _state_key(self) -> tuple:
        st = self.state
        return (st is None, st and st.paused, st and st.current and st.current.id,
                bool(self.snap and self.snap.print_faults))

    # --- what makes sense now -----------------------------------------------------------------
    def key_rules(self) -> dict[str, str | None]:
        st = self.state
        cur = st.current if st else None
        paused = bool(st and st.paused)
        return {
            "serve_direct": (f"У стойки талон {cur.code}: F5 — завершить" if cur else
                             "Стойка на перерыве" if paused else None),
            "finish": None if cur else "У стойки нет посетителя",
            "reprint": None if self.part(HallView).faults.selected else "Сбоев печати нет",
            "pause": f"Сначала завершите талон {cur.code}" if cur else None,
        }

    def hidden_keys(self) -> frozenset[str]:
        return frozenset({hidden_f9(bool(self.state and self.state.paused))})

    # --- issuing and serving ------------------------------------------------------------------
    def _services(self) -> list[tuple[str, str]]:
        return [(s.id, f"{s.prefix}  {s.name}") for s in self.config.services if s.active]

    def _categories(self) -> list[tuple[str, str]]:
        """The categories in force today (the register of rights in the service's catalogue)."""
        today = self.app.clock.today()
        cats = [c for c in self.service.catalog.categories.values() if c.not_in_force(today) is None]
        return [(c.slug, c.name) for c in sorted(cats, key=lambda c: c.priority)]

    def action_issue(self) -> None:
        categories = self._categories()
        dialog = ChooseServiceDialog("Выдать талон", self._services(), categories=categories, category="regular",
                                     print_option=self.config.printer.backend != "none",
                                     hint=f"1–{len(categories)} — категория (документ проверен у стойки), Enter — выдать, Esc — отмена")
        self.app.push_screen(dialog, lambda a: a and self.run_action(
            "Выдача талона", lambda: self._issue(a["service"], a["category"] or "regular", a["print"]), self._issued))

    def _issue(self, service: str, category: str, printed: bool) -> tuple[TicketInfo, str]:
        """Runs in the action worker: issue (committed), then print; a printer fault never undoes the ticket."""
        ticket = self.service.issue_ticket(service, category, actor=self.actor)
        return ticket, (self._print(ticket) if printed else "")

    def _print(self, ticket: TicketInfo) -> str:
        try:
            outcome = self.app.print_ticket(self.service, ticket, self.config)
        except StorageError:
            return "талон напечатан, но отметка о печати не записана (нет связи с базой)"
        except Exception as e:  # noqa: BLE001 - a printer problem must not hide the issued ticket
            return f"сбой печати: {e}"
        return "напечатан" if outcome.ok else f"сбой печати: {outcome.message_ru}"

    def _issued(self, result: tuple[TicketInfo, str]) -> None:
        t, printed = result
        cat = "" if t.category == "regular" else f", {category_label(self.config, t.category)} (подтверждено)"
        ahead = f", впереди {t.position}" if t.position is not None else ""
        self.notify(f"Талон {t.code}: {t.service_name}{cat}{ahead}" + (f". Печать: {printed}" if printed else ""),
                    title="Талон выдан", timeout=10, severity="error" if "сбой" in printed else "information")

    def action_serve_direct(self) -> None:
        categories = self._categories()
        dialog = ChooseServiceDialog("Обслужить посетителя сразу у стойки", self._services(),
                                     categories=categories, category="svo",
                                     hint=f"1–{len(categories)} — категория (документ проверен у стойки), Enter — обслужить, Esc — отмена")
        self.app.push_screen(dialog, lambda a: a and self.run_action(
            "Обслуживание у стойки",
            lambda: self.service.serve_direct(self.actor, a["service"], a["category"] or "svo"),
            lambda r: self.notify(f"Талон {r.ticket.code}: обслуживается у стойки")))

    def action_finish(self) -> None:
        cur = self.state.current
        self.run_action("Завершение", lambda: self.service.finish(self.actor, cur.id),
                        lambda t: self.notify(f"Талон {t.code} обслужен"))

    def action_pause(self) -> None:
        self.app.push_screen(FormDialog("Перерыв", [("reason", "Причина перерыва:", "перерыв")]),
                             lambda a: a and self.run_action(
                                 "Перерыв", lambda: self.service.pause(self.actor, a["reason"])))

    def action_resume(self) -> None:
        self.run_action("Продолжение работы", lambda: self.service.resume(self.actor))

    # --- printer faults and tickets -------------------------------------------------------------
    def action_reprint(self) -> None:
        ticket = self.query_one(HallView).faults.selected
        self._reprint(ticket)

    def _reprint(self, ticket: TicketInfo) -> None:
        self.run_action("Печать", lambda: (ticket, self._print(ticket)),
                        lambda r: self.notify(f"Талон {r[0].code}: {r[1]}",
                                              severity="error" if "сбой" in r[1] else "information"))

    def action_find(self) -> None:
        self.app.push_screen(FormDialog("Найти талон", [("code", "Номер талона (например, А-015):", "")]),
                             lambda a: a and a["code"] and self._find(a["code"]))

    def _find(self, code: str) -> None:
        def find() -> None:  # in the search worker
            self.post_message(TicketFound(self.service.ticket(code), self.service.ticket_history(code)))

        self.app.run_blocking(self, find, group="find", exclusive=True)

    def on_ticket_found(self, message: TicketFound) -> None:
        ticket = message.ticket
        dialog = TicketDialog(ticket, message.history, self.config.office.tz, category_label(self.config, ticket.category))
        self.app.push_screen(dialog, lambda choice: self._ticket_choice(ticket, choice))

    def _ticket_choice(self, ticket: TicketInfo, choice: str | None) -> None:
        if choice == "reprint":
            self._reprint(ticket)
        elif choice == "cancel":
            self.app.push_screen(FormDialog(f"Отменить талон {ticket.code}", [("reason", "Причина отмены:", "")]),
                                 lambda a: a and self._cancel(ticket, a["reason"]))

    def _cancel(self, ticket: TicketInfo, reason: str) -> None:
        if not reason:
            self.notify("Укажите причину отмены", severity="warning")
            return
        self.run_action("Отмена талона", lambda: self.service.cancel(self.actor, ticket.id, reason),
                        lambda t: self.notify(f"Талон {t.code} отменён"))

    def action_logout(self) -> None:
        cur = self.state.current if self.state else None
        if cur is None:
            self.run_action("Выход", lambda: self.service.logout(self.actor), lambda _: self.app.show_login())
            return
        dialog = ConfirmDialog("Выход", f"У стойки талон {cur.code}: он будет завершён. Выйти?", "Выйти")
        self.app.push_screen(dialog, lambda yes: yes and self.run_action(
            "Выход", lambda: self.service.logout(self.actor, force=True), lambda _: self.app.show_login()))
