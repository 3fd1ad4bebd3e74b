"""The footer with the function keys, wrapped into a grid so that twelve keys fit at 100 columns.

Disabled keys stay visible, greyed out (Textual's ``check_action`` returning None).

Textual's ``Footer`` rebuilds every key widget on each ``refresh_bindings`` and binds each one to
the footer with ``data_bind``, whose watchers keep the old widgets alive (Textualize/textual#6666):
an operator's call–finish cycle leaked ~100 widgets and made full garbage collections ever slower.
Here the keys are updated in place when only their enabled state changes, rebuilt only when the set
of keys changes (F9 «Перерыв» ↔ «Продолжить»), and never data-bound.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class KeyHints(Footer):
    DEFAULT_CSS = """
    KeyHints { height: 2; layout: grid; grid-gutter: 0 0; grid-rows: 1; }
    KeyHints FooterKey { width: 100%; }
    """

    def __init__(self, columns: int = 6) -> None:
        super().__init__(compact=True, show_command_palette=False)
        self.columns = columns
        self._layout: tuple | None = None  # (key, action, description) of the keys on screen

    def _keys(self) -> list[tuple[Binding, bool, str]]:
        """The screen's shown bindings, one per action: (binding, enabled, tooltip)."""
        seen: dict[str, tuple[Binding, bool, str]] = {}
        for _node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if binding.show and binding.action not in seen:
                seen[binding.action] = (binding, enabled, tooltip)
        return list(seen.values())

    @staticmethod
    def _layout_of(keys: list[tuple[Binding, bool, str]]) -> tuple:
        return tuple((b.key, b.action, b.description) for b, _enabled, _tip in keys)

    def compose(self) -> ComposeResult:
        self.styles.grid_size_columns = self.columns
        if not self._bindings_ready:
            return
        keys = self._keys()
        self._layout = self._layout_of(keys)
        for binding, enabled, tooltip in keys:
            yield FooterKey(binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                            disabled=not enabled, tooltip=tooltip)

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        keys = self._keys()
        if self._layout_of(keys) != self._layout:
            self.call_after_refresh(self.recompose)
            return
        for widget, (_binding, enabled, tooltip) in zip(self.query(FooterKey), keys, strict=False):
            if widget._disabled == enabled:  # noqa: SLF001 - FooterKey keeps it for its mouse handler
                widget._disabled = not enabled  # noqa: SLF001
                widget.set_class(not enabled, "-disabled")
                widget.tooltip = tooltip or None
