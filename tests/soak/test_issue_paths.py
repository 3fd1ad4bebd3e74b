"""The one issue path (queue_core.issuing: SQLAlchemy Core on the unit of work's connection) writes
exactly the ticket row and the events a ticket must have, and returns exactly what reading the
ticket back returns — for every channel (kiosk, API, the informator with its check at issue), for
the first issue of a day (which closes past days first) and the ones after it, on SQLite and
PostgreSQL."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

from queue_core.clock import as_utc
from queue_core.domain import Actor, AuthError, Forbidden, Role
from queue_core.eventlog import event_hash
from queue_core.models import Operator, Ticket, TicketEvent

from tests.conftest import staff

CATEGORIES = ("regular", "svo", "disabled")


_HASHED = ("office_id", "ticket_id", "kind", "at", "window_id", "operator_id", "data")


def _rows(svc, ticket_id: int) -> tuple[dict, list[dict]]:  # noqa: ANN001
    """The ticket's row and its events as stored (column types applied: bools, aware UTC instants, JSON)."""
    t, e = Ticket.__table__, TicketEvent.__table__
    with svc.db.read() as s:
        c = s.connection()
        row = dict(c.execute(sa.select(t).where(t.c.id == ticket_id)).mappings().one())
        events = [dict(r) for r in c.execute(sa.select(e).where(e.c.ticket_id == ticket_id).order_by(e.c.id))
                  .mappings()]
    row = {k: as_utc(v) if hasattr(v, "tzinfo") else v for k, v in row.items()}
    for ev in events:  # each event chained: its hash is the hash of its own row over the one before
        assert ev.pop("hash") == event_hash(ev.pop("prev_hash"), **{k: ev[k] for k in _HASHED})
        ev.pop("id")
        ev["at"] = as_utc(ev["at"])
    return row, events


def _expected(svc, *, tid: int, number: int, channel: str, category: str, now, desk: dict | None):  # noqa: ANN001, ANN202
    """What a waiting ticket issued at ``now`` must look like in the database: its row and events.
    ``desk``: the informator's window and operator ids (informator channel), else None."""
    cat = svc.catalog.categories[category]
    verified = bool(cat.verify) and desk is not None
    ids = desk or {"window_id": None, "operator_id": None}
    row = {
        "id": tid, "office_id": svc.catalog.office_id, "day": svc.clock.today(),
        "service_id": svc.catalog.services["payments"].id, "category_id": cat.id, "number": number,
        "code": f"А-{number:03d}", "channel": channel, "status": "waiting",
        "issued_at": now, "queued_at": now, "order_at": now,
        "called_at": None, "started_at": None, "finished_at": None, "postponed_until": None,
        "window_id": None, "operator_id": None, "recalls": 0,
        "category_claimed": bool(cat.verify) and not verified,
        "category_verified_by": desk["operator_id"] if verified else None,
        "category_verified_at": now if verified else None,
        "print_status": "none", "rating": None, "result_code": None,
    }
    base = {"ticket_id": tid, "at": now, "office_id": svc.catalog.office_id, **ids}
    events = [{**base, "kind": "issued", "data": {"channel": channel, "service": "payments", "category": category}}]
    if verified:
        events.append({**base, "kind": "category_verified", "data": {"category": category, "at_issue": True}})
    return row, events


def _desk_ids(svc) -> dict:  # noqa: ANN001
    with svc.db.read() as s:
        info = s.execute(sa.select(Operator.id).where(Operator.login == "info")).scalar_one()
    return {"window_id": svc.catalog.windows[0].id, "operator_id": info}


@pytest.mark.parametrize("channel", ["kiosk", "api", "informator"])
def test_the_issue_path_stores_and_returns_exactly_what_a_ticket_must_have(service, clock, channel) -> None:  # noqa: ANN001
    desk_actor = staff(service, 0)[0]
    actor = {"kiosk": Actor.kiosk(), "api": Actor.api("api"), "informator": desk_actor}[channel]
    desk = _desk_ids(service) if channel == "informator" else None
    number = 0
    for category in CATEGORIES:
        service.office.expired_through = None  # the first issue of a day closes past days first
        first = service.issue_ticket("payments", category, actor=actor)
        assert service.office.expired_through == clock.today()
        second = service.issue_ticket("payments", category, actor=actor)  # the same instant, the day begun
        assert second.id == first.id + 1 and second.code != first.code
        for t in (first, second):
            number += 1
            assert _rows(service, t.id) == _expected(service, tid=t.id, number=number, channel=channel,
                                                     category=category, now=clock.now(), desk=desk)
            assert service.ticket(t.id) == t  # read back: the same value, the same estimate
        assert second.position == first.position + 1  # the earlier ticket of the same class is ahead
        assert dataclasses.replace(second, id=first.id, code=first.code, position=first.position,
                                   estimated_wait_min=first.estimated_wait_min) == first
        verified = channel == "informator" and category != "regular"
        assert (second.channel, second.issued_at, second.queued_at) == (channel, clock.now(), clock.now())
        assert second.category_verified is verified
        assert second.category_claimed is (category != "regular" and not verified)
        assert [e.kind for e in service.ticket_history(second.id)] == ["issued"] + ["category_verified"] * verified
        clock.advance(30)


def _counts(svc) -> tuple[int, int]:  # noqa: ANN001
    with svc.db.read() as s:
        return (s.execute(sa.text("SELECT count(*) FROM ticket")).scalar_one(),
                s.execute(sa.text("SELECT count(*) FROM ticket_event")).scalar_one())


def test_an_issue_refused_for_who_asks_numbers_and_writes_nothing(service) -> None:  # noqa: ANN001
    """Staff issue only at the informator's desk, with their own live session; a refusal numbers
    nothing and writes nothing."""
    a = staff(service, 0, 1)
    service.issue_ticket("payments")  # the day has begun
    before = service.issue_ticket("payments").code
    counts = _counts(service)
    refusals = (
        (a[1], "у стойки информатора"),  # an operator's window is no desk
        (Actor(Role.INFORMATOR, "info", 0), "Нужен вход по PIN"),  # no session at all
        (Actor(Role.INFORMATOR, "info", 0, "forged"), "Сеанс не найден"),
        (Actor(Role.INFORMATOR, "info", 9, a[0].token), "а не в окне 9"),  # the session is at window 0
        (Actor(Role.INFORMATOR, "op1", 0, a[0].token), "принадлежит «info»"),
        (Actor(Role.BOARD, device="табло"), "Табло: нельзя выдавать талоны"),  # a hall board only reads
    )
    for actor, message in refusals:
        with pytest.raises(Forbidden, match=message):
            service.issue_ticket("payments", "svo", actor=actor)
    service.logout(a[0])
    with pytest.raises(AuthError, match="Сеанс завершён"):  # the desk was closed: its session with it
        service.issue_ticket("payments", actor=a[0])
    assert _counts(service) == counts
    after = service.issue_ticket("payments").code
    assert int(after[-3:]) == int(before[-3:]) + 1
