"""What must hold in the database after any soak run, read from the tables and the event log only.

Each check returns a list of human-readable problems (empty = holds), so a failing soak says
exactly which ticket broke which rule.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

# The ticket's life is one table, shared by the service layer, the report's audit and this replay:
# (status before, event) -> status after; a pair not in it is an illegal transition.
from queue_core.domain import ISSUED_STATUS, TRANSITIONS, EventKind

KINDS = {str(k) for k in EventKind}
LOG_KIND = {"issue": "issued", "call": "called", "recall": ("recalled", "no_show"), "start": "started",
            "finish": "finished", "no_show": "no_show", "redirect": "redirected",
            "verify_category": "category_verified", "decline_category": "category_declined"}


def read_logs(folder: Path) -> list[dict]:
    rows = []
    for p in sorted(folder.glob("*.jsonl")):
        for line in p.read_text(encoding="utf-8").splitlines():
            if line.strip():
                try:
                    rows.append({**json.loads(line), "worker": p.stem})
                except json.JSONDecodeError:  # a line cut by kill -9 was never reported as committed
                    continue
    return rows


def numbering(c: sa.Connection) -> list[str]:
    """Codes unique per (office, day); per (office, day, issuing service) the numbers run 1..N without
    gaps and N equals the counter. The issuing service is the code's prefix: a redirected ticket
    keeps its code in another service's queue."""
    prefixes = {(o, p): sid for sid, o, p in c.execute(sa.text("SELECT id, office_id, prefix FROM service"))}
    counters = {(o, str(d), sid): n for o, d, sid, n in c.execute(sa.text(
        "SELECT office_id, day, service_id, last_number FROM daily_counter"))}
    codes: Counter = Counter()
    numbers: dict[tuple, list[int]] = defaultdict(list)
    for office, day, code, number in c.execute(sa.text("SELECT office_id, day, code, number FROM ticket")):
        codes[(office, str(day), code)] += 1
        numbers[(office, str(day), prefixes.get((office, code.split("-")[0])))].append(number)
    out = [f"code {k} issued {n} times" for k, n in codes.items() if n > 1]
    for key, got in numbers.items():
        if sorted(got) != list(range(1, len(got) + 1)) or counters.get(key) != len(got):
            out.append(f"office/day/service {key}: numbers {sorted(got)[:5]}… ({len(got)}), counter {counters.get(key)}")
    return out


def replay(c: sa.Connection) -> tuple[list[str], dict[str, int]]:
    """Replay every ticket's events: legal transitions only, the final state equals the ticket's
    status, exactly one ``issued`` event, and never two tickets at one window at once."""
    problems: list[str] = []
    status = dict(c.execute(sa.text("SELECT id, status FROM ticket")).all())
    state: dict[int, str] = {}
    at_window: dict[int, int] = {}  # ticket -> window while called/serving
    holder: dict[int, int] = {}  # window -> ticket
    issued = Counter()
    kinds = Counter()
    for eid, tid, kind, wid in c.execute(sa.text("SELECT id, ticket_id, kind, window_id FROM ticket_event ORDER BY id")):
        kinds[kind] += 1
        if tid not in status:
            problems.append(f"event {eid} ({kind}) of a ticket {tid} that does not exist")
            continue
        if kind == EventKind.ISSUED:
            issued[tid] += 1
            state[tid] = str(ISSUED_STATUS)
            continue
        if tid not in state:
            problems.append(f"event {eid} ({kind}) before the ticket {tid} was issued")
            continue
        if kind not in KINDS:
            problems.append(f"ticket {tid}: unknown event kind {kind!r} (event {eid})")
            continue
        target = TRANSITIONS.get((state[tid], EventKind(kind)))
        if target is None:  # illegal here: report it, and follow the event's outcome when it has only one
            problems.append(f"ticket {tid}: {kind} (event {eid}) while {state[tid]}")
            afters = {after for (_before, k), after in TRANSITIONS.items() if k == kind}
            target = afters.pop() if len(afters) == 1 else state[tid]
        target = str(target)
        if kind == "called":
            other = holder.get(wid)
            if other is not None and other != tid:
                problems.append(f"window {wid}: ticket {tid} called while ticket {other} is still there (event {eid})")
            holder[wid], at_window[tid] = tid, wid
        elif target not in ("called", "serving") and tid in at_window:
            holder.pop(at_window.pop(tid), None)
        state[tid] = target
    for tid, st in status.items():
        if issued[tid] != 1:
            problems.append(f"ticket {tid} has {issued[tid]} issued events (half-written?)")
        elif state.get(tid) != st:
            problems.append(f"ticket {tid} is {st} but its events say {state.get(tid)}")
    return problems, dict(kinds)


def _instant(value: object) -> datetime:
    """An event's ``at`` as an aware UTC datetime (SQLite hands back text or naive values)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def times(c: sa.Connection) -> list[str]:
    """Time runs forward for every ticket: no event earlier than the ticket's previous event, and no
    negative wait (first call − issue), walk (start − the call before it) or service (finish − start)."""
    problems: list[str] = []
    last: dict[int, tuple[str, datetime]] = {}
    seen: dict[int, dict[str, datetime]] = defaultdict(dict)  # ticket -> the last instant of each kind
    # closing kind -> (measure, the kind whose last instant opens it); the wait ends at the first call only
    spans = {"called": ("wait", "issued"), "started": ("walk", "called"), "finished": ("service", "started")}
    for eid, tid, kind, at in c.execute(sa.text("SELECT id, ticket_id, kind, at FROM ticket_event ORDER BY id")):
        at = _instant(at)
        if tid in last and at < last[tid][1]:
            problems.append(f"ticket {tid}: {kind} (event {eid}) at {at} is earlier than its {last[tid][0]} at {last[tid][1]}")
        last[tid] = (kind, at)
        name, opened_by = spans.get(kind, (None, None))
        start = seen[tid].get(opened_by)
        if start is not None and not (kind == "called" and "called" in seen[tid]) and at < start:
            problems.append(f"ticket {tid}: negative {name} {(at - start).total_seconds():.1f} s (event {eid})")
        seen[tid][kind] = at
    return problems


def one_day(c: sa.Connection, day: date) -> list[str]:
    """Every ticket belongs to the run's office day (one issued by a wrong clock would not)."""
    rows = c.execute(sa.text("SELECT id, code, day FROM ticket")).all()
    return [f"ticket {tid} {code} on {d}, not {day}" for tid, code, d in rows if str(d) != str(day)]


def audit(url: str, day: date) -> list[str]:
    """The priority audit of DESIGN.md §8 over the run's day: no out-of-turn violation, no policy
    deviation, on every backend (PostgreSQL serialises every queue entry with calls under the
    office lock, so the event-id order the audit replays is the commit order). Nothing is excused."""
    from queue_core.db import Database
    from queue_core.reports import audit as audit_mod

    db = Database(url)
    try:
        with db.read() as s:
            keep, audit_mod.MAX_FINDINGS = audit_mod.MAX_FINDINGS, 10**7  # every finding, not the first 100
            try:
                pa = audit_mod.run_audit(s.connection(), day, day, None)
            finally:
                audit_mod.MAX_FINDINGS = keep
    finally:
        db.dispose()
    return [f"priority audit: {f}" for f in pa.findings if f.kind in ("out_of_turn_violation", "policy_deviation")]


# Events that put a ticket into the queue, and those that take it out.
INTO_QUEUE = ("issued", "returned", "redirected", "category_declined")
OUT_OF_QUEUE = ("called", "cancelled", "expired", "postponed")


def _instant(at: object) -> datetime:
    at = datetime.fromisoformat(at) if isinstance(at, str) else at
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def waiting_spells(c: sa.Connection) -> list[tuple[int, str, datetime, datetime | None]]:
    """(ticket, service slug, entered the queue, left it or None) for every stay in a queue."""
    spells, open_ = [], {}
    service: dict[int, str] = {}
    for tid, kind, at, data in c.execute(sa.text("SELECT ticket_id, kind, at, data FROM ticket_event ORDER BY id")):
        data = json.loads(data) if isinstance(data, str) else (data or {})
        service[tid] = data.get("to_service") or data.get("service") or service.get(tid, "?")
        if kind in INTO_QUEUE:
            open_[tid] = (service[tid], _instant(at))
        elif kind in OUT_OF_QUEUE and tid in open_:
            slug, entered = open_.pop(tid)
            spells.append((tid, slug, entered, _instant(at)))
    return spells + [(tid, slug, entered, None) for tid, (slug, entered) in open_.items()]


def never_empty_while_one_waits(c: sa.Connection, logs: list[dict]) -> list[str]:
    """No window came back empty from call_next while a ticket of a service it serves waited all
    through the call (queued before the call began, taken out after it ended). Instants are read
    under the office lock, so this order is the commit order."""
    empties = [r for r in logs if r["op"] == "call_empty"]
    if not empties:
        return []
    serves: dict[int, set[str]] = defaultdict(set)
    for number, slug in c.execute(sa.text(
            'SELECT w.number, s.slug FROM window_service ws JOIN "window" w ON w.id = ws.window_id '
            "JOIN service s ON s.id = ws.service_id")):
        serves[number].add(slug)
    spells = waiting_spells(c)
    out = []
    for r in empties:
        began, ended = _instant(r["began"]), _instant(r["ended"])
        out += [f"window {r['window']} came back empty at {r['began']} while ticket {tid} ({slug}) waited; "
                f"queue after the call: {r.get('queue')}"
                for tid, slug, entered, left in spells
                if slug in serves[r["window"]] and entered < began and (left is None or left > ended)]
    return out


def logs_vs_db(c: sa.Connection, logs: list[dict]) -> list[str]:
    """Everything a worker logged as committed is in the database (counted per ticket and kind)."""
    have = Counter((tid, kind) for tid, kind in c.execute(sa.text("SELECT ticket_id, kind FROM ticket_event")))
    codes = dict(c.execute(sa.text("SELECT id, code FROM ticket")).all())
    want: Counter = Counter()
    out = []
    for r in logs:
        kind = LOG_KIND.get(r["op"])
        if kind is None or r.get("id") is None:
            continue
        if r["op"] == "issue" and codes.get(r["id"]) != r["code"]:
            out.append(f"issued ticket {r['id']} {r['code']} reported by {r['worker']} is missing")
        if r["op"] == "recall":
            kind = "no_show" if r.get("status") == "no_show" else "recalled"
        want[(r["id"], kind)] += 1
    for key, n in want.items():
        if have[key] < n:
            out.append(f"ticket {key[0]}: {n} × {key[1]} reported committed, {have[key]} in the database")
    return out


def prints(c: sa.Connection, logs: list[dict]) -> list[str]:
    """Every printed ticket is marked printed or print_failed as its kiosk was told."""
    got = dict(c.execute(sa.text("SELECT id, print_status FROM ticket")).all())
    out = []
    for r in logs:
        if r["op"] == "print":
            want = "printed" if r["ok"] else "failed"
            if got.get(r["id"]) != want:
                out.append(f"ticket {r['id']}: print {r['reason']} but print_status {got.get(r['id'])}")
    return out


def integrity(url: str) -> list[str]:
    if not url.startswith("sqlite"):
        return []
    import sqlite3

    con = sqlite3.connect(url.split("///", 1)[1])
    try:
        res = [r[0] for r in con.execute("PRAGMA integrity_check")]
    finally:
        con.close()
    return [] if res == ["ok"] else [f"integrity_check: {res[:5]}"]


def event_chain(url: str) -> list[str]:
    """Every office's events form one unbroken hash chain (DESIGN §13), however many processes wrote."""
    from queue_core.db import Database
    from queue_core.eventlog import verify

    db = Database(url)
    try:
        report = verify(db)
    finally:
        db.dispose()
    return [f"event chain: {b.describe()}" for b in report.breaks]


def check_all(url: str, day: date, logs: list[dict]) -> tuple[list[str], dict]:
    """Every invariant; returns (problems, figures)."""
    problems = integrity(url)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as c:
            problems += numbering(c)
            replayed, kinds = replay(c)
            problems += replayed
            problems += times(c)
            problems += one_day(c, day)
            problems += logs_vs_db(c, logs)
            problems += prints(c, logs)
            problems += never_empty_while_one_waits(c, logs)
    finally:
        engine.dispose()
    problems += audit(url, day)
    problems += event_chain(url)
    escaped = [r for r in logs if r["op"] == "escaped"]
    problems += [f"error escaped in {r['worker']}: {r['tb'][-800:]}" for r in escaped]
    return problems, kinds
