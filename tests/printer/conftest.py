from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from printer.ticket import TicketPrint, ticket_print_from
from queue_core.config import Config, PrinterConfig, load_config
from queue_core.domain import TicketInfo, TicketStatus
from tests.printer.fake_printer import FakePrinter

CONFIG_TOML = Path(__file__).resolve().parents[2] / "config.toml"


@pytest.fixture(scope="session")
def office_config() -> Config:
    """The example office shipped in config.toml."""
    return load_config(CONFIG_TOML)


@pytest.fixture
def config(office_config: Config, tmp_path: Path) -> Config:
    """The example office, spooling into a temporary folder."""
    printer = office_config.printer.model_copy(update={"spool_dir": tmp_path / "spool"})
    return office_config.model_copy(update={"printer": printer})


def make_ticket(code: str = "А-015", service: str = "payments", category: str = "regular", *,
                ticket_id: int = 15, verified: bool = False, position: int | None = 4,
                wait: int | None = 12, config: Config | None = None) -> TicketInfo:
    issued = datetime(2025, 11, 5, 4, 42, 17, tzinfo=timezone.utc)  # 10:42 in Omsk
    return TicketInfo(
        id=ticket_id, code=code, office="omsk-central", day=date(2025, 11, 5), service=service,
        service_name=config.service(service).name if config else "Оплата и передача показаний",
        category=category, category_name=category, channel="kiosk", status=TicketStatus.WAITING,
        issued_at=issued, queued_at=issued, category_verified=verified, position=position,
        estimated_wait_min=wait,
    )


@pytest.fixture
def ticket(config: Config) -> TicketInfo:
    return make_ticket(config=config)


@pytest.fixture
def tp(ticket: TicketInfo, config: Config) -> TicketPrint:
    return ticket_print_from(ticket, config)


@pytest.fixture
def svo_tp(config: Config) -> TicketPrint:
    return ticket_print_from(make_ticket("А-016", category="svo", ticket_id=16, config=config), config)


def printer_cfg(config: Config, **changes) -> PrinterConfig:
    return config.printer.model_copy(update=changes)


@pytest.fixture
def fake_printer():
    printers: list[FakePrinter] = []

    def start(**kwargs) -> FakePrinter:
        printers.append(FakePrinter(**kwargs))
        return printers[-1]

    yield start
    for p in printers:
        p.stop()
