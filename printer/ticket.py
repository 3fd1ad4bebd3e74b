"""What goes on a paper ticket, as plain values built from the queue's own types."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from queue_core.config import Config
from queue_core.domain import TicketInfo


@dataclass(frozen=True)
class TicketPrint:
    """One ticket as the visitor reads it; every string is already in Russian."""

    company: str
    office_name: str
    code: str
    service_name: str
    issued_local: datetime  # aware, in the office's time zone
    people_ahead: int | None
    estimated_wait_min: int | None
    category_note: str | None  # «Покажите в окне …» for a priority ticket still to be checked
    qr_payload: str | None
    footer: str


def qr_payload(template: str, office: str, day: str, code: str, ticket_id: int) -> str | None:
    """Fill the QR template; None when the template is empty.

    In a URL template (``http://``/``https://``) the office and the ticket code are
    percent-encoded, because a code such as «А-015» is Cyrillic.
    """
    if not template.strip():
        return None
    if template.lstrip().lower().startswith(("http://", "https://")):
        office, code = quote(office, safe=""), quote(code, safe="")
    return template.format(office=office, day=day, code=code, id=ticket_id)


def ticket_print_from(ticket: TicketInfo, config: Config) -> TicketPrint:
    """Build the printed ticket for a just-issued (or reprinted) ticket.

    The time is shown in the office's time zone. A category with a ``document`` text
    (a priority category) puts that text on the ticket unless the informator has
    already verified the right, in which case there is nothing left to show.
    """
    try:
        category = config.category(ticket.category)
    except KeyError:  # a category removed from the config since the ticket was issued
        category = None
    note = None
    if category is not None and category.document and not ticket.category_verified:
        note = category.document
    return TicketPrint(
        company=config.office.company,
        office_name=config.office.name,
        code=ticket.code,
        service_name=ticket.service_name,
        issued_local=ticket.issued_at.astimezone(config.office.tz),
        people_ahead=ticket.position,
        estimated_wait_min=ticket.estimated_wait_min,
        category_note=note,
        qr_payload=qr_payload(
            config.printer.qr_url_template, config.office.code, ticket.day.isoformat(), ticket.code, ticket.id
        ),
        footer=config.printer.footer,
    )


def sample_ticket_print(config: Config, now: datetime | None = None) -> TicketPrint:
    """A realistic ticket for ``talon printer test``: the first active service, number 000
    (real numbers start at 001, so a test print never overwrites a spooled ticket), the
    longest priority note in the config, and the configured QR template."""
    now = (now or datetime.now(config.office.tz)).astimezone(config.office.tz)
    service = next((s for s in config.services if s.active), config.services[0])
    notes = [c.document for c in config.categories if c.document]
    code = f"{service.prefix}-000"
    return TicketPrint(
        company=config.office.company,
        office_name=config.office.name,
        code=code,
        service_name=service.name,
        issued_local=now,
        people_ahead=3,
        estimated_wait_min=12,
        category_note=max(notes, key=len) if notes else None,
        qr_payload=qr_payload(config.printer.qr_url_template, config.office.code, now.date().isoformat(), code, 0),
        footer=config.printer.footer,
    )
