"""Block letters for codes such as «А-015»: every letter distinct, scaled to fit, never cut off."""

from __future__ import annotations

from textual.app import App, ComposeResult

from queue_kiosk.widgets.big_text import FONT, GLYPH_HEIGHT, BigText, big_size, draw, fit_scale, render_big

CYRILLIC = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"


def test_every_cyrillic_capital_and_digit_has_its_own_shape():
    shapes = {ch: FONT[ch] for ch in CYRILLIC + "0123456789"}
    assert all(len(g) == GLYPH_HEIGHT for g in shapes.values())
    cyr = [shapes[ch] for ch in CYRILLIC]
    assert len(set(cyr)) == len(CYRILLIC)
    digits = [shapes[ch] for ch in "123456789"]
    assert len(set(digits)) == 9 and not set(digits) & set(cyr)


def test_lower_case_is_drawn_as_capitals_and_unknown_characters_as_a_question_mark():
    assert draw("окно 3", 1) == draw("ОКНО 3", 1)
    assert draw("ʬ", 1) == draw("?", 1)


def test_a_code_grows_to_the_largest_scale_that_fits():
    w1 = big_size("А-015", 1)
    assert (w1.width, w1.height) == (27, 4)
    assert fit_scale("А-015", 80, 24) == 2  # 54 x 7 fits, 81 columns would not
    assert fit_scale("А-015", 120, 40) == 4
    lines = render_big("А-015", 80, 24)
    assert len(lines) == 7 and {len(line) for line in lines} == {54}
    assert set("".join(lines)) <= set(" ▀▄█")


def test_text_that_cannot_be_drawn_large_falls_back_to_plain_text():
    assert render_big("Окно 12", 10, 3) == ["Окно 12"]
    assert render_big("А-015\nОкно 3", 200, 3) == ["А-015", "Окно 3"]


def test_two_lines_are_stacked_and_centred():
    lines = render_big("А-1\nОкно 3", 200, 20, max_scale=1)
    assert len(lines) == 8  # 7 + 2 + 7 pixel rows, two per line
    assert lines[0].startswith(" ")  # the shorter line sits in the middle


class _Demo(App):
    def compose(self) -> ComposeResult:
        yield BigText("Окно 3", id="big")


async def test_the_widget_fills_its_box_and_follows_its_text():
    app = _Demo()
    async with app.run_test(size=(80, 24)) as pilot:
        big = app.query_one(BigText)
        assert big.size.height == big_size("Окно 3", fit_scale("Окно 3", 80, None)).height
        big.text = "Б-002"
        await pilot.pause()
        assert big.size.width == 80
        rendered = str(big.render())
        assert rendered.splitlines() == render_big("Б-002", 80, big.size.height)
