"""Printing a ticket the queue just issued, and recording how it went."""

from __future__ import annotations

from typing import Protocol

from printer.printing import PrintOutcome, print_ticket
from printer.ticket import ticket_print_from
from queue_core.config import Config
from queue_core.domain import TicketInfo


class RecordsPrints(Protocol):
    def record_print(self, ticket_id: int, ok: bool, reason: str) -> None: ...


def print_and_record(service: RecordsPrints, ticket: TicketInfo, config: Config) -> PrintOutcome:
    """Print ``ticket`` through the configured printer and record the outcome on the ticket.

    Blocking (up to a few times ``printer.timeout_s``): call it from a thread worker.
    Never raises for a printer fault. With ``backend = "none"`` nothing is recorded —
    there is no printer whose faults the informator should see.
    """
    outcome = print_ticket(ticket_print_from(ticket, config), config.printer, config.spool_dir)
    if outcome.reason_code != "disabled":
        service.record_print(ticket.id, outcome.ok, outcome.message_ru)
    return outcome
