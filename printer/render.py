"""TicketPrint -> ESC/POS bytes, built in a fresh python-escpos ``Dummy`` per ticket.

Text mode sends Cyrillic as CP866 bytes after an explicit code-page command
(``ESC t <slot>``); python-escpos' own code-page guessing is bypassed on purpose, so
the bytes do not depend on what an earlier ticket left behind. Raster mode renders
the whole ticket with Pillow (:mod:`printer.raster`) for printers without CP866.
"""

from __future__ import annotations

import contextlib
import io
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from printer import cp866
from printer._escpos import escpos
from printer.layout import PAPER, Block, layout_ticket, preview_text, text_lines
from printer.ticket import TicketPrint
from queue_core.config import PrinterConfig

if TYPE_CHECKING:
    from PIL.Image import Image

ESC, GS, FS = b"\x1b", b"\x1d", b"\x1c"
CANCEL_KANJI = FS + b"."  # Chinese clones default to a double-byte mode that eats CP866 bytes


class RenderError(Exception):
    """The configuration cannot produce a ticket (unknown profile, no font…); ``str()`` is Russian."""


@dataclass(frozen=True)
class PrintJob:
    """What goes to the printer, plus the previews kept next to spooled tickets."""

    data: bytes
    preview: str
    image: "Image | None" = None  # the raster image (raster mode only)


def new_dummy(profile: str):
    """A fresh Dummy printer for one ticket."""
    try:
        return escpos().printer.Dummy(profile=profile)
    except KeyError:
        raise RenderError(f"неизвестный профиль принтера «{profile}» (printer.profile, например TM-T20II)") from None


def geometry(cfg: PrinterConfig) -> tuple[int, int]:
    """Columns of font A and printable dots: the paper's, narrowed by what the profile knows."""
    cols, width = PAPER[cfg.paper_width_mm]
    try:
        data = escpos().capabilities.get_profile_class(cfg.profile).profile_data
    except KeyError:
        return cols, width
    pixels = data.get("media", {}).get("width", {}).get("pixels")
    columns = data.get("fonts", {}).get("0", {}).get("columns")
    return (min(cols, columns) if isinstance(columns, int) else cols,
            min(width, pixels) if isinstance(pixels, int) else width)


def codepage_command(slot: int) -> bytes:
    """``ESC t n``: select the character code table the printer has CP866 in."""
    return ESC + b"t" + bytes([slot])


def qr_image(payload: str, width_dots: int) -> "Image":
    """A QR code centred on a white strip as wide as the paper's printable area.

    Centring is done here rather than by python-escpos (``center=True`` centres on the
    *profile's* width, which overflows a 58 mm roll with an 80 mm profile).
    """
    import qrcode
    from PIL import Image

    code = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(payload)
    code.make(fit=True)
    modules = code.modules_count
    box = 6 if width_dots >= 576 else 5  # 0.75 / 0.6 mm modules scan well off thermal paper
    while box > 2 and (modules + 8) * box > width_dots:
        box -= 1
    code.box_size = box
    img = code.make_image().get_image().convert("1")
    strip = Image.new("1", (width_dots, img.height + 4 * box), 1)  # white quiet zone above/below
    strip.paste(img, ((width_dots - img.width) // 2, 2 * box))
    return strip


_STDOUT_SWAP = threading.Lock()  # redirect_stdout swaps a process-wide global: one thread at a time


def _send_image(p, img: "Image") -> None:
    # escpos prints a notice to stdout for profiles of unknown width; keep it off the TUI
    with _STDOUT_SWAP, contextlib.redirect_stdout(io.StringIO()):
        try:
            p.image(img, impl="bitImageRaster")
        except escpos().exceptions.ImageWidthError as e:
            raise RenderError(f"изображение шире, чем допускает профиль принтера ({e}): проверьте printer.profile "
                              "и printer.paper_width_mm") from None


def render_text_mode(tp: TicketPrint, cfg: PrinterConfig) -> bytes:
    """ESC/POS bytes of one ticket in text mode (CP866)."""
    p = new_dummy(cfg.profile)
    cols, width_dots = geometry(cfg)
    p.hw("INIT")  # ESC @ — also resets any code page a previous job left
    p._raw(CANCEL_KANJI + codepage_command(cfg.codepage_slot))
    previous: Block | None = None
    for block, line in text_lines(layout_ticket(tp, cols), cols):
        if block.kind == "rule":
            p.set(align="center", custom_size=True, width=1, height=1, bold=False)
            p._raw(b"-" * cols + b"\n")
        elif block.kind == "gap":
            p._raw(b"\n")
        elif block.kind == "qr":
            p.set(align="left")
            _send_image(p, qr_image(block.text, width_dots))
        else:
            if block is not previous:  # the size must come first: GS ! then ESC E
                p.set(align=block.align, custom_size=True, width=block.width, height=block.height, bold=block.bold)
            p._raw(cp866.encode(line) + b"\n")
        previous = block
    p.set(align="left", custom_size=True, width=1, height=1, bold=False)
    p.cut()  # feeds 6 lines past the cutter, then GS V
    return p.output


def render_raster_mode(img: "Image", cfg: PrinterConfig) -> bytes:
    """ESC/POS bytes printing a whole-ticket image (``GS v 0``), then the cut."""
    p = new_dummy(cfg.profile)
    p.hw("INIT")
    _send_image(p, img)
    p.cut()
    return p.output


def render_job(tp: TicketPrint, cfg: PrinterConfig) -> PrintJob:
    """Bytes for the configured mode and paper, with the text preview (and image in raster mode)."""
    preview = preview_text(tp, geometry(cfg)[0])
    if cfg.mode == "raster":
        from printer.raster import render_image

        img = render_image(tp, cfg)
        return PrintJob(render_raster_mode(img, cfg), preview, img)
    return PrintJob(render_text_mode(tp, cfg), preview)
