"""The ticket's layout, independent of how it reaches paper.

:func:`layout_ticket` gives the blocks top to bottom; text mode wraps them by
character columns (:func:`text_lines`), raster mode by pixels. :func:`preview_text`
is the same layout as plain lines, written next to spooled tickets.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Literal

from printer.ticket import TicketPrint

# paper width (mm) -> (columns of font A, printable dots at 203 dpi); a printer profile may
# narrow these (an Epson TM-T88 prints 42 columns, 512 dots on 80 mm paper), see render.geometry
PAPER = {80: (48, 576), 58: (32, 384)}
CODE_SCALE = 4  # the ticket number is printed 4x wide and 4x high


@dataclass(frozen=True)
class Block:
    """One element of the ticket. ``width``/``height`` are character multipliers."""

    kind: Literal["text", "code", "rule", "gap", "qr"]
    text: str = ""
    bold: bool = False
    width: int = 1
    height: int = 1
    align: Literal["center", "left"] = "center"


def columns(paper_width_mm: int) -> int:
    return PAPER[paper_width_mm][0]


def dots(paper_width_mm: int) -> int:
    return PAPER[paper_width_mm][1]


def wait_text(minutes: int) -> str:
    return f"Ожидание ≈ {minutes} мин" if minutes >= 1 else "Ожидание менее 1 мин"


def layout_ticket(tp: TicketPrint, cols: int) -> list[Block]:
    """The blocks of one ticket for a line of ``cols`` characters, top to bottom (the cut is not a block)."""
    scale = max(1, min(CODE_SCALE, cols // max(1, len(tp.code))))
    blocks: list[Block] = []
    if tp.company:
        blocks.append(Block("text", tp.company))
    if tp.office_name:
        blocks.append(Block("text", tp.office_name))
    blocks += [
        Block("rule"),
        Block("text", "Талон", bold=True, width=2, height=2),
        Block("code", tp.code, bold=True, width=scale, height=scale),
        Block("text", tp.service_name, bold=True, height=2),
        Block("rule"),
    ]
    if tp.people_ahead is not None:
        blocks.append(Block("text", f"Перед вами: {tp.people_ahead}"))
    if tp.estimated_wait_min is not None:
        blocks.append(Block("text", wait_text(tp.estimated_wait_min)))
    blocks.append(Block("text", f"Выдан {tp.issued_local:%d.%m.%Y} в {tp.issued_local:%H:%M}"))
    if tp.category_note:
        blocks += [Block("gap"), Block("text", tp.category_note, bold=True)]
    if tp.qr_payload:
        blocks += [Block("gap"), Block("qr", tp.qr_payload)]
    if tp.footer:
        blocks.append(Block("text", tp.footer))
    return blocks


def wrap(text: str, width: int) -> list[str]:
    """Word-wrap to ``width`` characters; a word longer than a line is broken."""
    return textwrap.wrap(text, width=max(1, width), break_long_words=True, break_on_hyphens=False) or [""]


def text_lines(blocks: list[Block], cols: int) -> list[tuple[Block, str]]:
    """Each text/code block wrapped to the columns left at its width multiplier."""
    out: list[tuple[Block, str]] = []
    for b in blocks:
        if b.kind in ("text", "code"):
            out += [(b, line) for line in wrap(b.text, cols // b.width)]
        else:
            out.append((b, ""))
    return out


def preview_text(tp: TicketPrint, cols: int) -> str:
    """The ticket as plain text lines of at most ``cols`` characters (big text shown at 1x)."""
    lines: list[str] = []
    for b, line in text_lines(layout_ticket(tp, cols), cols):
        if b.kind == "rule":
            lines.append("-" * cols)
        elif b.kind == "gap":
            lines.append("")
        elif b.kind == "qr":
            lines.append("[QR-код]".center(cols).rstrip())
            lines += wrap(b.text, cols)
        elif b.kind == "code":
            lines.append(" ".join(line).center(cols).rstrip())  # spaced out: it is the big number
        else:
            lines.append(line.center(cols).rstrip() if b.align == "center" else line)
    lines.append("=" * cols)  # the cut
    return "\n".join(lines) + "\n"
