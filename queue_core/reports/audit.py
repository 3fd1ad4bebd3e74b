"""The priority audit (DESIGN.md §8): replay every office-day's queue from the event log and judge
each call against the waiting tickets of that instant, independently of the reason stored on it.

Replay (events in id order, per office and ticket day): a ticket enters the queue at ``issued``,
``redirected``, ``returned`` and ``category_declined``, and leaves it at ``called``, ``postponed``,
``cancelled`` and ``expired``. Its service is the one of ``issued`` (``data.service``) until a
``redirected`` (``data.to_service``); its category the one of ``issued`` until a
``category_declined`` (``data.to_category``); the instant it sorts by is the issue for ``issued``,
for ``category_declined`` and for a redirect/return ``position = front``, else the event's instant.

At each ``called`` event at window W (weights of W's services as configured now — the catalogue
tables, synced from the config), over the tickets waiting for one of W's services, other than the
one called:

* (a) out-of-turn violation: the ticket called is not out-of-turn while an out-of-turn ticket waits.
  Counted for every call, whatever its rule (0 always).
* (b) deviation: a waiting ticket ranks before the one called by the §4 order
  (:func:`queue_core.policy.rank`; a called ticket of a service W does not serve, or one called
  straight from postponement, ranks after everybody). Deviations of calls whose stored rule is
  ``anti_starvation``, ``by_code`` or ``direct`` are counted apart (``exempt``) with their reasons;
  the others are ``policy_deviations`` (0 always).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy import func, select

from ..clock import as_utc
from ..domain import CallRule
from ..domain import EventKind as K
from ..models import Category, Service, Ticket, TicketEvent, Window, WindowService
from ..policy import Candidate, rank
from .model import Finding, PriorityAudit

EXEMPT_RULES = (CallRule.ANTI_STARVATION, CallRule.BY_CODE, CallRule.DIRECT)
MAX_FINDINGS = 100
_REPLAY_KINDS = (K.ISSUED, K.REDIRECTED, K.RETURNED, K.CATEGORY_DECLINED, K.CALLED, K.POSTPONED,
                 K.CANCELLED, K.EXPIRED)
_LAST = (True, True, 0, 0, datetime.max.replace(tzinfo=UTC), 0)  # ranks after every real ticket


@dataclass
class _State:
    """A ticket as the replay knows it; ``waiting`` says whether it is in the queue now."""

    service: str
    category: str
    order_at: datetime
    issued_at: datetime
    waiting: bool = True


def run_audit(conn: sa.Connection, start: date, end: date, office_id: int | None) -> PriorityAudit:
    t, e = Ticket.__table__, TicketEvent.__table__
    ct = Category.__table__
    categories = {slug: (prio, bool(oot)) for slug, prio, oot in conn.execute(
        select(ct.c.slug, ct.c.priority, ct.c.out_of_turn))}
    ws, sv, wn = WindowService.__table__, Service.__table__, Window.__table__
    weights: dict[int, dict[str, int]] = defaultdict(dict)
    numbers: dict[int, int] = dict(conn.execute(select(wn.c.id, wn.c.number)).all())
    for wid, slug, weight in conn.execute(select(ws.c.window_id, sv.c.slug, ws.c.weight)
                                          .join(sv, sv.c.id == ws.c.service_id)):
        weights[wid][slug] = weight

    data = e.c.data
    cond = [t.c.day.between(start, end), e.c.kind.in_(_REPLAY_KINDS)]
    if office_id is not None:
        cond.append(t.c.office_id == office_id)
    rows = conn.execute(select(
        e.c.id, e.c.ticket_id, e.c.kind, e.c.at, e.c.window_id, t.c.office_id, t.c.day,
        func.coalesce(data["to_service"].as_string(), data["service"].as_string()),
        func.coalesce(data["to_category"].as_string(), data["category"].as_string()),
        data["position"].as_string(), data["rule"].as_string(), data["reason"].as_string(),
    ).join(t, t.c.id == e.c.ticket_id).where(*cond).order_by(e.c.id))

    days: dict[int, tuple[object, dict[int, _State]]] = {}  # office -> (its current day, tickets)
    by_rule: Counter[str] = Counter()
    exempt = {str(r): {"calls": 0, "deviations": 0, "reasons": Counter()} for r in EXEMPT_RULES}
    violations = deviations = 0
    findings: list[tuple] = []
    for eid, tid, kind, at, window_id, office, day, service, category, position, rule, reason in rows:
        at = as_utc(at)
        current = days.get(office)
        if current is None or day > current[0]:
            current = days[office] = (day, {})  # a new office-day: yesterday's queue is closed
        elif day < current[0]:
            continue  # an expiry written late for a day already replayed
        tickets = current[1]
        me = tickets.get(tid)
        if kind == K.ISSUED:
            tickets[tid] = _State(service, category, at, at)
        elif me is None:
            continue
        elif kind in (K.REDIRECTED, K.RETURNED, K.CATEGORY_DECLINED):
            if kind == K.REDIRECTED:
                me.service = service
            if kind == K.CATEGORY_DECLINED:
                me.category = category
            front = kind == K.CATEGORY_DECLINED or position == "front"
            me.order_at, me.waiting = (me.issued_at if front else at), True
        elif kind in (K.POSTPONED, K.CANCELLED, K.EXPIRED):
            me.waiting = False
        elif kind == K.CALLED:
            rule = rule or "?"
            by_rule[rule] += 1
            w = weights.get(window_id, {})
            my_rank = _rank(tid, me, w, categories) if me.waiting and me.service in w else _LAST
            my_oot = categories.get(me.category, (0, False))[1]
            me.waiting = False
            ahead_oot = ahead = None
            for oid, other in tickets.items():
                if not other.waiting or other.service not in w:
                    continue
                r = _rank(oid, other, w, categories)
                if not my_oot and not r[0] and ahead_oot is None:
                    ahead_oot = oid
                if r < my_rank and (ahead is None or r < ahead[0]):
                    ahead = (r, oid)
            where = (eid, at, day, window_id, tid)
            if ahead_oot is not None:
                violations += 1
                findings.append(("out_of_turn_violation", *where, ahead_oot, rule, reason))
            if rule in exempt:
                exempt[rule]["calls"] += 1
            if ahead is not None:
                if rule in exempt:
                    exempt[rule]["deviations"] += 1
                    exempt[rule]["reasons"][reason or ""] += 1
                    findings.append((rule, *where, ahead[1], rule, reason))
                else:
                    deviations += 1
                    findings.append(("policy_deviation", *where, ahead[1], rule, reason))
    # Violations and policy deviations first, then the exempt calls, each in event order.
    order = {"out_of_turn_violation": 0, "policy_deviation": 1}
    findings.sort(key=lambda f: (order.get(f[0], 2), f[1]))
    kept = findings[:MAX_FINDINGS]
    codes = _codes(conn, {f[5] for f in kept} | {f[6] for f in kept})
    return PriorityAudit(
        calls=sum(by_rule.values()), calls_by_rule=dict(sorted(by_rule.items())),
        out_of_turn_violations=violations, policy_deviations=deviations,
        exempt={k: {"calls": v["calls"], "deviations": v["deviations"], "reasons": dict(v["reasons"])}
                for k, v in exempt.items()},
        findings=tuple(Finding(kind, eid, at, _as_date(day), numbers.get(wid), codes.get(tid, str(tid)),
                               codes.get(ahead, str(ahead)), rule, reason or "")
                       for kind, eid, at, day, wid, tid, ahead, rule, reason in kept),
    )


def _rank(tid: int, st: _State, weights: dict[str, int], categories: dict[str, tuple[int, bool]]) -> tuple:
    prio, oot = categories.get(st.category, (0, False))
    return rank(Candidate(tid, "", st.service, st.category, "", prio, oot, st.order_at), weights)


def _codes(conn: sa.Connection, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    t = Ticket.__table__
    return dict(conn.execute(select(t.c.id, t.c.code).where(t.c.id.in_(ids))).all())


def _as_date(day: object) -> date:
    return day if isinstance(day, date) else date.fromisoformat(str(day))
