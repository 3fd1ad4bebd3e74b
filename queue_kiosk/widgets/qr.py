"""A QR code drawn with half blocks, dark modules on a white field, so a phone can scan it."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import RenderResult
from textual.geometry import Size
from textual.widget import Widget

_DARK_ON_LIGHT = Style(color="#000000", bgcolor="#ffffff")
_HALF = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}


def qr_lines(payload: str, border: int = 2) -> list[str]:
    """The QR code of ``payload`` as text lines (two module rows per line), quiet zone included."""
    import qrcode  # lazy: only the printer-fault screen needs it

    qr = qrcode.QRCode(border=border, error_correction=qrcode.constants.ERROR_CORRECT_L)
    qr.add_data(payload)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    if len(matrix) % 2:
        matrix.append([False] * len(matrix[0]))
    return ["".join(_HALF[a, b] for a, b in zip(matrix[i], matrix[i + 1], strict=True))
            for i in range(0, len(matrix), 2)]


class QrCode(Widget):
    """Shows ``payload`` as a QR code sized to its modules (width and height are automatic)."""

    DEFAULT_CSS = """
    QrCode { width: auto; height: auto; }
    """

    def __init__(self, payload: str, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.lines = qr_lines(payload)

    def render(self) -> RenderResult:
        return Text("\n".join(self.lines), style=_DARK_ON_LIGHT, no_wrap=True)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return len(self.lines[0]) if self.lines else 0

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines)
