"""The operator's window: the visitor at the window, this window's queue, the day's count.

Every action is a function key shown in the footer; a key that makes no sense now is greyed out,
and pressing it says why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Button, Label

from queue_core.domain import CallResult, StaffSession, TicketInfo

from ..format import duration, local_hm
from ..live import WindowView
from ..widgets.banner import DbBanner
from ..widgets.keys import KeyHints
from ..widgets.tables import ServiceQueueTable
from ..widgets.topbar import TopBar
from ..widgets.visitor import VisitorPanel
from .base import StaffScreen
from .dialogs import ChooseServiceDialog, ConfirmDialog, FinishDialog, FormDialog
from .key_rules import f_keys, hidden_f9


class OperatorScreen(StaffScreen[WindowView]):
    BINDINGS = [
        *f_keys(
            ("f2", "call_next", "Вызвать"),
            ("f3", "recall", "Повторно"),
            ("f4", "start", "Начать"),
            ("f5", "finish", "Завершить"),
            ("f6", "no_show", "Неявка"),
            ("f7", "redirect", "Перенаправить"),
            ("f8", "postpone", "Отложить"),
            ("f10", "call_by_code", "По номеру"),
        ),
        Binding("ctrl+y", "verify", "Подтвердить", key_display="^Y", show=False),
        Binding("ctrl+n", "decline", "Отклонить", key_display="^N", show=False),
    ]
    CHANGING_ACTIONS = frozenset(b.action for b in BINDINGS)

    def __init__(self, session: StaffSession) -> None:
        super().__init__(session)
        self.view: WindowView | None = None
        self.win_config = self.config.window(self.window)

    def compose(self) -> ComposeResult:
        yield TopBar()
        yield DbBanner()
        yield VisitorPanel(self.config)
        yield Label("—", id="day")
        with Vertical(id="queue-box"):
            yield Label("Очередь этого окна", id="queue-title", classes="section")
            yield ServiceQueueTable(self.config, services=list(self.win_config.services), id="queue")
        yield KeyHints()

    # --- live data --------------------------------------------------------------------------
    def load(self) -> WindowView | None:
        snap = self.feed.snapshot()
        return None if snap is None else self.feed.window_view(snap, self.window, self.login)

    def show(self, view: WindowView) -> None:
        before = self._state_key()
        self.view = view
        self._draw(view)
        if self._state_key() != before:
            self.refresh_bindings()

    def redraw_time(self) -> None:
        if self.view is not None:
            self._draw(self.view)
        else:
            self._draw_top()

    def _draw_top(self) -> None:
        paused = self.view.state.paused if self.view else self.shift.paused
        left = f"{self.win_config.title} · {self.shift.full_name}" + (" · ПЕРЕРЫВ" if paused else "")
        now = self.app.clock.now()
        self.part(TopBar).set_parts(left, f"{self.config.office.name} · {local_hm(now, self.config.office.tz)}")

    def _draw(self, view: WindowView) -> None:
        self._draw_top()
        now = self.app.clock.now()
        st = view.state
        idle = f"Перерыв: {st.pause_reason}. F9 — продолжить работу." if st.paused else None
        self.part(VisitorPanel).show(st.current, view.reason, now, idle or "Окно свободно. F2 — вызвать следующего.")
        age = max(0.0, (now - view.snapshot.at).total_seconds())
        mine = [s for s in view.snapshot.services if s.service in self.win_config.services]
        self.part("#queue", ServiceQueueTable).show(view.snapshot.services, age)
        self.part("#queue-title", Label).update(f"Очередь этого окна — ждут {sum(s.waiting for s in mine)}")
        self.part("#day", Label).update(
            f"Мой день: обслужено {view.served} · среднее обслуживание {duration(view.mean_service_s)}")

    def _state_key(self) -> tuple:
        st = self.view.state if self.view else None
        cur = st.current if st else None
        return (st is None, st and st.paused, cur and cur.id, cur and cur.status, cur and cur.category_claimed)

    # --- what makes sense now -------------------------------------------------------------------
    @property
    def current(self) -> TicketInfo | None:
        return self.view.state.current if self.view else None

    def key_rules(self) -> dict[str, str | None]:
        if self.view is None:
            return dict.fromkeys(self.CHANGING_ACTIONS - {"logout"}, "Данные окна ещё не загружены")
        cur, paused = self.current, self.view.state.paused
        called = cur is not None and cur.status == "called"
        return {
            "call_next": (f"У окна талон {cur.code}: завершите его, отметьте неявку или перенаправьте" if cur
                          else "Окно на перерыве: F9 — продолжить" if paused else None),
            "call_by_code": (f"У окна талон {cur.code}" if cur else "Окно на перерыве" if paused else None),
            "recall": None if called else "Нет вызванного посетителя",
            "start": None if called else "Нет вызванного посетителя",
            "no_show": None if called else "Неявку отмечают только вызванному, ещё не начатому посетителю",
            "finish": None if cur else "У окна нет посетителя",
            "redirect": None if cur else "У окна нет посетителя",
            "postpone": None if cur else "У окна нет посетителя",
            "verify": None if cur and cur.category_claimed else "Нет категории, ожидающей проверки",
            "decline": None if cur and cur.category_claimed else "Нет категории, ожидающей проверки",
            "pause": "Окно уже на перерыве" if paused else (f"Сначала завершите талон {cur.code}" if cur else None),
            "resume": None if paused else "Окно не на перерыве",
        }

    def hidden_keys(self) -> frozenset[str]:
        hidden = {hidden_f9(bool(self.view and self.view.state.paused))}
        cur = self.current
        if not (cur and cur.category_claimed):  # the prompt and ^Y/^N appear only with a document to check
            hidden |= {"verify", "decline"}
        return frozenset(hidden)

    # --- actions ------------------------------------------------------------------------------
    def _svc_call(self, name: str, *args: object, **kwargs: object) -> Callable[[], Any]:
        method = getattr(self.service, name)
        return lambda: method(*args, **kwargs)

    def action_call_next(self) -> None:
        self.run_action("Вызов", self._svc_call("call_next", self.actor), self._called)

    def _called(self, result: CallResult | None) -> None:
        if result is None:
            self.notify("Никто не ждёт услуг этого окна", title="Очередь пуста")
            return
        self.feed.reasons[result.ticket.id] = result.reason
        if self.view is not None:  # draw the call now; the re-read that follows only confirms it
            state = replace(self.view.state, current=result.ticket)
            self.show(replace(self.view, state=state, reason=result.reason))
        self.app.bell()

    def action_recall(self) -> None:
        cur = self.current
        self.run_action("Повторный вызов", self._svc_call("recall", self.actor, cur.id), self._recalled)

    def _recalled(self, t: TicketInfo) -> None:
        if t.status == "no_show":
            self.notify(f"Талон {t.code}: неявка — лимит повторных вызовов исчерпан", severity="warning")
        else:
            self.notify(f"Талон {t.code} вызван повторно ({t.recalls})")

    def action_start(self) -> None:
        self.run_action("Начало обслуживания", self._svc_call("start", self.actor, self.current.id))

    def action_no_show(self) -> None:
        cur = self.current
        self.run_action("Неявка", self._svc_call("no_show", self.actor, cur.id),
                        lambda t: self.notify(f"Талон {t.code}: неявка"))

    def action_finish(self) -> None:
        cur, op = self.current, self.config.operator
        if not op.result_codes and not op.ask_rating:
            self._finish(cur, None)
            return
        self.app.push_screen(FinishDialog(cur.code, op.result_codes, op.ask_rating), lambda a: self._finish(cur, a))

    def _finish(self, cur: TicketInfo, answer: dict | None) -> None:
        if answer is None and (self.config.operator.result_codes or self.config.operator.ask_rating):
            return
        answer = answer or {}
        self.run_action("Завершение", self._svc_call("finish", self.actor, cur.id,
                                                     result_code=answer.get("result_code"), rating=answer.get("rating")),
                        lambda t: self.notify(f"Талон {t.code} обслужен"))

    def action_redirect(self) -> None:
        cur = self.current
        services = [(s.id, f"{s.prefix}  {s.name}") for s in self.config.services if s.active and s.id != cur.service]
        positions = [("front", "сохранить своё место"), ("back", "в конец очереди")]
        dialog = ChooseServiceDialog(f"Перенаправить талон {cur.code}", services, positions=positions,
                                     position=self.config.policy.redirect_position)
        self.app.push_screen(dialog, lambda a: a and self.run_action(
            "Перенаправление", self._svc_call("redirect", self.actor, cur.id, a["service"], a["position"]),
            lambda t: self.notify(f"Талон {t.code} перенаправлен: {t.service_name}")))

    def action_postpone(self) -> None:
        cur = self.current
        fields = [("minutes", "Вернётся в очередь через, мин:", "10"), ("reason", "Причина (например, принести документ):", "")]
        self.app.push_screen(FormDialog(f"Отложить талон {cur.code}", fields), lambda a: a and self._postpone(cur, a))

    def _postpone(self, cur: TicketInfo, answer: dict) -> None:
        try:
            mins = int(answer["minutes"])
        except ValueError:
            self.notify("Укажите число минут", severity="warning")
            return
        self.run_action("Отложить", self._svc_call("postpone", self.actor, cur.id, mins, answer["reason"]),
                        lambda t: self.notify(f"Талон {t.code} отложен до {local_hm(t.postponed_until, self.config.office.tz)}"))

    def action_pause(self) -> None:
        self.app.push_screen(FormDialog("Перерыв", [("reason", "Причина перерыва:", "перерыв")]),
                             lambda a: a and self.run_action("Перерыв", self._svc_call("pause", self.actor,
                                                                                        a["reason"])))

    def action_resume(self) -> None:
        self.run_action("Продолжение работы", self._svc_call("resume", self.actor))

    def action_call_by_code(self) -> None:
        fields = [("code", "Номер талона (например, А-015):", ""), ("reason", "Причина вызова не по очереди:", "")]
        self.app.push_screen(FormDialog("Вызвать талон по номеру", fields, note="Вызов по номеру записывается в журнал."),
                             lambda a: a and self.run_action(
                                 "Вызов по номеру",
                                 self._svc_call("call_ticket", self.actor, a["code"], a["reason"]),
                                 self._called))

    def action_verify(self) -> None:
        self.run_action("Подтверждение категории", self._svc_call("verify_category", self.actor, self.current.id),
                        lambda t: self.notify(f"Категория талона {t.code} подтверждена"))

    def action_decline(self) -> None:
        self.run_action("Отклонение категории", self._svc_call("decline_category", self.actor, self.current.id),
                        lambda t: self.notify(f"Талон {t.code} вернулся в общую очередь на своё место"))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id in ("verify-yes", "verify-no"):
            self.run_action_binding("verify" if event.button.id == "verify-yes" else "decline")

    def run_action_binding(self, action: str) -> None:
        if self.check_action(action, ()):
            getattr(self, f"action_{action}")()

    def action_logout(self) -> None:
        cur = self.current
        if cur is None:
            self.run_action("Выход", self._svc_call("logout", self.actor), lambda _: self.app.show_login())
            return
        what = "будет завершён" if cur.status == "serving" else "вернётся в очередь на своё место"
        dialog = ConfirmDialog("Выход из окна", f"У окна талон {cur.code}: он {what}. Выйти?", "Выйти")
        self.app.push_screen(dialog, lambda yes: yes and self.run_action(
            "Выход", self._svc_call("logout", self.actor, force=True), lambda _: self.app.show_login()))
