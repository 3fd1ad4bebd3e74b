"""Text-mode ESC/POS bytes: CP866 after an explicit code page, the big number, QR, cut, layout."""

from __future__ import annotations

from dataclasses import replace

import pytest
import qrcode

from printer.layout import columns, dots
from printer.render import render_text_mode
from printer.ticket import ticket_print_from
from tests.printer.conftest import make_ticket, printer_cfg
from tests.printer.escpos_decode import DecodeError, black_dots, decode

ESC_T_17 = b"\x1bt\x11"


def cp(text: str) -> bytes:
    return text.encode("cp866")


def first_high_byte(data: bytes) -> int:
    return next(i for i, b in enumerate(data) if b >= 0x80)


def test_the_code_page_command_comes_before_the_first_cyrillic_byte(config, tp):
    data = render_text_mode(tp, config.printer)
    assert data.startswith(b"\x1b@")  # a clean printer state for every ticket
    assert ESC_T_17 in data
    assert data.index(ESC_T_17) < first_high_byte(data)
    assert data.index(b"\x1c.") < first_high_byte(data)  # Chinese double-byte mode off on clones


def test_the_configured_code_page_slot_is_sent(config, tp):
    data = render_text_mode(tp, printer_cfg(config, codepage_slot=59))
    assert data.index(b"\x1bt\x3b") < first_high_byte(data)
    assert ESC_T_17 not in data


def test_header_code_and_every_service_name_go_out_as_cp866(config):
    for service in config.services:
        ticket = make_ticket(f"{service.prefix}-015", service=service.id, config=config)
        data = render_text_mode(ticket_print_from(ticket, config), config.printer)
        assert cp("Талон") in data
        assert cp(f"{service.prefix}-015") in data
        assert cp(service.name) in data or all(cp(w) in data for w in service.name.split())
        assert cp('АО "Омскэнергосбыт"') in data
        assert cp("Перед вами: 4") in data
        assert cp("Ожидание ~ 12 мин") in data  # ≈ is not in CP866
        assert "?" not in "".join(decode(data).texts)


def test_the_number_is_four_times_larger_and_bold_and_the_size_is_reset_after_it(config, tp):
    data = render_text_mode(tp, config.printer)
    assert b"\x1d!\x33\x1bE\x01" + b"\x1ba\x01" + cp("А-015") + b"\n" in data  # GS ! 4x4, then bold
    decoded = decode(data)
    code = next(line for line in decoded.lines if line.text == "А-015")
    assert (code.width, code.height, code.bold, code.align) == (4, 4, True, "center")
    after = decoded.lines[decoded.lines.index(code) + 1]
    assert after.width == 1  # the service name is not printed 4x wide


def test_the_qr_code_is_an_image_of_the_feedback_link_and_the_ticket_is_cut(config, tp):
    data = render_text_mode(tp, config.printer)
    assert b"\x1dv0" in data  # GS v 0 raster image, not the printer's own QR engine
    assert b"\x1d(k" not in data
    assert data.rstrip(b"\x00").endswith(b"\x1dV\x00") or b"\x1dV" in data[-8:]
    decoded = decode(data)
    (img,) = decoded.images
    assert img.width == 576
    assert_qr_matches(img, tp.qr_payload)


def assert_qr_matches(img, payload: str) -> None:
    """The dots of the image are exactly the modules of a QR code of ``payload``."""
    expected = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    expected.add_data(payload)
    expected.make(fit=True)
    matrix = expected.get_matrix()
    left, top, right, bottom = img.getbbox()
    box = (right - left) / len(matrix)
    assert box == int(box) and box >= 4, "whole dots per module, big enough to scan"
    assert (bottom - top) == right - left
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            px = img.getpixel((int(left + (c + 0.5) * box), int(top + (r + 0.5) * box)))
            assert bool(px) == dark, f"module {r},{c}"


def test_a_second_ticket_in_the_same_process_still_sets_the_code_page(config, tp, svo_tp):
    render_text_mode(tp, config.printer)
    second = render_text_mode(svo_tp, config.printer)
    assert second.index(ESC_T_17) < first_high_byte(second)
    assert decode(second).index("А-016")


@pytest.mark.parametrize("width_mm", [80, 58])
def test_every_line_fits_the_paper_and_the_elements_come_in_order(config, svo_tp, width_mm):
    data = render_text_mode(svo_tp, printer_cfg(config, paper_width_mm=width_mm))
    decoded = decode(data)
    cols = columns(width_mm)
    for line in decoded.lines:
        assert len(line.text) * line.width <= cols, (line.text, line.width, cols)
        assert line.codepage == 17
    for img in decoded.images:
        assert img.width <= dots(width_mm)
        assert black_dots(img) > 1000
    order = [decoded.index(t) for t in (
        "Омскэнергосбыт", "Центральный", "Талон", "А-016", "Оплата", "Перед вами: 4", "Ожидание ~ 12 мин",
        "Выдан 05.11.2025 в 10:42", "Покажите в окне удостоверение")]
    image_at = next(i for i, e in enumerate(decoded.elements) if e.kind == "image")
    footer_at = decoded.index("Оцените")
    cut_at = next(i for i, e in enumerate(decoded.elements) if e.kind == "cut")
    assert order == sorted(order)
    assert order[-1] < image_at < footer_at < cut_at
    note = " ".join(e.text for e in decoded.lines if e.bold and e.width == 1 and e.height == 1)
    assert "справку об участии в СВО" in note  # the note is bold and wrapped, not cut off


def test_a_long_service_name_is_wrapped_on_58mm_paper_not_cut(config, tp):
    long_name = "Заключение и изменение договора энергоснабжения"
    data = render_text_mode(replace(tp, service_name=long_name), printer_cfg(config, paper_width_mm=58))
    service_lines = [e.text for e in decode(data).lines if e.height == 2 and e.width == 1]
    assert len(service_lines) == 2
    assert " ".join(service_lines) == long_name


def test_the_decoder_refuses_cyrillic_without_a_code_page():
    with pytest.raises(DecodeError):
        decode(b"\x1b@" + cp("Талон") + b"\n")


def test_an_epson_tm_t88_prints_42_columns_and_512_dots_on_80mm_paper(config, svo_tp):
    decoded = decode(render_text_mode(svo_tp, printer_cfg(config, profile="TM-T88V")))
    assert max(len(line.text) * line.width for line in decoded.lines) <= 42
    assert max(len(line.text) * line.width for line in decoded.lines) > 32
    assert [img.width for img in decoded.images] == [512]
