"""Calling visitors to a window: the next one by the §4 rules, one by code, or one served at the
desk at once. Race-free: every choice is made under the office lock of the unit of work, so two
windows calling at the same instant get different tickets and neither comes back empty while one waits."""

from __future__ import annotations

from sqlmodel import select

from .clock import as_utc
from .domain import Actor, CallResult, CallRule, DomainError, EventKind, TicketStatus
from .housekeeping import close_past_days, return_due_postponed
from .issuing import insert_ticket
from .models import Ticket, TicketEvent
from .office import Office
from .policy import Candidate, WindowContext, choose_next, is_priority
from .uow import UnitOfWork
from .views import ticket_info

S = TicketStatus


def call_next(office: Office, actor: Actor) -> CallResult | None:
    """Claim the next ticket for the actor's window; None when nobody eligible waits."""
    with UnitOfWork(office, actor, "call_next") as uow:
        close_past_days(uow)
        return_due_postponed(uow)
        _ready(uow)
        win = office.catalog.window_by_id[uow.acting.window_id]
        ctx = WindowContext(win.weights, uow.now, _priority_streak(uow))
        choice = choose_next(_candidates(uow, win.weights), ctx, office.policy)
        if choice is None:
            return None
        ticket = uow.ticket(choice.ticket.id)
        _mark_called(uow, ticket, choice.rule, choice.reason, priority_call=is_priority(choice.ticket))
        return CallResult(ticket_info(uow.s, office, ticket), choice.rule, choice.reason)


def call_ticket(office: Office, actor: Actor, ref: str | int, reason: str) -> CallResult:
    """Call a specific waiting (or put-aside) ticket by its code, with the operator's reason (logged)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Укажите причину вызова талона по номеру")
    with UnitOfWork(office, actor, "call_ticket") as uow:
        _ready(uow)
        ticket = uow.ticket(ref)
        text = f"вызов по номеру: {reason}"
        _mark_called(uow, ticket, CallRule.BY_CODE, text, priority_call=False)
        return CallResult(ticket_info(uow.s, office, ticket), CallRule.BY_CODE, text)


def serve_direct(office: Office, actor: Actor, service: str, category: str) -> CallResult:
    """The informator serves a visitor at the desk at once: issue (checked there) + call + start."""
    svc, cat = office.service(service), office.category(category)
    with UnitOfWork(office, actor, "serve_direct") as uow:
        _ready(uow)
        tid, _ = insert_ticket(uow, svc, cat, "informator", verified_here=bool(cat.verify), direct=True)
        ticket = uow.ticket(tid)
        reason = f"обслуживание у информатора: {cat.label}" if cat.priority else "обслуживание у информатора"
        _mark_called(uow, ticket, CallRule.DIRECT, reason, priority_call=False)
        ticket.started_at = uow.now
        uow.move(ticket, EventKind.STARTED)
        return CallResult(ticket_info(uow.s, office, ticket), CallRule.DIRECT, reason)


def _ready(uow: UnitOfWork) -> None:
    """The window may call: not on a break, and nobody is still at it."""
    if uow.acting.paused:
        raise DomainError("Окно на перерыве: сначала продолжите работу")
    busy = uow.s.exec(select(Ticket.code).where(Ticket.window_id == uow.acting.window_id, Ticket.day == uow.today,
                                               Ticket.status.in_((S.CALLED, S.SERVING)))).first()
    if busy:
        raise DomainError(f"У окна ещё талон {busy}: завершите его, отметьте неявку или перенаправьте")


def _mark_called(uow: UnitOfWork, ticket: Ticket, rule: CallRule, reason: str, *, priority_call: bool) -> None:
    cat = uow.office.catalog
    uow.move(ticket, EventKind.CALLED, rule=str(rule), reason=reason,
             category=cat.category_by_id[ticket.category_id].slug, priority_call=priority_call,
             service=cat.service_by_id[ticket.service_id].slug)
    ticket.called_at, ticket.recalls, ticket.postponed_until = uow.now, 0, None
    ticket.window_id, ticket.operator_id = uow.acting.window_id, uow.acting.operator_id


def _candidates(uow: UnitOfWork, weights: dict[str, int]) -> list[Candidate]:
    cat = uow.office.catalog
    ids = [cat.services[slug].id for slug in weights]
    rows = uow.s.execute(
        select(Ticket.id, Ticket.code, Ticket.service_id, Ticket.category_id, Ticket.order_at)
        .where(Ticket.office_id == uow.office.id, Ticket.status == S.WAITING, Ticket.day == uow.today,
               Ticket.service_id.in_(ids))).all()
    out = []
    for tid, code, sid, cid, order_at in rows:
        c = cat.category_by_id[cid]
        out.append(Candidate(tid, code, cat.service_by_id[sid].slug, c.slug, c.label, c.priority, c.out_of_turn,
                             as_utc(order_at)))
    return out


def _priority_streak(uow: UnitOfWork) -> int:
    k = uow.office.policy.max_priority_streak
    if not k:
        return 0
    rows = uow.s.execute(select(TicketEvent.data).where(TicketEvent.window_id == uow.acting.window_id,
                                                        TicketEvent.kind == EventKind.CALLED)
                         .order_by(TicketEvent.id.desc()).limit(k)).scalars().all()
    streak = 0
    for data in rows:
        if not data.get("priority_call"):
            break
        streak += 1
    return streak
