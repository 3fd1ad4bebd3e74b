"""Function keys that make no sense now: greyed out in the footer, and a press says why.

A screen only declares its rules, from its own state: :meth:`KeyRules.key_rules` (action → the
reason it makes no sense now, None when it does) and :meth:`KeyRules.hidden_keys` (actions not
shown at all now: F9 is either «Перерыв» or «Продолжить»). While an action is in flight, the keys
in ``CHANGING_ACTIONS`` are greyed out as well.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual import events
from textual.binding import Binding
from textual.screen import Screen

BUSY = "Подождите: предыдущее действие ещё выполняется"


def f_keys(*keys: tuple[str, str, str]) -> list[Binding]:
    """Bindings of function keys from (key, action, label), shown in the footer as «F2»; F9 is always
    «Перерыв» / «Продолжить» and F12 «Выход», as every staff screen has them."""
    rows = [*keys, ("f9", "pause", "Перерыв"), ("f9", "resume", "Продолжить"), ("f12", "logout", "Выход")]
    rows.sort(key=lambda row: int(row[0].removeprefix("f")))  # the footer shows them in this order
    return [Binding(key, action, label, key_display=key.upper()) for key, action, label in rows]


def hidden_f9(paused: bool) -> str:
    """The F9 action not shown now: «Продолжить» while working, «Перерыв» while on a break."""
    return "pause" if paused else "resume"


class KeyRules(Screen):
    # Actions that change something: greyed out in the footer while another one is in flight.
    CHANGING_ACTIONS: frozenset[str] = frozenset()
    busy: bool

    def key_rules(self) -> Mapping[str, str | None]:
        """Why each key makes no sense now (None: it does); a key not named here always does."""
        return {}

    def hidden_keys(self) -> frozenset[str]:
        """Actions whose keys are not shown now; pressing one still says why, if a rule says so."""
        return frozenset()

    def disabled_reason(self, action: str) -> str | None:
        """Why ``action`` makes no sense now (None: it does)."""
        return self.key_rules().get(action)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.hidden_keys():
            return False
        if action in self.CHANGING_ACTIONS and self.busy:
            return None
        return None if self.disabled_reason(action) else True

    def on_key(self, event: events.Key) -> None:
        """A key whose action makes no sense now is not silently ignored: say why."""
        bindings = self._bindings.key_to_bindings.get(event.key, ())
        if not bindings or any(self.check_action(b.action, ()) for b in bindings):
            return
        event.stop()
        self.app.bell()
        if self.busy:
            self.notify(BUSY)
            return
        rules = self.key_rules()
        reason = next((r for r in (rules.get(b.action) for b in bindings) if r), "Сейчас недоступно")
        self.notify(reason, severity="warning")
