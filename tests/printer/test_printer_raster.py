"""Raster mode: the whole ticket as one image, for printers without CP866."""

from __future__ import annotations

import pytest

from printer import print_ticket, raster
from printer.raster import find_font, render_image
from printer.render import RenderError, render_job
from tests.printer.conftest import printer_cfg
from tests.printer.escpos_decode import black_dots, decode


@pytest.mark.parametrize(("width_mm", "width_dots"), [(80, 576), (58, 384)])
def test_the_ticket_image_is_as_wide_as_the_paper_and_has_ink(config, svo_tp, width_mm, width_dots):
    img = render_image(svo_tp, printer_cfg(config, mode="raster", paper_width_mm=width_mm))
    assert img.mode == "1"
    assert img.width == width_dots
    ink = img.width * img.height - img.histogram()[255]  # black pixels
    assert 0.04 < ink / (img.width * img.height) < 0.5
    assert img.height > 600  # header, big number, note, QR and footer


@pytest.mark.parametrize(("width_mm", "width_bytes"), [(80, 72), (58, 48)])
def test_raster_bytes_carry_the_image_and_no_text(config, tp, width_mm, width_bytes):
    job = render_job(tp, printer_cfg(config, mode="raster", paper_width_mm=width_mm))
    assert b"\x1dv0\x00" + bytes([width_bytes, 0]) in job.data  # GS v 0, width in bytes
    assert b"\x1bt" not in job.data  # no code page needed: the text is already dots
    decoded = decode(job.data)
    assert decoded.texts == [""] * len(decoded.texts)  # only the line feeds before the cut
    assert all(img.width == width_bytes * 8 for img in decoded.images)
    assert sum(black_dots(img) for img in decoded.images) > 20000
    assert decoded.elements[-1].kind == "cut"
    assert "Талон" in job.preview and job.image is not None


def test_the_number_is_the_biggest_thing_on_the_ticket(config, tp):
    img = render_image(tp, printer_cfg(config, mode="raster"))
    # the tallest run of rows with ink and no blank row between them is the big number
    rows = [any(img.getpixel((x, y)) == 0 for x in range(0, img.width, 2)) for y in range(img.height)]
    runs, run = [], 0
    for inked in rows:
        run = run + 1 if inked else 0
        runs.append(run)
    assert max(runs) >= 80  # about 1 cm of a 203 dpi printer


def test_no_cyrillic_font_gives_a_clear_russian_error(monkeypatch, config, tp, tmp_path):
    monkeypatch.setattr(raster, "KNOWN_FONTS", ())
    monkeypatch.setattr(raster.shutil, "which", lambda name: None)
    with pytest.raises(RenderError, match="не найден шрифт с кириллицей"):
        find_font(None)
    outcome = print_ticket(tp, printer_cfg(config, mode="raster"), tmp_path)
    assert (outcome.ok, outcome.reason_code) == (False, "setup")
    assert "printer.font_path" in outcome.message_ru


def test_a_missing_configured_font_is_named(config, tp, tmp_path):
    outcome = print_ticket(tp, printer_cfg(config, mode="raster", font_path=tmp_path / "нет.ttf"), tmp_path)
    assert (outcome.ok, outcome.reason_code) == (False, "setup")
    assert "нет.ttf" in outcome.message_ru


def test_a_tm_t88_raster_ticket_fits_its_512_dots(config, tp):
    assert render_image(tp, printer_cfg(config, mode="raster", profile="TM-T88V")).width == 512
