"""A small ESC/POS decoder for the commands Talon emits, turning bytes back into lines.

Anything else (an unknown command, a control byte, a high byte before a code page
was chosen) is an error, so the tests notice when the renderer starts sending
something new.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image

CODEPAGES = {17: "cp866", 59: "cp866"}


class DecodeError(AssertionError):
    pass


@dataclass
class State:
    align: str = "left"
    bold: bool = False
    width: int = 1
    height: int = 1
    codepage: int | None = None  # None: nothing chosen since ESC @


@dataclass
class Element:
    kind: str  # text | image | cut | feed
    text: str = ""
    align: str = "left"
    bold: bool = False
    width: int = 1
    height: int = 1
    codepage: int | None = None
    image: Image.Image | None = None
    feed: int = 0


@dataclass
class Decoded:
    elements: list[Element] = field(default_factory=list)
    commands: list[bytes] = field(default_factory=list)  # the command prefixes seen, in order

    @property
    def lines(self) -> list[Element]:
        return [e for e in self.elements if e.kind == "text"]

    @property
    def texts(self) -> list[str]:
        return [e.text for e in self.lines]

    @property
    def images(self) -> list[Image.Image]:
        return [e.image for e in self.elements if e.kind == "image"]

    def index(self, needle: str) -> int:
        """Position among all elements of the first text line containing ``needle``."""
        for i, e in enumerate(self.elements):
            if e.kind == "text" and needle in e.text:
                return i
        raise AssertionError(f"{needle!r} not found in {self.texts}")


def decode(data: bytes) -> Decoded:
    out = Decoded()
    st = State()
    line = bytearray()
    i = 0

    def need(n: int) -> bytes:
        if i + n > len(data):
            raise DecodeError(f"truncated command at {i}")
        return data[i:i + n]

    def flush() -> None:
        if line and st.codepage is None and any(b >= 0x80 for b in line):
            raise DecodeError(f"high bytes {bytes(line)!r} before any code page command")
        enc = CODEPAGES.get(st.codepage, "ascii") if st.codepage is not None else "ascii"
        try:
            text = bytes(line).decode(enc)
        except UnicodeDecodeError as e:
            raise DecodeError(f"cannot decode {bytes(line)!r} with code page {st.codepage}") from e
        out.elements.append(Element("text", text, st.align, st.bold, st.width, st.height, st.codepage))
        line.clear()

    while i < len(data):
        b = data[i]
        if b == 0x0A:
            flush()
            i += 1
        elif b == 0x1B:  # ESC
            cmd = need(2)
            out.commands.append(cmd)
            op = cmd[1:2]
            if op == b"@":
                st = State()
                i += 2
            elif op == b"t":
                st.codepage = need(3)[2]
                i += 3
            elif op == b"a":
                st.align = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}[need(3)[2]]
                i += 3
            elif op == b"E":
                st.bold = bool(need(3)[2] & 1)
                i += 3
            elif op == b"!":
                n = need(3)[2]
                st.bold, st.height, st.width = bool(n & 0x08), 2 if n & 0x10 else 1, 2 if n & 0x20 else 1
                i += 3
            elif op == b"d":
                out.elements.append(Element("feed", feed=need(3)[2]))
                i += 3
            else:
                raise DecodeError(f"unknown ESC command {cmd!r} at {i}")
        elif b == 0x1D:  # GS
            cmd = need(2)
            out.commands.append(cmd)
            op = cmd[1:2]
            if op == b"!":
                n = need(3)[2]
                st.width, st.height = (n >> 4) + 1, (n & 0x0F) + 1
                i += 3
            elif op == b"v":
                head = need(8)
                if head[2:3] != b"0":
                    raise DecodeError("GS v without 0")
                xbytes, rows = head[4] + 256 * head[5], head[6] + 256 * head[7]
                i += 8
                raw = need(xbytes * rows)
                img = Image.frombytes("1", (xbytes * 8, rows), raw)  # 1 bits = black dots
                out.elements.append(Element("image", image=img))
                i += xbytes * rows
            elif op == b"V":
                m = need(3)[2]
                i += 4 if m in (65, 66) else 3
                out.elements.append(Element("cut"))
            else:
                raise DecodeError(f"unknown GS command {cmd!r} at {i}")
        elif b == 0x1C:  # FS
            cmd = need(2)
            out.commands.append(cmd)
            if cmd[1:2] != b".":
                raise DecodeError(f"unknown FS command {cmd!r} at {i}")
            i += 2
        elif b < 0x20:
            raise DecodeError(f"unexpected control byte {b:#04x} at {i}")
        else:
            line.append(b)
            i += 1
    if line:
        flush()
    return out


def black_dots(img: Image.Image) -> int:
    """Dots the printer would burn (1 bits in a decoded raster image)."""
    return img.histogram()[255]
