"""Tickets on paper: layout -> ESC/POS bytes (python-escpos) -> the configured backend.

Imports only ``queue_core`` types; python-escpos and Pillow are loaded on first use,
so ``import printer`` is cheap.
"""

import logging

from printer.printing import PrinterStatusInfo, PrintOutcome, print_ticket, printer_status
from printer.ticket import TicketPrint, sample_ticket_print, ticket_print_from

# Outcomes are logged; the app decides where logs go (no stray lines on a terminal by default).
logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "PrintOutcome",
    "PrinterStatusInfo",
    "TicketPrint",
    "print_ticket",
    "printer_status",
    "sample_ticket_print",
    "ticket_print_from",
]
