"""One definition of the order (DESIGN §4): every SQL ordering is built from ``policy.ORDER``, and a
property holds each against ``choose_next`` on random queues in a real database, both backends.

A ticket's "people ahead" (what the kiosk prints) must be exactly the number of visitors a window
serving only that service would call before it; and the general SQL comparison, with a window's
weights, must put exactly as many tickets before each one as ``choose_next`` calls before it.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from queue_core.domain import Actor
from queue_core.models import Category, Ticket
from queue_core.policy import Candidate, Policy, WindowContext, choose_next
from queue_core.views import sql_before
from tests.conftest import MONDAY_9, staff

SERVICES = ("payments", "recalc", "contracts")
CATEGORIES = ("regular", "disabled", "svo")
API = Actor.api("проверка")

queues = st.lists(st.tuples(st.sampled_from(SERVICES), st.sampled_from(CATEGORIES), st.sampled_from((0, 0, 1, 7))),
                  min_size=1, max_size=14)
weights = st.fixed_dictionaries({s: st.integers(0, 3) for s in SERVICES})


def call_order(cands: list[Candidate], w: dict[str, int]) -> list[int]:
    """Ticket ids in the order a window with weights ``w`` would call them (choose_next again and again)."""
    left, out = list(cands), []
    while (choice := choose_next(left, WindowContext(w, MONDAY_9), Policy())) is not None:
        out.append(choice.ticket.id)
        left.remove(choice.ticket)
    return out


class Day:
    """Each example on a day of its own, so the tickets of earlier examples never take part."""

    n = 0


def _issue_queue(service, clock, queue) -> list[Candidate]:  # noqa: ANN001
    Day.n += 1
    clock.set(MONDAY_9 + timedelta(days=Day.n))
    cands = []
    cat = service.catalog
    for svc, category, gap_s in queue:
        clock.advance(gap_s)  # 0: several tickets of the same instant (then the id decides)
        t = service.issue_ticket(svc, category, actor=API)
        c = cat.categories[category]
        cands.append(Candidate(t.id, t.code, svc, category, c.label, c.priority, c.out_of_turn, t.queued_at))
    return cands


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(queue=queues, w=weights)
def test_every_sql_ordering_agrees_with_choose_next(service, clock, queue, w) -> None:  # noqa: ANN001
    cands = _issue_queue(service, clock, queue)
    # "people ahead" of each ticket = its place in the calls of a window serving only its service
    for svc in SERVICES:
        mine = [c for c in cands if c.service == svc]
        order = call_order(mine, {svc: 1})
        for c in mine:
            assert service.ticket(c.id).position == order.index(c.id), (svc, c)
    # the general comparison with a window's weights (rule 2's weight 0 and rule 4 included)
    served = {s: v for s, v in w.items() if v or s == "contracts"}  # weight 0 still eligible (rule 2)
    order = call_order([c for c in cands if c.service in served], served)
    cat = service.catalog
    weight = sa.case({cat.services[s].id: v for s, v in served.items()}, value=Ticket.service_id)
    cols = {"out_of_turn": Category.out_of_turn, "weight": weight, "priority": Category.priority,
            "queued_at": Ticket.order_at, "id": Ticket.id}
    with service.db.read() as s:
        for c in cands:
            if c.service not in served:
                continue
            vals = {"out_of_turn": c.out_of_turn, "weight": served[c.service], "priority": c.priority,
                    "queued_at": c.queued_at, "id": c.id}
            before = s.execute(
                sa.select(sa.func.count()).select_from(Ticket).join(Category, Category.id == Ticket.category_id)
                .where(Ticket.status == "waiting", Ticket.day == service.clock.today(),
                       Ticket.service_id.in_([cat.services[x].id for x in served]), sql_before(cols, vals))
            ).scalar()
            assert before == order.index(c.id), (c, served)


def test_the_estimate_of_a_ticket_not_yet_issued_counts_everyone_of_its_class_and_above(service, clock) -> None:  # noqa: ANN001
    """A visitor reading the kiosk's estimate before taking a ticket comes after every ticket of the same
    instant (the id of a ticket not yet issued is after all of them)."""
    for _ in range(3):
        service.issue_ticket("payments", actor=API)
    service.issue_ticket("payments", "svo", actor=API)
    assert service.estimate_wait("payments").people_ahead == 4
    assert service.estimate_wait("payments", "svo").people_ahead == 1


def test_the_hot_path_stores_instants_exactly_as_the_orm_does(service, clock) -> None:  # noqa: ANN001
    """SQL compares stored instants as they are (SQLite: as text), so a ticket's ``issued_at`` written by
    the prepared insert must read back byte for byte like an instant the ORM wrote at the same moment."""
    a = staff(service, 1)  # the shift's logged_in_at: written through the ORM at this instant
    tid = service.issue_ticket("payments", actor=API).id
    with service.db.read() as s:
        issued, queued, event_at = s.execute(sa.text(
            "SELECT t.issued_at, t.order_at, e.at FROM ticket t JOIN ticket_event e ON e.ticket_id = t.id "
            "WHERE t.id = :t"), {"t": tid}).one()
        shift_at = s.execute(sa.text("SELECT logged_in_at FROM operator_shift")).scalar()
    assert issued == queued == event_at == shift_at
    assert a[1].window == 1
