"""The ticket's life as one table (DESIGN §3): every (status, event) pair, in the table itself and
through the service — what the table allows succeeds, anything else is refused with a Russian
sentence naming the ticket and its status, and the ticket is left as it was."""

from __future__ import annotations


import pytest

from queue_core.domain import (
    STATUS_RU, TRANSITIONS, Actor, DomainError, EventKind, TicketStatus, allowed_from, next_status,
)
from tests.conftest import staff

S, E = TicketStatus, EventKind


@pytest.mark.parametrize("status", list(TicketStatus))
@pytest.mark.parametrize("event", [e for e in EventKind if e != EventKind.ISSUED])
def test_the_table_answers_every_pair(status: TicketStatus, event: EventKind) -> None:
    if (status, event) in TRANSITIONS:
        assert next_status(status, event, "А-001") == TRANSITIONS[(status, event)]
        assert status in allowed_from(event)
    else:
        with pytest.raises(DomainError) as e:
            next_status(status, event, "А-001")
        assert str(e.value).startswith("Нельзя ") and f"талон А-001 {STATUS_RU[status]}" in str(e.value)


def test_the_diagram_of_design_3_is_the_table() -> None:
    """The arrows of DESIGN §3 (and nothing else moves a ticket to another status)."""
    moves = {(a, k, b) for (a, k), b in TRANSITIONS.items() if a != b}
    assert moves == {
        (S.WAITING, E.CALLED, S.CALLED), (S.POSTPONED, E.CALLED, S.CALLED), (S.CALLED, E.STARTED, S.SERVING),
        (S.SERVING, E.FINISHED, S.DONE), (S.CALLED, E.NO_SHOW, S.NO_SHOW), (S.CALLED, E.REDIRECTED, S.WAITING),
        (S.SERVING, E.REDIRECTED, S.WAITING), (S.CALLED, E.POSTPONED, S.POSTPONED),
        (S.SERVING, E.POSTPONED, S.POSTPONED), (S.POSTPONED, E.RETURNED, S.WAITING),
        (S.CALLED, E.RETURNED, S.WAITING), (S.WAITING, E.CANCELLED, S.CANCELLED),
        (S.POSTPONED, E.CANCELLED, S.CANCELLED), (S.WAITING, E.EXPIRED, S.EXPIRED),
        (S.POSTPONED, E.EXPIRED, S.EXPIRED), (S.CALLED, E.CATEGORY_DECLINED, S.WAITING),
        (S.SERVING, E.CATEGORY_DECLINED, S.WAITING),
    }


# Each verb of the service and the event it logs; extra conditions the verb adds to the table.
VERBS = {
    "call_ticket": E.CALLED, "recall": E.RECALLED, "start": E.STARTED, "finish": E.FINISHED,
    "no_show": E.NO_SHOW, "redirect": E.REDIRECTED, "postpone": E.POSTPONED, "return_ticket": E.RETURNED,
    "cancel": E.CANCELLED, "verify_category": E.CATEGORY_VERIFIED, "decline_category": E.CATEGORY_DECLINED,
    "rate": E.RATED, "record_print": E.PRINTED,
}


def _expected(status: TicketStatus, verb: str) -> bool:
    event = VERBS[verb]
    if verb == "finish":
        return status in (S.CALLED, S.SERVING)  # a called visitor is started at the same instant
    if verb == "return_ticket":
        return status == S.POSTPONED  # "called → waiting" is only the window closing with force
    if verb in ("verify_category", "decline_category", "recall", "start", "no_show", "redirect", "postpone"):
        return (status, event) in TRANSITIONS and status in (S.CALLED, S.SERVING)  # at the window only
    return (status, event) in TRANSITIONS


def _reach(svc, a, clock, status: TicketStatus) -> int:  # noqa: ANN001
    """A fresh SVO ticket from a kiosk (its category claimed, not checked) in ``status``, at window 1."""
    if status == S.EXPIRED:
        clock.advance(days=-1)
        tid = svc.issue_ticket("payments", "svo", actor=Actor.api("вчера")).id
        clock.advance(days=1)
        svc.issue_ticket("recalc")  # the first write of the new day closes the past one
        assert svc.ticket(tid).status == S.EXPIRED
        return tid
    tid = svc.issue_ticket("payments", "svo").id
    if status == S.WAITING:
        return tid
    if status == S.CANCELLED:
        svc.cancel(a[1], tid, "ушёл")
        return tid
    svc.call_ticket(a[1], tid, "проверка таблицы")
    if status == S.SERVING:
        svc.start(a[1], tid)
    elif status == S.DONE:
        svc.finish(a[1], tid)
    elif status == S.NO_SHOW:
        svc.no_show(a[1], tid)
    elif status == S.POSTPONED:
        svc.postpone(a[1], tid, 5)
    return tid


def _apply(svc, a, verb: str, tid: int):  # noqa: ANN001, ANN202
    me = a[2] if verb == "call_ticket" else a[1]
    args = {"call_ticket": ("вызов по номеру",), "redirect": ("recalc",), "postpone": (5,), "cancel": ("тест",),
            "rate": (5,)}.get(verb, ())
    if verb == "rate":
        return svc.rate(Actor.visitor(tid), tid, 5)
    if verb == "record_print":
        return svc.record_print(tid, True)
    return getattr(svc, verb)(me, tid, *args)


def _clear(svc, a) -> None:  # noqa: ANN001
    for w in svc.queue_snapshot().windows:
        if w.current is not None and w.number in a:
            svc.finish(a[w.number], w.current.id)


@pytest.mark.parametrize("status", list(TicketStatus))
def test_every_verb_in_every_status_through_the_service(service, clock, status: TicketStatus) -> None:  # noqa: ANN001
    """Allowed pairs succeed and log their event; refused ones raise a Russian sentence and change nothing."""
    a = staff(service, 1, 2)
    for verb in VERBS:
        clock.advance(30)
        tid = _reach(service, a, clock, status)
        before = service.ticket(tid)
        events = len(service.ticket_history(tid))
        if _expected(status, verb):
            _apply(service, a, verb, tid)
            kinds = [e.kind for e in service.ticket_history(tid)[events:]]
            assert VERBS[verb] in kinds or (verb == "recall" and E.NO_SHOW in kinds), (status, verb, kinds)
        else:
            with pytest.raises(DomainError) as e:
                _apply(service, a, verb, tid)
            text = str(e.value)
            assert text.startswith("Нельзя ") or "не в это окно" in text, (status, verb, text)
            assert before.code in text, (status, verb, text)
            after = service.ticket(tid)
            assert (after.status, len(service.ticket_history(tid))) == (before.status, events), (status, verb)
        _clear(service, a)
