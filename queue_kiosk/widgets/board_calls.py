"""The calls on the board: the newest one as large as the screen allows, the previous ones below.

A row is «А-015 → Окно 3» drawn with :class:`BigText`: block letters where the row is tall and wide
enough, plain bold text otherwise (the CSS of the board decides the heights per screen size).
Rows are fixed slots filled in place, so an update never re-mounts widgets (no flicker on a TV).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from queue_core.domain import CallShown
from queue_kiosk.widgets.big_text import BigText, fit_scale


# The arrow between code and window, in BigText's 7-pixel-high grid (the font has no arrow).
_ARROW = ("....#....", ".....#...", "......#..", "#########", "......#..", ".....#...", "....#....")
_HALF = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}


def draw_arrow(scale: int) -> list[str]:
    """The arrow at ``scale`` with half blocks (as tall as a BigText letter); «→» at scale 0."""
    if scale < 1:
        return ["→"]
    px = [tuple(c == "#" for c in row for _ in range(scale)) for row in _ARROW for _ in range(scale)]
    if len(px) % 2:
        px.append((False,) * len(px[0]))
    return ["".join(_HALF[a, b] for a, b in zip(px[i], px[i + 1], strict=True)) for i in range(0, len(px), 2)]


class BigArrow(Widget):
    """«→» drawn at the same scale as the code and window next to it."""

    scale: reactive[int] = reactive(0, layout=True)

    def render(self) -> RenderResult:
        return Text("\n".join(draw_arrow(self.scale)), no_wrap=True, overflow="crop")

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return len(draw_arrow(self.scale)[0])

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(draw_arrow(self.scale))


class CallRow(Horizontal):
    """One call: ticket code, an arrow, the window. Empty (blank) when there is no call for it."""

    def __init__(self, *, max_scale: int = 1, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes)
        self.add_class("-empty")
        self.max_scale = max_scale
        self.call: CallShown | None = None

    def on_resize(self) -> None:
        self.call_after_refresh(self._same_scale)

    def _same_scale(self) -> None:
        """Code and window in the same letter size: the largest both fit (0 = plain text for both)."""
        parts = list(self.query(BigText))
        fixed = self.styles.height is not None and not self.styles.height.is_auto
        scale = min(fit_scale(p.text or " ", p.content_size.width, p.content_size.height if fixed else None,
                              self.max_scale) for p in parts)
        for p in parts:
            p.max_scale = scale
        self.query_one(BigArrow).scale = scale

    def compose(self) -> ComposeResult:
        yield BigText("", max_scale=self.max_scale, classes="call-code")
        yield BigArrow(classes="call-arrow")
        yield BigText("", max_scale=self.max_scale, classes="call-window")

    def show(self, call: CallShown | None) -> None:
        self.call = call
        self.query_one(".call-code", BigText).text = call.code if call else ""
        self.query_one(".call-window", BigText).text = call.window_title if call else ""
        self._same_scale()
        self.set_class(call is None, "-empty")
        if call is None:
            self.set_class(False, "-fresh")
            self.set_class(False, "-blink")

    @property
    def text(self) -> str:
        """The row as a person reads it: «А-015 → Окно 3» (empty for a blank slot)."""
        return f"{self.call.code} → {self.call.window_title}" if self.call else ""


class LatestCall(Vertical):
    """The newest call, in the largest type that fits; «Ожидайте вызова» before the first one."""

    def on_mount(self) -> None:
        self.set_class(self.row.call is None, "-empty")

    def compose(self) -> ComposeResult:
        yield Static("Ожидайте вызова на табло", id="no-calls")
        yield CallRow(max_scale=4, id="latest-row")

    def show(self, call: CallShown | None) -> None:
        self.query_one("#latest-row", CallRow).show(call)
        self.set_class(call is None, "-empty")

    @property
    def row(self) -> CallRow:
        return self.query_one("#latest-row", CallRow)


class CallHistory(Vertical):
    """The previous calls, newest first, in ``slots`` fixed rows."""

    def __init__(self, slots: int) -> None:
        super().__init__(id="call-history")
        self.slots = slots

    def compose(self) -> ComposeResult:
        for i in range(self.slots):
            yield CallRow(classes="history-row", id=f"history-{i}")

    @property
    def rows(self) -> list[CallRow]:
        return list(self.query(".history-row").results(CallRow))

    def show(self, calls: list[CallShown]) -> None:
        for i, row in enumerate(self.rows):
            row.show(calls[i] if i < len(calls) else None)
