"""What the visitor sees, at a small terminal (80x24) and at a kiosk screen (120x40).

Regenerate with ``pytest tests/kiosk/test_kiosk_snapshots.py --snapshot-update`` and look at
the SVGs in ``__snapshots__/`` before committing them.
"""

from __future__ import annotations

import pytest

from tests.kiosk.conftest import RecordingPrinter, at, settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture
def busy_office(svc):  # noqa: ANN001, ANN201
    """A morning with a few visitors already waiting."""
    for service in ("payments", "payments", "recalc", "contracts", "b2b-billing"):
        svc.issue_ticket(service)
    return svc


def steps(*keys: str):  # noqa: ANN201
    async def run_before(pilot) -> None:  # noqa: ANN001
        await settle(pilot, pilot.app)
        for key in keys:
            await pilot.press(key)
            await settle(pilot, pilot.app)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_home(snap_compare, make_kiosk, busy_office, size):
    assert snap_compare(make_kiosk(), terminal_size=size, run_before=steps())


@pytest.mark.parametrize("size", SIZES)
def test_category_question(snap_compare, make_kiosk, busy_office, size):
    assert snap_compare(make_kiosk(), terminal_size=size, run_before=steps("1"))


@pytest.mark.parametrize("size", SIZES)
def test_ticket(snap_compare, make_kiosk, busy_office, size):
    assert snap_compare(make_kiosk(), terminal_size=size, run_before=steps("1", "1"))


@pytest.mark.parametrize("size", SIZES)
def test_after_hours(snap_compare, make_kiosk, busy_office, clock, size):
    clock.set(at(16, 50))
    assert snap_compare(make_kiosk(), terminal_size=size, run_before=steps())


@pytest.mark.parametrize("size", SIZES)
def test_printer_fault(snap_compare, make_kiosk, busy_office, size):
    printer = RecordingPrinter(ok=False, message_ru="Закончилась бумага")
    assert snap_compare(make_kiosk(printer=printer), terminal_size=size, run_before=steps("2", "2"))


@pytest.mark.parametrize("size", SIZES)
def test_out_of_service(snap_compare, make_kiosk, size):
    from queue_core.domain import StorageError

    def unreachable():  # noqa: ANN202
        raise StorageError("Нет связи с базой данных")

    assert snap_compare(make_kiosk(service=unreachable, retry_s=60), terminal_size=size, run_before=steps())
