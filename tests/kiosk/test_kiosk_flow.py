"""A visitor at the kiosk: taps or keys, gets a ticket that is in the database exactly once."""

from __future__ import annotations

from pathlib import Path

from textual import events

from queue_core.domain import EventKind, TicketStatus
from queue_kiosk.screens.category import CategoryScreen
from queue_kiosk.screens.home import HomeScreen
from queue_kiosk.screens.ticket import TicketScreen
from tests.conftest import staff
from tests.kiosk.conftest import FlakyService, at, screen_text, settle, tap, wait_until


async def test_a_regular_ticket_by_taps_is_issued_printed_to_the_spool_and_shown(make_kiosk, svc, kiosk_config):
    from printer.jobs import print_and_record

    app = make_kiosk(printer=print_and_record)  # the real printer package, spool backend
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.click("#svc-payments")
        assert isinstance(app.screen, CategoryScreen)
        assert "Есть право на внеочередное обслуживание?" in screen_text(app)
        await pilot.click("#cat-regular")
        await settle(pilot, app)
        assert isinstance(app.screen, TicketScreen)
        text = screen_text(app)
        assert "А-001" in text and "Оплата и передача показаний" in text
        assert "Перед вами: 0" in text and "Возьмите талон" in text
    ticket = svc.ticket("А-001")
    assert (ticket.service, ticket.category, ticket.channel) == ("payments", "regular", "kiosk")
    assert ticket.print_status == "printed"
    spooled = sorted(p.name for p in Path(kiosk_config.spool_dir).rglob("*") if p.is_file())
    assert spooled == ["А-001.bin", "А-001.txt"]


async def test_a_ticket_by_keys_alone(make_kiosk, svc, fake_printer):
    svc.issue_ticket("recalc")
    app = make_kiosk()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await tap(pilot, app, "2")  # Перерасчёты и справки
        assert isinstance(app.screen, CategoryScreen)
        await pilot.press("1")  # Нет, обычная очередь
        await settle(pilot, app)
        assert isinstance(app.screen, TicketScreen)
        assert "Б-002" in screen_text(app) and "Перед вами: 1" in screen_text(app)
        await pilot.press("enter")  # any key after printing: back home
        assert isinstance(app.screen, HomeScreen)
    assert fake_printer.codes == ["Б-002"]
    assert svc.ticket("Б-002").status == TicketStatus.WAITING


async def test_going_back_from_the_category_question_issues_nothing(make_kiosk, svc):
    app = make_kiosk()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("1")
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("1")
        await pilot.click("#back")
        assert isinstance(app.screen, HomeScreen)
    assert sum(svc.waiting_counts().values()) == 0


async def test_an_svo_visitor_after_three_regular_ones_is_first_in_the_queue(make_kiosk, svc):
    for _ in range(3):
        svc.issue_ticket("payments")
    app = make_kiosk()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("1")
        await pilot.click("#cat-svo")
        await settle(pilot, app)
        text = screen_text(app)
        assert "А-004" in text and "Перед вами: 0" in text
        assert "удостоверение ветерана боевых действий" in text  # what to show at the window
    ticket = svc.ticket("А-004")
    assert ticket.category == "svo" and ticket.category_claimed and not ticket.category_verified
    op1 = staff(svc, 1)[1]
    assert svc.call_next(op1).ticket.code == "А-004"


async def test_the_home_screen_shows_how_many_wait_per_service(make_kiosk, svc):
    svc.issue_ticket("payments")
    svc.issue_ticket("payments")
    svc.issue_ticket("b2b-billing")
    app = make_kiosk()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        assert "Оплата и передача показаний\nВ очереди: 2" in str(app.screen.query_one("#svc-payments").label)
        assert "В очереди: 1" in str(app.screen.query_one("#svc-b2b-billing").label)
        text = screen_text(app)
        assert "Физическим лицам" in text and "Юридическим лицам" in text
        assert "Клиентский офис «Центральный»" in text and "09:00" in text


async def test_after_the_cut_off_there_is_no_button_that_issues(make_kiosk, svc, clock):
    clock.set(at(16, 50))  # closes 17:00, last ticket 15 min before
    app = make_kiosk()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        text = screen_text(app)
        assert "Талоны на сегодня больше не выдаются" in text
        assert "Пн–Пт 08:00–17:00" in text
        assert not [b for b in app.screen.query(".service") if b.display and b.parent.parent.display]
        await pilot.press("1")
        assert isinstance(app.screen, HomeScreen)
    assert sum(svc.waiting_counts().values()) == 0


async def test_before_opening_the_kiosk_says_when_tickets_start(make_kiosk, clock):
    clock.set(at(7, 30))
    app = make_kiosk()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert "Выдача талонов начнётся в 08:00" in screen_text(app)
        clock.set(at(8, 0))  # the office opens while the kiosk is running
        assert await wait_until(pilot, lambda: "Выберите услугу" in screen_text(app))
        await pilot.press("1")
        assert isinstance(app.screen, CategoryScreen)


async def test_the_cut_off_passing_on_the_category_screen_sends_the_visitor_home(make_kiosk, svc, clock):
    clock.set(at(16, 44, ))
    app = make_kiosk()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("1")
        clock.set(at(16, 45))
        await pilot.press("1")
        await settle(pilot, app)
        assert isinstance(app.screen, HomeScreen)
        assert "Талоны на сегодня больше не выдаются" in screen_text(app)
    assert sum(svc.waiting_counts().values()) == 0


async def test_a_printer_fault_keeps_the_ticket_and_the_number_on_screen(make_kiosk, svc, kiosk_config):
    from printer.jobs import print_and_record

    config = kiosk_config.model_copy(update={"printer": kiosk_config.printer.model_copy(
        update={"backend": "network", "host": "127.0.0.1", "port": 9, "timeout_s": 0.5})})
    app = make_kiosk(config=config, printer=print_and_record)  # nothing listens on port 9: refused
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await tap(pilot, app, "1", "1")
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, TicketScreen) and screen.print_state == "failed"
        text = screen_text(app)
        assert "А-001" in text and "Талон не напечатан: Принтер не работает." in text
        assert "127.0.0.1" not in text and "отклонено" not in text  # the address is for staff, not visitors
        assert "Запомните номер А-001 или сфотографируйте QR-код и подойдите к информатору" in text
        assert screen.query_one("#qr").display
    ticket = svc.ticket("А-001")
    assert ticket.status == TicketStatus.WAITING and ticket.print_status == "failed"
    assert EventKind.PRINT_FAILED in [e.kind for e in svc.ticket_history("А-001")]
    assert [t.code for t in svc.queue_snapshot().print_faults] == ["А-001"]  # the informator sees it


async def test_a_printer_that_raises_still_leaves_the_number_on_screen(make_kiosk, svc):
    def broken(service, ticket, config):  # noqa: ANN001, ANN202
        raise RuntimeError("driver crashed")

    app = make_kiosk(printer=broken)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await tap(pilot, app, "1", "1")
        await settle(pilot, app)
        assert app.screen.print_state == "failed"
        assert "А-001" in screen_text(app) and "Талон не напечатан" in screen_text(app)
    assert svc.ticket("А-001").status == TicketStatus.WAITING


async def test_a_double_tap_while_the_ticket_is_being_issued_issues_one_ticket(make_kiosk, svc):
    slow = FlakyService(svc)
    app = make_kiosk(service=slow)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("1")
        slow.hold.clear()  # the database is slow to answer: the worker is still running…
        await pilot.click("#cat-regular")
        await pilot.click("#cat-regular")  # …when the second tap lands, 0.1 s later at most
        await pilot.press("1")
        assert app.screen.query_one("#cat-regular").disabled
        slow.hold.set()
        await settle(pilot, app)
        assert isinstance(app.screen, TicketScreen)
    assert slow.issue_calls == 1
    assert svc.waiting_counts()["payments"] == 1


async def test_the_tap_that_opened_a_screen_does_not_press_a_button_on_it(make_kiosk, svc):
    app = make_kiosk(tap_guard_s=0.4, tick_s=1.0)  # the production guard
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.pause(0.45)  # the home screen has been up a while
        for _ in range(2):  # the second is the bounce of the same finger, milliseconds later
            app.post_message(events.Key("1", "1"))
        await settle(pilot, app)
        assert isinstance(app.screen, CategoryScreen)
    assert sum(svc.waiting_counts().values()) == 0


async def test_an_idle_question_goes_back_home(make_kiosk, clock, kiosk_config):
    app = make_kiosk()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("1")
        clock.advance(kiosk_config.kiosk.idle_reset_s - 1)
        await pilot.pause(0.1)
        assert isinstance(app.screen, CategoryScreen)
        clock.advance(1)
        assert await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))


async def test_the_ticket_leaves_after_its_seconds_and_a_fault_stays_longer(make_kiosk, clock, kiosk_config,
                                                                           fake_printer):
    k = kiosk_config.kiosk
    app = make_kiosk()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await tap(pilot, app, "1", "1")
        await settle(pilot, app)
        clock.advance(k.ticket_screen_s)
        assert await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))

        fake_printer.ok, fake_printer.message_ru = False, "Закончилась бумага"
        await tap(pilot, app, "1", "1")
        await settle(pilot, app)
        assert "Закончилась бумага" in screen_text(app)
        clock.advance(k.ticket_screen_s)
        await pilot.pause(0.1)
        assert isinstance(app.screen, TicketScreen)  # still there: the visitor must note the number
        clock.advance(k.fault_screen_s - k.ticket_screen_s)
        assert await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
    assert fake_printer.codes == ["А-001", "А-002"]


async def test_the_kiosk_starts_without_a_database_and_recovers_by_itself(make_kiosk, svc):
    from queue_core.domain import StorageError

    attempts, database_up = [], []

    def open_service_when_up():  # noqa: ANN202
        attempts.append(1)
        if not database_up:
            raise StorageError("Нет связи с базой данных")
        return svc

    app = make_kiosk(service=open_service_when_up)
    async with app.run_test(size=(80, 24)) as pilot:
        assert await wait_until(pilot, lambda: "Терминал временно не работает" in screen_text(app))
        assert "Обратитесь к информатору" in screen_text(app)
        await tap(pilot, app, "1", "1")  # nothing to press
        assert "Терминал временно не работает" in screen_text(app)
        assert await wait_until(pilot, lambda: len(attempts) >= 3)  # it keeps trying
        database_up.append(True)
        assert await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert "Выберите услугу" in screen_text(app)
        await tap(pilot, app, "1", "1")
        await settle(pilot, app)
        assert "А-001" in screen_text(app)
    assert svc.ticket("А-001").channel == "kiosk"


async def test_the_database_lost_at_the_tap_leaves_no_half_made_ticket(make_kiosk, svc):
    flaky = FlakyService(svc)
    app = make_kiosk(service=flaky)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("1")
        flaky.down = True
        await pilot.press("1")
        await settle(pilot, app)
        assert "Терминал временно не работает" in screen_text(app)
        assert sum(svc.waiting_counts().values()) == 0  # nothing committed
        flaky.down = False
        assert await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert len(app.screen_stack) == 1
        await tap(pilot, app, "1", "1")
        await settle(pilot, app)
        assert "А-001" in screen_text(app)
    assert sum(svc.waiting_counts().values()) == 1


async def test_no_key_quits_or_opens_a_palette_except_the_admin_combination(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        for key in ("ctrl+q", "ctrl+c", "ctrl+p", "escape", "f1"):
            await pilot.press(key)
            assert app.is_running and isinstance(app.screen, HomeScreen), key
        await pilot.press("ctrl+backslash")
        await pilot.pause()
        assert not app.is_running


async def test_the_idle_timer_firing_while_the_kiosk_closes_does_not_crash_it(make_kiosk):  # noqa: ANN001
    """Under load the idle check ran after the last screen was gone (ScreenStackError)."""
    app = make_kiosk()
    async with app.run_test() as pilot:
        await settle(pilot, app)
    assert not app.screen_stack
    app.reset_if_idle()  # nothing to reset: no error
