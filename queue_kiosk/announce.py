"""What the hall hears when a ticket is called: the Russian sentence and an offline voice.

The sentence reads as an announcer would say it: «Талон А пятнадцать, окно три.» The prefix
letter is spoken by its name where the bare letter would be misread («Бэ», «Гэ»), the number
in words without leading zeros, and the window number as a label after «окно» — nominative,
counting form («окно один», «окно двадцать один», never «одно»). A window with its own name
(«Информатор») is named instead. The category of a ticket is never part of the sentence.

The voice is espeak-ng (``-v ru``) from the system's packages, run one sentence at a time in a
background thread so two calls never overlap. A missing engine disables the voice with one log
line; nothing is ever sent to an online service. In test mode (``wav_dir``) each sentence is
written to a numbered WAV file instead of the speakers.

Try it: ``python -m queue_kiosk.announce А-015 3`` (add ``--wav out.wav`` to write a file).
"""

from __future__ import annotations

import logging
import queue
import re
import shlex
import shutil
import subprocess
import threading
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger(__name__)

_UNITS = ("ноль", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять")
_TEENS = ("десять", "одиннадцать", "двенадцать", "тринадцать", "четырнадцать", "пятнадцать",
          "шестнадцать", "семнадцать", "восемнадцать", "девятнадцать")
_TENS = ("", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят", "семьдесят",
         "восемьдесят", "девяносто")
_HUNDREDS = ("", "сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот", "семьсот",
             "восемьсот", "девятьсот")

# Letters whose bare form a speech engine (or a listener) would misread are spelt by name.
LETTER_NAMES = {
    "Б": "Бэ", "В": "Вэ", "Г": "Гэ", "Д": "Дэ", "Ж": "Жэ", "З": "Зэ", "Й": "И краткое", "К": "Ка",
    "Л": "Эль", "М": "Эм", "Н": "Эн", "П": "Пэ", "Р": "Эр", "С": "Эс", "Т": "Тэ", "Ф": "Эф",
    "Х": "Ха", "Ц": "Цэ", "Ч": "Че", "Ш": "Ша", "Щ": "Ща", "Ъ": "Твёрдый знак", "Ь": "Мягкий знак",
    # Latin prefixes, read the way Russian speakers name them
    "A": "А", "B": "Бэ", "C": "Цэ", "D": "Дэ", "E": "Е", "F": "Эф", "G": "Гэ", "H": "Аш", "I": "И",
    "J": "Жи", "K": "Ка", "L": "Эль", "M": "Эм", "N": "Эн", "O": "О", "P": "Пэ", "Q": "Ку", "R": "Эр",
    "S": "Эс", "T": "Тэ", "U": "У", "V": "Вэ", "W": "Дубль-вэ", "X": "Икс", "Y": "Игрек", "Z": "Зэт",
}

_CODE_RE = re.compile(r"^\s*([^\W\d_]+)\W*0*(\d+)\s*$")
_DEFAULT_WINDOW_TITLE = re.compile(r"^\s*окно\s*№?\s*\d+\s*$", re.IGNORECASE)


def _below_thousand(n: int) -> list[str]:
    words: list[str] = []
    h, rest = divmod(n, 100)
    if h:
        words.append(_HUNDREDS[h])
    if 10 <= rest < 20:
        words.append(_TEENS[rest - 10])
    else:
        t, u = divmod(rest, 10)
        if t:
            words.append(_TENS[t])
        if u:
            words.append(_UNITS[u])
    return words


def number_words(n: int) -> str:
    """A whole number 0…999 999 in Russian words, counting form: 215 → «двести пятнадцать»."""
    if not 0 <= n < 1_000_000:
        raise ValueError(f"number out of range: {n}")
    if n == 0:
        return _UNITS[0]
    thousands, rest = divmod(n, 1000)
    words: list[str] = []
    if thousands:
        t_words = _below_thousand(thousands)
        last = thousands % 100
        if not 10 <= last < 20 and thousands % 10 in (1, 2):  # тысяча is feminine: одна, две
            t_words[-1] = "одна" if thousands % 10 == 1 else "две"
        unit = thousands % 10
        form = "тысяч" if 10 <= last < 20 or unit == 0 or unit >= 5 else "тысяча" if unit == 1 else "тысячи"
        words += ([form] if thousands == 1 else t_words + [form])  # 1000: «тысяча», not «одна тысяча»
    words += _below_thousand(rest)
    return " ".join(words)


def letters_spoken(prefix: str) -> str:
    """A ticket prefix as said aloud: «А» → «А», «Б» → «Бэ», «АБ» → «А Бэ»."""
    return " ".join(LETTER_NAMES.get(ch.upper(), ch.upper()) for ch in prefix)


def code_spoken(code: str) -> str:
    """A ticket code as said aloud: «А-015» → «А пятнадцать», «Г-215» → «Гэ двести пятнадцать»."""
    m = _CODE_RE.match(code)
    if not m:  # an unusual number format: read digits as a number where we can, leave the rest
        return re.sub(r"\d+", lambda d: number_words(int(d.group())), code)
    return f"{letters_spoken(m.group(1))} {number_words(int(m.group(2)))}"


def announcement_text(code: str, window: int, window_title: str | None = None) -> str:
    """The sentence for one call: «Талон А пятнадцать, окно три.»

    A window with its own name («Информатор») is named instead of numbered.
    """
    if window_title and not _DEFAULT_WINDOW_TITLE.match(window_title):
        place = window_title.strip()
        place = place[:1].lower() + place[1:] if not place[:2].isupper() else place
    else:
        place = f"окно {number_words(window)}"
    return f"Талон {code_spoken(code)}, {place}."


class Announcer:
    """Speaks sentences one after another on a background thread (espeak-ng, offline).

    ``say`` never blocks and never raises. With ``wav_dir`` every sentence is written to
    ``0001.wav``, ``0002.wav``… there (test mode) instead of being played.
    """

    def __init__(self, command: str = "espeak-ng", *, voice: str = "ru", wav_dir: Path | None = None,
                 timeout_s: float = 30.0) -> None:
        self.argv = shlex.split(command) or ["espeak-ng"]
        if "-v" not in self.argv and not any(a.startswith("--voice") for a in self.argv):
            self.argv += ["-v", voice]
        self.wav_dir = Path(wav_dir) if wav_dir else None
        self.timeout_s = timeout_s
        self.spoken: list[Path | str] = []  # what was said (or the WAV files written), in order
        self._queue: queue.Queue[str | threading.Event | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._count = 0
        self.enabled = shutil.which(self.argv[0]) is not None
        if not self.enabled:
            log.warning("voice announcements disabled: %s not found (apt-get install espeak-ng)", self.argv[0])
        elif self.wav_dir:
            self.wav_dir.mkdir(parents=True, exist_ok=True)

    def say(self, text: str) -> None:
        """Queue ``text``; it is spoken after everything queued before it."""
        if not self.enabled:
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="talon-voice", daemon=True)
            self._thread.start()
        self._queue.put(text)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until everything queued so far was spoken (tests, shutdown). True when done."""
        if self._thread is None:
            return True
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout)

    def close(self) -> None:
        """Stop the thread after the sentences already queued."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread = None

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if isinstance(item, threading.Event):
                item.set()
            else:
                self._speak(item)

    def _speak(self, text: str) -> None:
        argv = list(self.argv)
        target: Path | str = text
        if self.wav_dir:
            self._count += 1
            target = self.wav_dir / f"{self._count:04d}.wav"
            argv += ["-w", str(target)]
        try:
            subprocess.run([*argv, text], check=True, timeout=self.timeout_s,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except (OSError, subprocess.SubprocessError) as e:
            err = (getattr(e, "stderr", None) or b"").decode(errors="replace").strip()
            log.warning("voice announcement failed (%s): %s", text, err or e)
            return
        self.spoken.append(target)


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(description="Произнести объявление табло (espeak-ng, без интернета).")
    p.add_argument("code", help="код талона, например А-015")
    p.add_argument("window", type=int, help="номер окна")
    p.add_argument("--title", default=None, help="название окна, если не «Окно N»")
    p.add_argument("--wav", type=Path, default=None, help="записать в WAV-файл вместо динамиков")
    p.add_argument("--command", default="espeak-ng", help="команда синтезатора (по умолчанию espeak-ng)")
    args = p.parse_args(argv)
    text = announcement_text(args.code, args.window, args.title)
    print(text)
    announcer = Announcer(args.command)
    if not announcer.enabled:
        print(f"{announcer.argv[0]} не найден: установите espeak-ng", flush=True)
        return 1
    argv_ = [*announcer.argv, *(["-w", str(args.wav)] if args.wav else []), text]
    return subprocess.run(argv_, check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main())
