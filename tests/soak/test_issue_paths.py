"""The kiosk's fast issue path (queue_core.fastissue, driver cursor) writes exactly what the ORM path
writes, and returns exactly what reading the ticket back returns — on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa


def _rows(svc, ticket_id: int) -> tuple[dict, list[dict]]:  # noqa: ANN001
    with svc.db.read() as s:
        t = dict(s.execute(sa.text("SELECT * FROM ticket WHERE id = :i"), {"i": ticket_id}).mappings().one())
        ev = [dict(r) for r in s.execute(sa.text("SELECT * FROM ticket_event WHERE ticket_id = :i ORDER BY id"),
                                         {"i": ticket_id}).mappings()]
    for k in ("id", "number", "code"):
        t.pop(k)
    for e in ev:
        e.pop("id")
        e.pop("ticket_id")
    return t, ev


def test_fast_and_orm_issue_store_and_return_the_same(service, clock) -> None:  # noqa: ANN001
    for category in ("regular", "svo", "disabled"):
        service._expired_through = None  # the first action of a day takes the ORM path
        slow = service.issue_ticket("payments", category)
        assert service._expired_through is not None
        fast = service.issue_ticket("payments", category)  # noqa: F841 - the same instant, the fast path
        assert fast.id == slow.id + 1 and fast.code != slow.code
        assert _rows(service, slow.id) == _rows(service, fast.id)
        assert service.ticket(fast.id) == fast  # read back through the ORM: the same value, same estimate
        assert service.ticket(slow.id) == slow
        assert fast.position == slow.position + 1  # the earlier ticket of the same class is ahead
        assert dataclasses.replace(fast, id=slow.id, code=slow.code, position=slow.position,
                                   estimated_wait_min=slow.estimated_wait_min) == slow
        assert [e.kind for e in service.ticket_history(fast.id)] == ["issued"]
        clock.advance(30)
