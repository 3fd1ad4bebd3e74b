"""What the visitor's ticket says, built from the queue's TicketInfo and the office config."""

from __future__ import annotations

from datetime import datetime, timezone

from printer import cp866
from printer.layout import preview_text
from printer.ticket import sample_ticket_print, ticket_print_from
from tests.printer.conftest import make_ticket


def test_a_ticket_shows_the_office_local_time_not_utc(config):
    ticket = make_ticket(config=config)  # 04:42 UTC
    tp = ticket_print_from(ticket, config)
    assert tp.issued_local.utcoffset().total_seconds() == 6 * 3600
    assert (tp.issued_local.hour, tp.issued_local.minute) == (10, 42)
    assert "Выдан 05.11.2025 в 10:42" in preview_text(tp, 48)


def test_a_ticket_issued_after_local_midnight_shows_the_next_day(config):
    ticket = make_ticket(config=config)
    late = ticket.__class__(**{**ticket.__dict__, "issued_at": datetime(2025, 11, 5, 18, 30, tzinfo=timezone.utc)})
    assert "Выдан 06.11.2025 в 00:30" in preview_text(ticket_print_from(late, config), 48)


def test_the_ticket_carries_office_service_queue_and_footer(config, tp):
    assert tp.company == "АО «Омскэнергосбыт»"
    assert tp.office_name == "Клиентский офис «Центральный»"
    assert (tp.code, tp.service_name) == ("А-015", "Оплата и передача показаний")
    assert (tp.people_ahead, tp.estimated_wait_min) == (4, 12)
    assert tp.footer == config.printer.footer
    assert tp.category_note is None  # a regular ticket has nothing to show at the window


def test_an_svo_ticket_asks_for_the_document_until_the_informator_verified_it(config, svo_tp):
    assert svo_tp.category_note == config.category("svo").document
    verified = make_ticket("А-017", category="svo", verified=True, config=config)
    assert ticket_print_from(verified, config).category_note is None


def test_the_qr_code_links_to_feedback_for_this_ticket_with_the_code_percent_encoded(config, tp):
    assert tp.qr_payload == ("https://energosbyt.example/feedback?office=omsk-central"
                             "&day=2025-11-05&code=%D0%90-015")


def test_no_qr_without_a_template(config, ticket):
    bare = config.model_copy(update={"printer": config.printer.model_copy(update={"qr_url_template": ""})})
    assert ticket_print_from(ticket, bare).qr_payload is None


def test_a_plain_text_template_is_filled_verbatim(config, ticket):
    cfg = config.model_copy(update={"printer": config.printer.model_copy(
        update={"qr_url_template": "{office}/{day}/{code}/{id}"})})
    assert ticket_print_from(ticket, cfg).qr_payload == "omsk-central/2025-11-05/А-015/15"


def test_the_sample_ticket_never_collides_with_a_real_number(config):
    tp = sample_ticket_print(config, now=datetime(2025, 11, 5, 4, 0, tzinfo=timezone.utc))
    assert tp.code == "А-000"
    assert tp.category_note == config.category("svo").document  # the longest note, to see it fits
    assert tp.qr_payload and "code=%D0%90-000" in tp.qr_payload


def test_cp866_keeps_russian_and_replaces_what_it_lacks():
    assert cp866.normalise("АО «Омскэнергосбыт» — 100 ₽, ожидание ≈ 5 мин…") == \
        'АО "Омскэнергосбыт" - 100 руб., ожидание ~ 5 мин...'
    assert cp866.normalise("Ёлка, ёж, № 5, 20°") == "Ёлка, ёж, № 5, 20°"
    assert cp866.encode("Талон") == bytes([0x92, 0xA0, 0xAB, 0xAE, 0xAD])
    assert cp866.encode("№") == b"\xfc"
    assert cp866.normalise("Café ✓") == "Cafe ?"
