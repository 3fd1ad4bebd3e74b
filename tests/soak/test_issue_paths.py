"""The fast issue path (queue_core.fastissue, driver cursor) writes exactly what the ORM path writes,
and returns exactly what reading the ticket back returns — for every channel (kiosk, API, the
informator with its check at issue), on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

from queue_core.domain import AuthError
from queue_core.eventlog import event_hash

from tests.conftest import staff


_HASHED = ("office_id", "ticket_id", "kind", "at", "window_id", "operator_id", "data")


def _rows(svc, ticket_id: int) -> tuple[dict, list[dict]]:  # noqa: ANN001
    with svc.db.read() as s:
        t = dict(s.execute(sa.text("SELECT * FROM ticket WHERE id = :i"), {"i": ticket_id}).mappings().one())
        ev = [dict(r) for r in s.execute(sa.text("SELECT * FROM ticket_event WHERE ticket_id = :i ORDER BY id"),
                                         {"i": ticket_id}).mappings()]
    for k in ("id", "number", "code"):
        t.pop(k)
    for e in ev:  # the chain fields differ by position; each must be the hash of its own row
        assert e.pop("hash") == event_hash(e.pop("prev_hash"), **{k: e[k] for k in _HASHED})
        e.pop("id")
        e.pop("ticket_id")
    return t, ev


@pytest.mark.parametrize("channel", ["kiosk", "api", "informator"])
def test_fast_and_orm_issue_store_and_return_the_same(service, clock, channel) -> None:  # noqa: ANN001
    staff(service, 0)
    desk = dict(window=0, login="info") if channel == "informator" else {}
    for category in ("regular", "svo", "disabled"):
        service._expired_through = None  # the first action of a day takes the ORM path
        slow = service.issue_ticket("payments", category, channel=channel, **desk)
        assert service._expired_through is not None
        fast = service.issue_ticket("payments", category, channel=channel, **desk)  # the same instant, the fast path
        assert fast.id == slow.id + 1 and fast.code != slow.code
        assert _rows(service, slow.id) == _rows(service, fast.id)
        assert service.ticket(fast.id) == fast  # read back through the ORM: the same value, same estimate
        assert service.ticket(slow.id) == slow
        assert fast.position == slow.position + 1  # the earlier ticket of the same class is ahead
        assert dataclasses.replace(fast, id=slow.id, code=slow.code, position=slow.position,
                                   estimated_wait_min=slow.estimated_wait_min) == slow
        verified = channel == "informator" and category != "regular"
        assert fast.category_verified is verified and fast.category_claimed is (category != "regular" and not verified)
        assert [e.kind for e in service.ticket_history(fast.id)] == ["issued"] + ["category_verified"] * verified
        clock.advance(30)


def test_fast_path_refuses_an_informator_without_the_desk(service) -> None:  # noqa: ANN001
    """The informator's refusals are the ORM path's, and nothing is numbered or written."""
    staff(service, 0, 1)
    service.issue_ticket("payments")  # the day has begun: the fast path from here on
    before = service.issue_ticket("payments").code
    for desk, message in (({}, "Укажите окно"), (dict(window=0, login="op1"), "работает"),
                          (dict(window=9, login="info"), "Окна 9 нет")):
        with pytest.raises(Exception, match=message):
            service.issue_ticket("payments", "svo", channel="informator", **desk)
    service.logout(0, "info")
    with pytest.raises(AuthError, match="закрыто"):
        service.issue_ticket("payments", channel="informator", window=0, login="info")
    after = service.issue_ticket("payments").code
    assert int(after[-3:]) == int(before[-3:]) + 1
