"""What happens to a visitor once called, and to a ticket afterwards: recall, start, finish,
no-show, redirect, put aside and back, cancel, the category check, the rating, the printer's outcome.

Each is one unit of work; the state table (:data:`queue_core.domain.TRANSITIONS`) says which
statuses allow it, the unit of work says who may."""

from __future__ import annotations

from datetime import timedelta

from .domain import STATUS_RU, Actor, DomainError, EventKind, Forbidden, Role, TicketInfo, TicketStatus, next_status
from .housekeeping import requeue
from .models import Ticket
from .office import Office
from .uow import UnitOfWork
from .views import ticket_info

S = TicketStatus
E = EventKind


def recall(office: Office, actor: Actor, ref: str | int) -> TicketInfo:
    """Call the same visitor again; past ``recall_limit`` recalls the ticket becomes a no-show."""
    with UnitOfWork(office, actor, "recall") as uow:
        ticket = uow.at_window(ref, E.RECALLED)
        if ticket.recalls >= office.config.policy.recall_limit:
            uow.move(ticket, E.NO_SHOW, auto=True, recalls=ticket.recalls)
        else:
            ticket.recalls += 1
            uow.move(ticket, E.RECALLED, recall=ticket.recalls)
        return ticket_info(uow.s, office, ticket)


def start(office: Office, actor: Actor, ref: str | int) -> TicketInfo:
    with UnitOfWork(office, actor, "start") as uow:
        ticket = uow.at_window(ref, E.STARTED)
        ticket.started_at = uow.now
        uow.move(ticket, E.STARTED)
        return ticket_info(uow.s, office, ticket)


def finish(office: Office, actor: Actor, ref: str | int, *, result_code: str | None = None,
           rating: int | None = None) -> TicketInfo:
    """Finish service (a called ticket is started first, at the same instant); the visitor's rating
    may be taken at the window right away."""
    if rating is not None:
        check_rating(rating)
    with UnitOfWork(office, actor, "finish") as uow:
        ticket = uow.ticket(ref)
        if ticket.status == S.CALLED:
            uow.here(ticket, E.STARTED)
            ticket.started_at = uow.now
            uow.move(ticket, E.STARTED, implicit=True)
        uow.here(ticket, E.FINISHED)
        ticket.finished_at, ticket.result_code = uow.now, result_code
        uow.move(ticket, E.FINISHED, result_code=result_code)
        if rating is not None:
            ticket.rating = rating
            uow.move(ticket, E.RATED, rating=rating)
        return ticket_info(uow.s, office, ticket)


def no_show(office: Office, actor: Actor, ref: str | int) -> TicketInfo:
    with UnitOfWork(office, actor, "no_show") as uow:
        ticket = uow.at_window(ref, E.NO_SHOW)
        uow.move(ticket, E.NO_SHOW, auto=False, recalls=ticket.recalls)
        return ticket_info(uow.s, office, ticket)


def redirect(office: Office, actor: Actor, ref: str | int, to_service: str, position: str | None = None) -> TicketInfo:
    """Send the visitor to another service's queue with the same code, front or back."""
    target = office.service(to_service)
    position = position or office.config.policy.redirect_position
    if position not in ("front", "back"):
        raise DomainError("Позиция перенаправления: front или back")
    with UnitOfWork(office, actor, "redirect") as uow:
        ticket = uow.at_window(ref, E.REDIRECTED)
        old = office.catalog.service_by_id[ticket.service_id].slug
        requeue(uow, ticket, position)
        ticket.service_id = target.id
        uow.move(ticket, E.REDIRECTED, from_service=old, to_service=target.slug, position=position)
        return ticket_info(uow.s, office, ticket, with_estimate=True)


def postpone(office: Office, actor: Actor, ref: str | int, minutes: int, reason: str = "") -> TicketInfo:
    """Put the visitor aside (e.g. to fetch a document); they return by themselves after ``minutes``."""
    if not 1 <= minutes <= office.config.policy.postpone_max_min:
        raise DomainError(f"Отложить можно на 1–{office.config.policy.postpone_max_min} мин")
    with UnitOfWork(office, actor, "postpone") as uow:
        ticket = uow.at_window(ref, E.POSTPONED)
        ticket.postponed_until = uow.now + timedelta(minutes=minutes)
        ticket.window_id = ticket.operator_id = None
        uow.move(ticket, E.POSTPONED, minutes=minutes, reason=reason)
        return ticket_info(uow.s, office, ticket)


def return_ticket(office: Office, actor: Actor, ref: str | int) -> TicketInfo:
    """Bring a postponed visitor back into the queue (position per ``return_position``)."""
    position = office.config.policy.return_position
    with UnitOfWork(office, actor, "return_ticket") as uow:
        ticket = uow.ticket(ref)
        if ticket.status != S.POSTPONED:  # a called visitor goes back only when their window closes
            raise DomainError(f"Нельзя вернуть в очередь: талон {ticket.code} {STATUS_RU[S(ticket.status)]}")
        requeue(uow, ticket, position)
        uow.move(ticket, E.RETURNED, position=position)
        return ticket_info(uow.s, office, ticket, with_estimate=True)


def cancel(office: Office, actor: Actor, ref: str | int, reason: str) -> TicketInfo:
    with UnitOfWork(office, actor, "cancel") as uow:
        ticket = uow.ticket(ref)
        uow.move(ticket, E.CANCELLED, reason=reason)
        return ticket_info(uow.s, office, ticket)


def verify_category(office: Office, actor: Actor, ref: str | int) -> TicketInfo:
    """The operator has seen the document: the claimed category stands (logged)."""
    with UnitOfWork(office, actor, "verify_category") as uow:
        ticket = uow.at_window(ref, E.CATEGORY_VERIFIED)
        _claimed(ticket)
        ticket.category_claimed = False
        ticket.category_verified_by, ticket.category_verified_at = uow.acting.operator_id, uow.now
        uow.move(ticket, E.CATEGORY_VERIFIED, category=office.catalog.category_by_id[ticket.category_id].slug)
        return ticket_info(uow.s, office, ticket)


def decline_category(office: Office, actor: Actor, ref: str | int) -> TicketInfo:
    """No document: the ticket goes back to the queue as ``regular`` with its original time."""
    with UnitOfWork(office, actor, "decline_category") as uow:
        ticket = uow.at_window(ref, E.CATEGORY_DECLINED)
        _claimed(ticket)
        old = office.catalog.category_by_id[ticket.category_id].slug
        ticket.category_claimed = False
        ticket.category_id = office.catalog.categories["regular"].id
        requeue(uow, ticket, "front")
        uow.move(ticket, E.CATEGORY_DECLINED, from_category=old, to_category="regular")
        return ticket_info(uow.s, office, ticket, with_estimate=True)


def _claimed(ticket: Ticket) -> None:
    if not ticket.category_claimed:
        raise DomainError(f"У талона {ticket.code} нет категории, ожидающей проверки")


def rate(office: Office, actor: Actor, ref: str | int, rating: int) -> TicketInfo:
    """The visitor's satisfaction, 1–5, for a served ticket: once, on the day of service, from the
    visitor holding the ticket or the window that served it."""
    check_rating(rating)
    with UnitOfWork(office, actor, "rate") as uow:
        ticket = uow.ticket(ref)
        next_status(ticket.status, E.RATED, ticket.code)
        if actor.role == Role.VISITOR and actor.ticket_id != ticket.id:
            raise Forbidden("Посетитель может оценить только свой талон")
        if actor.is_staff and ticket.operator_id != uow.acting.operator_id:
            raise Forbidden(f"Талон {ticket.code} обслуживали не вы: оценку ставит посетитель или его окно")
        if ticket.rating is not None:
            raise DomainError(f"Талон {ticket.code} уже оценён")
        if ticket.day != uow.today:
            raise DomainError(f"День талона {ticket.code} закрыт: оценку уже не поставить и не изменить")
        ticket.rating = rating
        uow.move(ticket, E.RATED, rating=rating)
        return ticket_info(uow.s, office, ticket)


def record_print(office: Office, actor: Actor, ticket_id: int, ok: bool, reason: str = "") -> None:
    """Log the printer's outcome for a ticket (the ticket stays in the queue either way)."""
    with UnitOfWork(office, actor, "record_print") as uow:
        ticket = uow.ticket(ticket_id)
        ticket.print_status = "printed" if ok else "failed"
        uow.move(ticket, E.PRINTED if ok else E.PRINT_FAILED, reason=reason)


def check_rating(rating: int) -> None:
    if not (isinstance(rating, int) and not isinstance(rating, bool) and 1 <= rating <= 5):
        raise DomainError("Оценка — целое число от 1 до 5")
