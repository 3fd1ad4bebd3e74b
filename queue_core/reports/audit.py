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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy import func, select

from ..clock import as_utc
from ..domain import QUEUE_ENTRY, QUEUE_EXIT, CallRule
from ..domain import EventKind as K
from ..models import AuditDay, Category, Service, Ticket, TicketEvent, Window, WindowService
from ..policy import Candidate, rank
from .model import Finding, PriorityAudit

EXEMPT_RULES = (CallRule.ANTI_STARVATION, CallRule.BY_CODE, CallRule.DIRECT)
MAX_FINDINGS = 100
# The events that move a ticket into or out of the queue, from the state table (DESIGN §3).
_REPLAY_KINDS = (K.ISSUED, *sorted(QUEUE_ENTRY | QUEUE_EXIT))
_LAST = (True, True, 0, 0, datetime.max.replace(tzinfo=UTC), 0)  # ranks after every real ticket


@dataclass
class _State:
    """A ticket as the replay knows it."""

    service: str
    category: str
    order_at: datetime
    issued_at: datetime


@dataclass
class DayAudit:
    """The audit of one office-day: what :func:`merge` adds up over a period, and what
    ``audit_day`` keeps for a closed day. ``findings`` are tuples (kind, event id, at, day,
    window id, ticket id, ahead ticket id, rule, reason), violations and deviations first, capped."""

    calls_by_rule: Counter = field(default_factory=Counter)
    violations: int = 0
    deviations: int = 0
    exempt: dict = field(default_factory=lambda: {str(r): {"calls": 0, "deviations": 0, "reasons": Counter()}
                                                  for r in EXEMPT_RULES})
    findings: list = field(default_factory=list)

    def finish(self) -> DayAudit:
        self.findings.sort(key=_finding_order)
        del self.findings[MAX_FINDINGS:]
        return self

    def to_row(self) -> dict:
        """The JSON columns of ``audit_day``."""
        return {"calls_by_rule": dict(self.calls_by_rule), "violations": self.violations,
                "deviations": self.deviations,
                "exempt": {k: {**v, "reasons": dict(v["reasons"])} for k, v in self.exempt.items()},
                "findings": [[kind, eid, as_utc(at).isoformat(), _as_date(day).isoformat(), *rest]
                             for kind, eid, at, day, *rest in self.findings]}

    @classmethod
    def from_row(cls, calls_by_rule: dict, violations: int, deviations: int, exempt: dict,
                 findings: list) -> DayAudit:
        out = cls(Counter(calls_by_rule), violations, deviations)
        for k, v in exempt.items():
            out.exempt[k] = {"calls": v["calls"], "deviations": v["deviations"], "reasons": Counter(v["reasons"])}
        out.findings = [(kind, eid, datetime.fromisoformat(at), date.fromisoformat(day), *rest)
                        for kind, eid, at, day, *rest in findings]
        return out


_KIND_ORDER = {"out_of_turn_violation": 0, "policy_deviation": 1}


def _finding_order(f: tuple) -> tuple:
    # Violations and policy deviations first, then the exempt calls, each in event order.
    return (_KIND_ORDER.get(f[0], 2), f[1])


def run_audit(conn: sa.Connection, start: date, end: date, office_id: int | None, *,
              use_rollups: bool = False, live_from: date | None = None) -> PriorityAudit:
    """The audit of the period: a replay of the event log; with ``use_rollups``, closed
    office-days are read from ``audit_day`` (their replay, stored when they were rolled up).
    ``live_from``: no office-day before it needs a replay (all rolled up); None: none does."""
    parts = []
    if not use_rollups or live_from is not None:
        parts = list(replay(conn, live_from or start, end, office_id, skip_rolled_up=use_rollups).values())
    if use_rollups:
        parts += stored(conn, start, end, office_id)
    return merge(conn, parts)


def stored(conn: sa.Connection, start: date, end: date, office_id: int | None) -> list[DayAudit]:
    ad = AuditDay.__table__
    cond = [ad.c.day.between(start, end)] + ([ad.c.office_id == office_id] if office_id is not None else [])
    return [DayAudit.from_row(*row) for row in conn.execute(select(
        ad.c.calls_by_rule, ad.c.violations, ad.c.deviations, ad.c.exempt, ad.c.findings).where(*cond))]


def replay(conn: sa.Connection, start: date, end: date, office_id: int | None, *,
           days: list[date] | None = None, skip_rolled_up: bool = False) -> dict[tuple[int, date], DayAudit]:
    """Replay the period's event log; the audit of each office-day that had calls or tickets."""
    t, e = Ticket.__table__, TicketEvent.__table__
    ct = Category.__table__
    categories = {slug: (prio, bool(oot)) for slug, prio, oot in conn.execute(
        select(ct.c.slug, ct.c.priority, ct.c.out_of_turn))}
    ws, sv = WindowService.__table__, Service.__table__
    weights: dict[int, dict[str, int]] = defaultdict(dict)
    for wid, slug, weight in conn.execute(select(ws.c.window_id, sv.c.slug, ws.c.weight)
                                          .join(sv, sv.c.id == ws.c.service_id)):
        weights[wid][slug] = weight

    data = e.c.data
    cond = [t.c.day.between(start, end), e.c.kind.in_(_REPLAY_KINDS)]
    if office_id is not None:
        cond.append(t.c.office_id == office_id)
    if days is not None:
        cond.append(t.c.day.in_(days))
    if skip_rolled_up:
        ad = AuditDay.__table__
        cond.append(~sa.exists().where(ad.c.office_id == t.c.office_id, ad.c.day == t.c.day))
    rows = conn.execute(select(
        e.c.id, e.c.ticket_id, e.c.kind, e.c.at, e.c.window_id, t.c.office_id, t.c.day,
        func.coalesce(data["to_service"].as_string(), data["service"].as_string()),
        func.coalesce(data["to_category"].as_string(), data["category"].as_string()),
        data["position"].as_string(), data["rule"].as_string(), data["reason"].as_string(),
    ).join(t, t.c.id == e.c.ticket_id).where(*cond).order_by(e.c.id))

    parts: dict[tuple[int, date], DayAudit] = {}
    # office -> (its current day, every ticket of the day, the ones waiting now, the day's audit)
    days_: dict[int, tuple[object, dict[int, _State], dict[int, _State], DayAudit]] = {}
    late: set[tuple[int, date]] = set()  # office-days written to after a later day's events
    for row in rows:
        office, day = row[5], row[6]
        current = days_.get(office)
        if current is None or day > current[0]:  # a new office-day: yesterday's queue is closed
            current = days_[office] = (day, {}, {}, parts.setdefault((office, _as_date(day)), DayAudit()))
        elif day < current[0]:
            late.add((office, _as_date(day)))  # replayed again on its own below
            continue
        _step(current, row, weights, categories)
    out = {k: v.finish() for k, v in parts.items()}
    # A day written to after a later day began (an expiry the next morning, a late call from a wrong
    # clock, talon demo filling past days) was cut short above: replay those days alone, in full.
    for office in {o for o, _ in late}:
        again = sorted(d for o, d in late if o == office)
        out.update(replay(conn, again[0], again[-1], office, days=again, skip_rolled_up=skip_rolled_up))
    return out


def _step(current: tuple, row: tuple, weights: dict[int, dict[str, int]],
          categories: dict[str, tuple[int, bool]]) -> None:
    """One event of an office-day: a ticket enters or leaves the queue (by the state table), or is called."""
    eid, tid, kind, at, window_id, _office, day, service, category, position, rule, reason = row
    at = as_utc(at)
    _day, tickets, waiting, part = current
    me = tickets.get(tid)
    if kind == K.ISSUED:
        tickets[tid] = waiting[tid] = _State(service, category, at, at)
    elif me is None:
        return
    elif kind in QUEUE_ENTRY:
        if kind == K.REDIRECTED:
            me.service = service
        if kind == K.CATEGORY_DECLINED:
            me.category = category
        front = kind == K.CATEGORY_DECLINED or position == "front"
        me.order_at = me.issued_at if front else at
        waiting[tid] = me
    elif kind == K.CALLED:
        _judge(part, eid, at, day, tid, me, waiting.pop(tid, None) is not None, window_id, rule, reason,
               waiting, weights.get(window_id, {}), categories)
    elif kind in QUEUE_EXIT:
        waiting.pop(tid, None)


def _judge(part: DayAudit, eid: int, at: datetime, day: object, tid: int, me: _State, was_waiting: bool,
           window_id: int | None, rule: str | None, reason: str | None, waiting: dict[int, _State],
           w: dict[str, int], categories: dict[str, tuple[int, bool]]) -> None:
    """One ``called`` event against the tickets waiting at that instant."""
    rule = rule or "?"
    part.calls_by_rule[rule] += 1
    my_rank = _rank(tid, me, w, categories) if was_waiting and me.service in w else _LAST
    my_oot = categories.get(me.category, (0, False))[1]
    ahead_oot = ahead = None
    for oid, other in waiting.items():
        if other.service not in w:
            continue
        r = _rank(oid, other, w, categories)
        if not my_oot and not r[0] and ahead_oot is None:
            ahead_oot = oid
        if r < my_rank and (ahead is None or r < ahead[0]):
            ahead = (r, oid)
    where = (eid, at, day, window_id, tid)
    if ahead_oot is not None:
        part.violations += 1
        part.findings.append(("out_of_turn_violation", *where, ahead_oot, rule, reason))
    exempt = part.exempt.get(rule)
    if exempt is not None:
        exempt["calls"] += 1
    if ahead is not None:
        if exempt is not None:
            exempt["deviations"] += 1
            exempt["reasons"][reason or ""] += 1
            part.findings.append((rule, *where, ahead[1], rule, reason))
        else:
            part.deviations += 1
            part.findings.append(("policy_deviation", *where, ahead[1], rule, reason))


def merge(conn: sa.Connection, parts: list[DayAudit]) -> PriorityAudit:
    """The period's audit from its office-days."""
    total = DayAudit()
    for p in parts:
        total.calls_by_rule.update(p.calls_by_rule)
        total.violations += p.violations
        total.deviations += p.deviations
        total.findings += p.findings
        for k, v in p.exempt.items():
            mine = total.exempt[k]
            mine["calls"] += v["calls"]
            mine["deviations"] += v["deviations"]
            mine["reasons"].update(v["reasons"])
    by_rule, exempt = total.calls_by_rule, total.exempt
    violations, deviations = total.violations, total.deviations
    kept = total.finish().findings
    numbers: dict[int, int] = dict(conn.execute(select(Window.__table__.c.id, Window.__table__.c.number)).all())
    codes = _codes(conn, {f[5] for f in kept} | {f[6] for f in kept})
    return PriorityAudit(
        calls=sum(by_rule.values()), calls_by_rule=dict(sorted(by_rule.items())),
        out_of_turn_violations=violations, policy_deviations=deviations,
        exempt={k: {"calls": v["calls"], "deviations": v["deviations"], "reasons": dict(v["reasons"])}
                for k, v in exempt.items()},
        findings=tuple(Finding(kind, eid, as_utc(at), _as_date(day), numbers.get(wid), codes.get(tid, str(tid)),
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
