"""The footer with the function keys, wrapped into a grid so that twelve keys fit at 100 columns.

Disabled keys stay visible, greyed out (Textual's ``check_action`` returning None)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer


class KeyHints(Footer):
    DEFAULT_CSS = """
    KeyHints { height: 2; layout: grid; grid-gutter: 0 0; grid-rows: 1; }
    KeyHints FooterKey { width: 100%; }
    """

    def __init__(self, columns: int = 6) -> None:
        super().__init__(compact=True, show_command_palette=False)
        self.columns = columns

    def compose(self) -> ComposeResult:
        yield from super().compose()
        self.styles.grid_size_columns = self.columns  # Footer sets one column per key
