"""What the hall hears: the Russian sentence for a call, and the offline voice queue."""

from __future__ import annotations

import logging
import shutil
import wave
from pathlib import Path

import pytest

from queue_kiosk.announce import Announcer, announcement_text, code_spoken, number_words


@pytest.mark.parametrize(("code", "window", "expected"), [
    ("А-001", 12, "Талон А один, окно двенадцать."),
    ("Б-010", 12, "Талон Бэ десять, окно двенадцать."),
    ("В-100", 12, "Талон Вэ сто, окно двенадцать."),
    ("Г-215", 12, "Талон Гэ двести пятнадцать, окно двенадцать."),
    ("А-015", 3, "Талон А пятнадцать, окно три."),
])
def test_announcement_reads_the_code_and_window_in_words(code: str, window: int, expected: str) -> None:
    assert announcement_text(code, window, f"Окно {window}") == expected


@pytest.mark.parametrize(("window", "spoken"), [
    (1, "окно один"), (2, "окно два"), (21, "окно двадцать один"), (22, "окно двадцать два"),
    (40, "окно сорок"), (111, "окно сто одиннадцать"),
])
def test_window_number_is_a_label_in_the_nominative_not_agreed_with_okno(window: int, spoken: str) -> None:
    # «окно один», never «окно одно» / «окну один»: the number names the window.
    assert announcement_text("Д-007", window).endswith(f", {spoken}.")


def test_a_window_with_its_own_name_is_named_instead_of_numbered() -> None:
    assert announcement_text("А-004", 0, "Информатор") == "Талон А четыре, информатор."


@pytest.mark.parametrize(("code", "spoken"), [
    ("Ж-003", "Жэ три"), ("К-019", "Ка девятнадцать"), ("Л-090", "Эль девяносто"),
    ("АБ-002", "А Бэ два"), ("B-070", "Бэ семьдесят"), ("Д1234", "Дэ тысяча двести тридцать четыре"),
])
def test_prefix_letters_are_spoken_by_name(code: str, spoken: str) -> None:
    assert code_spoken(code) == spoken


@pytest.mark.parametrize(("n", "words"), [
    (0, "ноль"), (7, "семь"), (11, "одиннадцать"), (40, "сорок"), (99, "девяносто девять"),
    (305, "триста пять"), (1000, "тысяча"), (2001, "две тысячи один"), (5000, "пять тысяч"),
    (11000, "одиннадцать тысяч"), (21000, "двадцать одна тысяча"), (304052, "триста четыре тысячи пятьдесят два"),
])
def test_number_words(n: int, words: str) -> None:
    assert number_words(n) == words


def test_a_missing_engine_disables_the_voice_with_one_log_line(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="queue_kiosk.announce"):
        voice = Announcer("talon-no-such-speech-engine")
    assert not voice.enabled
    assert [r.message for r in caplog.records if "disabled" in r.message] != []
    voice.say("Талон А один, окно один.")  # silently nothing, no exception, no thread
    assert voice.wait(1) and voice.spoken == []


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (apt-get install espeak-ng)")
def test_espeak_writes_each_announcement_to_its_own_wav_in_order(tmp_path: Path) -> None:
    voice = Announcer("espeak-ng", wav_dir=tmp_path)
    voice.say(announcement_text("А-015", 3))
    voice.say(announcement_text("Г-215", 12))
    assert voice.wait(30)
    voice.close()
    assert voice.spoken == [tmp_path / "0001.wav", tmp_path / "0002.wav"]
    durations = []
    for path in voice.spoken:
        with wave.open(str(path)) as w:
            durations.append(w.getnframes() / w.getframerate())
    # Spoken sentences, not silence or a click: each lasts a second or more, the longer text longer.
    assert durations[0] > 1.0 and durations[1] > durations[0]


def test_two_announcements_never_overlap(tmp_path: Path) -> None:
    # A stand-in engine that takes a while and logs when it starts and stops speaking.
    engine = tmp_path / "engine.py"
    log_file = tmp_path / "spoken.log"
    engine.write_text(
        "import sys, time\n"
        f"log = open({str(log_file)!r}, 'a')\n"
        "log.write(f'start {time.monotonic()} {sys.argv[-1]}\\n'); log.flush()\n"
        "time.sleep(0.3)\n"
        "log.write(f'end {time.monotonic()}\\n')\n", encoding="utf-8")
    import sys

    voice = Announcer(f"{sys.executable} {engine}")
    voice.say(announcement_text("А-001", 1))
    voice.say(announcement_text("Б-002", 2))
    assert voice.wait(10)
    lines = log_file.read_text(encoding="utf-8").splitlines()
    assert [ln.split()[0] for ln in lines] == ["start", "end", "start", "end"]
    (_, s1, *t1), (_, e1), (_, s2, *t2), (_, e2) = (ln.split(" ", 2) if ln.startswith("start") else ln.split()
                                                    for ln in lines)
    assert float(e1) <= float(s2)  # the second waits for the first
    assert t1 == ["Талон А один, окно один."] and t2 == ["Талон Бэ два, окно два."]
    voice.close()
