"""A ticket code in large block letters, readable from across the desk.

Textual's ``Digits`` draws only 0-9 and A-F; ticket prefixes are Cyrillic (``А-015``), so this
widget carries its own 5-row glyphs. A character without a glyph falls back to plain bold text.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

_G = {
    "А": (" ### ", "#   #", "#####", "#   #", "#   #"),
    "Б": ("#####", "#    ", "#### ", "#   #", "#### "),
    "В": ("#### ", "#   #", "#### ", "#   #", "#### "),
    "Г": ("#####", "#    ", "#    ", "#    ", "#    "),
    "Д": ("  ## ", " #  #", " #  #", "#####", "#   #"),
    "Е": ("#####", "#    ", "#### ", "#    ", "#####"),
    "Ж": ("# # #", "# # #", " ### ", "# # #", "# # #"),
    "З": ("#### ", "    #", "  ## ", "    #", "#### "),
    "И": ("#   #", "#  ##", "# # #", "##  #", "#   #"),
    "К": ("#   #", "#  # ", "###  ", "#  # ", "#   #"),
    "Л": ("  ###", " #  #", " #  #", " #  #", "#   #"),
    "М": ("#   #", "## ##", "# # #", "#   #", "#   #"),
    "Н": ("#   #", "#   #", "#####", "#   #", "#   #"),
    "О": (" ### ", "#   #", "#   #", "#   #", " ### "),
    "П": ("#####", "#   #", "#   #", "#   #", "#   #"),
    "Р": ("#### ", "#   #", "#### ", "#    ", "#    "),
    "С": (" ####", "#    ", "#    ", "#    ", " ####"),
    "Т": ("#####", "  #  ", "  #  ", "  #  ", "  #  "),
    "У": ("#   #", "#   #", " ####", "    #", " ### "),
    "Ф": (" ### ", "# # #", "# # #", " ### ", "  #  "),
    "Х": ("#   #", " # # ", "  #  ", " # # ", "#   #"),
    "Ц": ("#  # ", "#  # ", "#  # ", "#####", "    #"),
    "Ч": ("#   #", "#   #", " ####", "    #", "    #"),
    "Ш": ("# # #", "# # #", "# # #", "# # #", "#####"),
    "Э": ("#### ", "    #", "  ###", "    #", "#### "),
    "Ю": ("#  # ", "# # #", "### #", "# # #", "#  # "),
    "Я": (" ####", "#   #", " ####", "  # #", " #  #"),
    "0": (" ### ", "#  ##", "# # #", "##  #", " ### "),
    "1": ("  #  ", " ##  ", "  #  ", "  #  ", " ### "),
    "2": (" ### ", "#   #", "  ## ", " #   ", "#####"),
    "3": ("#### ", "    #", " ### ", "    #", "#### "),
    "4": ("   # ", "  ## ", " # # ", "#####", "   # "),
    "5": ("#####", "#    ", "#### ", "    #", "#### "),
    "6": (" ### ", "#    ", "#### ", "#   #", " ### "),
    "7": ("#####", "    #", "   # ", "  #  ", "  #  "),
    "8": (" ### ", "#   #", " ### ", "#   #", " ### "),
    "9": (" ### ", "#   #", " ####", "    #", " ### "),
    "-": ("    ", "    ", "####", "    ", "    "),
    " ": ("  ", "  ", "  ", "  ", "  "),
}
# Latin letters that look like Cyrillic ones share their glyphs.
for _lat, _cyr in zip("ABCEHKMOPTXY", "АВСЕНКМОРТХУ", strict=True):
    _G[_lat] = _G[_cyr]

ROWS = 5


def render_big(code: str) -> list[str] | None:
    """The code as 5 lines of block characters, or None when a character has no glyph."""
    glyphs = [_G.get(ch) for ch in code.upper()]
    if not glyphs or any(g is None for g in glyphs):
        return None
    return [" ".join(g[r] for g in glyphs).replace("#", "█") for r in range(ROWS)]


class BigCode(Static):
    """A ticket code drawn large; ``code=None`` shows a dash."""

    DEFAULT_CSS = """
    BigCode { width: auto; height: auto; min-height: 5; padding: 0 2; text-style: bold; color: $text; }
    """

    def __init__(self, code: str | None = None, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._code: str | None = None
        self.code = code

    @property
    def code(self) -> str | None:
        return self._code

    @code.setter
    def code(self, value: str | None) -> None:
        if value == self._code and self._code is not None:
            return
        self._code = value
        lines = render_big(value or "-")
        if lines is None:  # an unusual prefix: still big enough to read, just not drawn
            self.update(Text(f"\n\n  {value}  \n", style="bold reverse"))
        else:
            self.update(Text("\n".join(lines)))
