"""The whole ticket as a 1-bit Pillow image, for printers without CP866 and for PNG previews."""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from printer.layout import Block, layout_ticket
from printer.render import RenderError, geometry, qr_image
from printer.ticket import TicketPrint
from queue_core.config import PrinterConfig

# Fonts with Cyrillic, tried in order when printer.font_path is not set.
KNOWN_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",  # Debian, Ubuntu (fonts-dejavu-core)
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",  # Fedora
    "/usr/share/fonts/TTF/DejaVuSans.ttf",  # Arch
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "C:/Windows/Fonts/arial.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "/Library/Fonts/Arial Unicode.ttf",
)
NO_FONT = (
    "не найден шрифт с кириллицей для растровой печати: укажите printer.font_path "
    "(например, DejaVuSans.ttf) или установите пакет fonts-dejavu-core"
)
BASE_PX = 24  # font A is 12x24 dots; one text line of the raster ticket is as tall
MARGIN = 8


def find_font(font_path: Path | None = None) -> Path:
    """The regular TTF to draw with: the configured one, else DejaVu Sans or a known Cyrillic font.

    Raises :class:`RenderError` with a Russian message when none is found.
    """
    if font_path is not None:
        if Path(font_path).is_file():
            return Path(font_path)
        raise RenderError(f"шрифт {font_path} не найден (printer.font_path)")
    candidates = [Path(p) for p in KNOWN_FONTS]
    if shutil.which("fc-match"):
        try:
            out = subprocess.run(["fc-match", "-f", "%{file}", "DejaVu Sans:lang=ru"],
                                 capture_output=True, text=True, timeout=3).stdout.strip()
            if out:
                candidates.insert(0, Path(out))
        except (OSError, subprocess.SubprocessError):
            pass
    for path in candidates:
        if path.is_file() and path.suffix.lower() in (".ttf", ".otf"):
            return path
    raise RenderError(NO_FONT)


def _bold_sibling(regular: Path) -> Path:
    for name in (regular.stem + "-Bold", regular.stem.replace("-Regular", "-Bold"), regular.stem + "bd"):
        candidate = regular.with_name(name + regular.suffix)
        if candidate.is_file():
            return candidate
    return regular


@lru_cache(maxsize=64)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def _wrap_px(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and font.getlength(lines[-1] + " " + word) <= width:
            lines[-1] += " " + word
            continue
        while font.getlength(word) > width and len(word) > 1:  # break a word longer than the line
            cut = len(word)
            while cut > 1 and font.getlength(word[:cut]) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        lines.append(word)
    return lines or [""]


def _block_font(block: Block, regular: Path, bold: Path, width: int) -> ImageFont.FreeTypeFont:
    path = str(bold if block.bold else regular)
    if block.kind == "code":
        size = BASE_PX * 5
        while size > BASE_PX and _font(path, size).getlength(block.text) > width:
            size -= 4
        return _font(path, size)
    size = {1: BASE_PX, 2: BASE_PX * 4 // 3}[block.height] if block.width == 1 else BASE_PX * 5 // 3
    return _font(path, size)


def render_image(tp: TicketPrint, cfg: PrinterConfig) -> Image.Image:
    """The ticket drawn as wide as the printable area (576 dots at 80 mm, 384 at 58 mm, less
    when the profile says so), black on white, mode ``"1"``."""
    regular = find_font(cfg.font_path)
    bold = _bold_sibling(regular)
    cols, width = geometry(cfg)
    inner = width - 2 * MARGIN
    pieces: list[tuple[str, object, int]] = []  # (kind, payload, height)
    for block in layout_ticket(tp, cols):
        if block.kind == "rule":
            pieces.append(("rule", None, BASE_PX))
        elif block.kind == "gap":
            pieces.append(("gap", None, BASE_PX // 2))
        elif block.kind == "qr":
            img = qr_image(block.text, width)
            pieces.append(("image", img, img.height))
        else:
            font = _block_font(block, regular, bold, inner)
            ascent, descent = font.getmetrics()
            for line in _wrap_px(block.text, font, inner):
                pieces.append(("text", (line, font), ascent + descent + 4))
    height = sum(h for _, _, h in pieces) + 2 * MARGIN
    canvas = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(canvas)
    y = MARGIN
    for kind, payload, h in pieces:
        if kind == "rule":
            draw.line((MARGIN, y + h // 2, width - MARGIN, y + h // 2), fill=0, width=2)
        elif kind == "image":
            canvas.paste(payload.convert("L"), (0, y))
        elif kind == "text":
            line, font = payload
            x = (width - font.getlength(line)) / 2
            draw.text((x, y), line, font=font, fill=0)
        y += h
    # a hard threshold instead of dithering keeps the edges of letters clean on thermal paper
    return canvas.point(lambda v: 255 if v > 160 else 0).convert("1")


def preview_png(tp: TicketPrint, cfg: PrinterConfig, path: Path) -> Path:
    """Write the raster image of the ticket to ``path`` (PNG) and return the path."""
    render_image(tp, cfg).save(path, format="PNG")
    return path
