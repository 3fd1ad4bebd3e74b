"""Large block letters for a screen read from across the hall: ticket codes, «Окно 3».

Textual's ``Digits`` draws only 0-9 and A-F; ticket codes start with Cyrillic letters
(«А-015»), so this module carries its own 5x7 pixel font: Cyrillic and Latin capitals,
digits and a little punctuation. Lower case is drawn as upper case; a character the
font lacks is drawn as «?».

Each font pixel is drawn with half-block characters (``▀ ▄ █``), so a pixel is one
column by half a row — roughly square on a terminal. The text is scaled by the largest
whole factor that fits the widget's content area; if even scale 1 does not fit, the
plain text is shown instead, so nothing is ever cut off.

Use::

    from queue_kiosk.widgets.big_text import BigText, render_big

    yield BigText("А-015", id="code")          # fills its box; colour from CSS ``color``
    self.query_one("#code", BigText).text = "Б-002"
    lines = render_big("Окно 3", width=60, height=8)   # plain strings, for tests or Rich

Size it with CSS (``width: 1fr; height: 12;``) and centre it with
``content-align: center middle``. ``max_scale`` caps the growth (default 8).
"""

from __future__ import annotations

from functools import lru_cache

from rich.text import Text
from textual.app import RenderResult
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

GLYPH_HEIGHT = 7
GAP = 1  # empty pixel columns between letters
LINE_GAP = 2  # empty pixel rows between lines of a multi-line text

# fmt: off
_FONT_SRC: dict[str, tuple[str, ...]] = {
    # Cyrillic capitals
    "А": (".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"),
    "Б": ("#####", "#....", "#....", "####.", "#...#", "#...#", "####."),
    "В": ("####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."),
    "Г": ("#####", "#....", "#....", "#....", "#....", "#....", "#...."),
    "Д": ("..##.", ".#.#.", ".#.#.", ".#.#.", ".#.#.", "#####", "#...#"),
    "Е": ("#####", "#....", "#....", "####.", "#....", "#....", "#####"),
    "Ё": (".#.#.", "#####", "#....", "####.", "#....", "#....", "#####"),
    "Ж": ("#.#.#", "#.#.#", ".###.", "..#..", ".###.", "#.#.#", "#.#.#"),
    "З": (".###.", "#...#", "....#", "..##.", "....#", "#...#", ".###."),
    "И": ("#...#", "#...#", "#..##", "#.#.#", "##..#", "#...#", "#...#"),
    "Й": (".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", "#...#"),
    "К": ("#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#"),
    "Л": ("..###", ".#..#", ".#..#", ".#..#", ".#..#", ".#..#", "#...#"),
    "М": ("#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#"),
    "Н": ("#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"),
    "О": (".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."),
    "П": ("#####", "#...#", "#...#", "#...#", "#...#", "#...#", "#...#"),
    "Р": ("####.", "#...#", "#...#", "####.", "#....", "#....", "#...."),
    "С": (".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."),
    "Т": ("#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."),
    "У": ("#...#", "#...#", "#...#", ".####", "....#", "#...#", ".###."),
    "Ф": ("..#..", ".###.", "#.#.#", "#.#.#", "#.#.#", ".###.", "..#.."),
    "Х": ("#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"),
    "Ц": ("#..#.", "#..#.", "#..#.", "#..#.", "#..#.", "#####", "....#"),
    "Ч": ("#...#", "#...#", "#...#", ".####", "....#", "....#", "....#"),
    "Ш": ("#.#.#", "#.#.#", "#.#.#", "#.#.#", "#.#.#", "#.#.#", "#####"),
    "Щ": ("#.#.#", "#.#.#", "#.#.#", "#.#.#", "#.#.#", "#####", "....#"),
    "Ъ": ("##...", ".#...", ".#...", ".###.", ".#..#", ".#..#", ".###."),
    "Ы": ("#...#", "#...#", "#...#", "###.#", "#.#.#", "#.#.#", "###.#"),
    "Ь": ("#....", "#....", "#....", "####.", "#...#", "#...#", "####."),
    "Э": (".###.", "#...#", "....#", ".####", "....#", "#...#", ".###."),
    "Ю": ("#..#.", "#.#.#", "#.#.#", "###.#", "#.#.#", "#.#.#", "#..#."),
    "Я": (".####", "#...#", "#...#", ".####", "..#.#", ".#..#", "#...#"),
    # Latin capitals that differ from a Cyrillic twin
    "D": ("####.", "#...#", "#...#", "#...#", "#...#", "#...#", "####."),
    "F": ("#####", "#....", "#....", "####.", "#....", "#....", "#...."),
    "G": (".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".###."),
    "I": (".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."),
    "J": ("..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##.."),
    "L": ("#....", "#....", "#....", "#....", "#....", "#....", "#####"),
    "N": ("#...#", "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#"),
    "Q": (".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#"),
    "R": ("####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"),
    "S": (".####", "#....", "#....", ".###.", "....#", "....#", "####."),
    "U": ("#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."),
    "V": ("#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."),
    "W": ("#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#."),
    "Y": ("#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#.."),
    "Z": ("#####", "....#", "...#.", "..#..", ".#...", "#....", "#####"),
    # digits
    "0": (".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."),
    "1": ("..#..", ".##..", "#.#..", "..#..", "..#..", "..#..", "#####"),
    "2": (".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"),
    "3": ("#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."),
    "4": ("...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."),
    "5": ("#####", "#....", "####.", "....#", "....#", "#...#", ".###."),
    "6": ("..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."),
    "7": ("#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."),
    "8": (".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."),
    "9": (".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."),
    # punctuation (narrower glyphs are fine: width is per glyph)
    "-": ("...", "...", "...", "###", "...", "...", "..."),
    " ": ("...", "...", "...", "...", "...", "...", "..."),
    ".": (".", ".", ".", ".", ".", ".", "#"),
    ",": ("..", "..", "..", "..", "..", ".#", "#."),
    ":": (".", ".", "#", ".", "#", ".", "."),
    "/": ("....#", "....#", "...#.", "..#..", ".#...", "#....", "#...."),
    "№": ("#..#.", "##.#.", "#.##.", "#..#.", "#..#.", "....#", "...##"),
    "?": (".###.", "#...#", "....#", "...#.", "..#..", ".....", "..#.."),
    "!": ("#", "#", "#", "#", "#", ".", "#"),
}
# fmt: on

# Latin letters drawn exactly like their Cyrillic twins.
for _latin, _cyr in zip("ABCEHKMOPTX", "АВСЕНКМОРТХ", strict=True):
    _FONT_SRC[_latin] = _FONT_SRC[_cyr]

FONT: dict[str, tuple[tuple[bool, ...], ...]] = {
    ch: tuple(tuple(c == "#" for c in row) for row in rows) for ch, rows in _FONT_SRC.items()
}
SUPPORTED = frozenset(FONT)


def _glyph(ch: str) -> tuple[tuple[bool, ...], ...]:
    return FONT.get(ch.upper(), FONT["?"])


@lru_cache(maxsize=256)
def pixels(text: str) -> tuple[tuple[bool, ...], ...]:
    """The text as a pixel grid (rows of booleans), scale 1; lines separated by ``\\n``."""
    blocks: list[list[list[bool]]] = []
    for line in text.split("\n"):
        rows: list[list[bool]] = [[] for _ in range(GLYPH_HEIGHT)]
        for i, ch in enumerate(line):
            glyph = _glyph(ch)
            for r in range(GLYPH_HEIGHT):
                if i:
                    rows[r].extend([False] * GAP)
                rows[r].extend(glyph[r])
        blocks.append(rows)
    width = max((len(b[0]) for b in blocks), default=0)
    grid: list[tuple[bool, ...]] = []
    for n, block in enumerate(blocks):
        if n:
            grid.extend([(False,) * width] * LINE_GAP)
        for row in block:
            pad = width - len(row)
            grid.append(tuple([False] * (pad // 2) + row + [False] * (pad - pad // 2)))
    return tuple(grid)


def big_size(text: str, scale: int) -> Size:
    """Cells needed to draw ``text`` at ``scale`` (width, height)."""
    grid = pixels(text)
    if not grid:
        return Size(0, 0)
    return Size(len(grid[0]) * scale, -(-len(grid) * scale // 2))


def fit_scale(text: str, width: int, height: int | None, max_scale: int = 8) -> int:
    """The largest scale (1..max_scale) at which ``text`` fits; 0 when even scale 1 does not."""
    for scale in range(max_scale, 0, -1):
        size = big_size(text, scale)
        if size.width <= width and (height is None or size.height <= height):
            return scale
    return 0


_HALF = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}


def draw(text: str, scale: int) -> list[str]:
    """Draw ``text`` with half blocks at ``scale``; every line has the same width."""
    grid = pixels(text)
    if not grid or scale < 1:
        return []
    tall = [tuple(p for p in row for _ in range(scale)) for row in grid for _ in range(scale)]
    if len(tall) % 2:
        tall.append((False,) * len(tall[0]))
    return ["".join(_HALF[top, bottom] for top, bottom in zip(tall[i], tall[i + 1], strict=True))
            for i in range(0, len(tall), 2)]


def render_big(text: str, width: int, height: int | None = None, max_scale: int = 8) -> list[str]:
    """``text`` as the largest block letters that fit ``width`` x ``height`` cells.

    Falls back to the plain text (one line per ``\\n``) when block letters do not fit.
    """
    scale = fit_scale(text, width, height, max_scale)
    return draw(text, scale) if scale else text.split("\n")


class BigText(Widget):
    """A string drawn in large block letters that grow to fill the widget (Cyrillic included).

    The colour comes from CSS ``color``; position the letters with ``content-align``.
    With ``height: auto`` the scale is chosen from the width alone (up to ``max_scale``).
    """

    DEFAULT_CSS = """
    BigText {
        width: 1fr;
        height: auto;
        content-align: center middle;
        text-style: bold;
    }
    """

    text: reactive[str] = reactive("", layout=True)
    max_scale: reactive[int] = reactive(8, layout=True)

    def __init__(self, text: str = "", *, max_scale: int = 8, name: str | None = None,
                 id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(name=name, id=id, classes=classes)
        self.set_reactive(BigText.text, text)
        self.set_reactive(BigText.max_scale, max_scale)

    def render(self) -> RenderResult:
        size = self.content_size
        lines = render_big(self.text, size.width, size.height, self.max_scale)
        return Text("\n".join(lines), no_wrap=True, overflow="crop")

    def get_content_width(self, container: Size, viewport: Size) -> int:
        # ``width: auto``: as large as max_scale allows within the screen; the parent may crop.
        scale = fit_scale(self.text, max(container.width, viewport.width), None, self.max_scale)
        return big_size(self.text, scale).width if scale else max(map(len, self.text.split("\n")), default=0)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        scale = fit_scale(self.text, width, None, self.max_scale)
        return big_size(self.text, scale).height if scale else self.text.count("\n") + 1
