"""Text for printers that speak CP866 (the DOS Cyrillic code page).

CP866 has every Russian letter including Ё/ё, and №, °, ·, but no typographic
quotes, dashes, ≈ or ₽; those are replaced by what a receipt printer can print.
"""

from __future__ import annotations

import unicodedata

CODEC = "cp866"

_REPLACEMENTS = {
    "«": '"', "»": '"', "„": '"', "“": '"', "”": '"', "‘": "'", "’": "'", "‚": "'",
    "—": "-", "–": "-", "‒": "-", "−": "-", "‐": "-", "‑": "-",
    "≈": "~", "…": "...", "₽": "руб.", "×": "x", "€": "EUR",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " ",
    "І": "I", "і": "i",  # Ukrainian/Belarusian letter, looks the same in Latin
}
_TABLE = str.maketrans(_REPLACEMENTS)


def normalise(text: str) -> str:
    """Replace the characters CP866 lacks by printable look-alikes; Russian text is kept."""
    text = text.translate(_TABLE)
    out = []
    for ch in text:
        try:
            ch.encode(CODEC)
            out.append(ch)
        except UnicodeEncodeError:
            # é -> e; whatever has no plain form left becomes "?"
            base = unicodedata.normalize("NFKD", ch).encode(CODEC, "ignore").decode(CODEC)
            out.append(base or "?")
    return "".join(out)


def encode(text: str) -> bytes:
    """Normalise and encode one piece of text for the printer."""
    return normalise(text).encode(CODEC)
