"""An independent computation of the §8 measures straight from the raw rows, in plain Python.

It shares no code with queue_core.reports: it reads every ticket and event of the period with raw
SQL, walks each ticket's events in order and computes each measure the long way, so the report's
SQL can be checked against it.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa


def _dt(v) -> datetime:  # noqa: ANN001
    if isinstance(v, str):
        v = datetime.fromisoformat(v)
    return v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)


def _pct(xs: list[float], p: float) -> float | None:
    if not xs:
        return None
    xs = sorted(xs)
    h = (len(xs) - 1) * p
    lo = math.floor(h)
    return xs[lo] + (h - lo) * (xs[min(lo + 1, len(xs) - 1)] - xs[lo])


def tickets_by_hand(engine: sa.Engine, start: date, end: date, tz: str) -> list[dict]:
    """One dict per ticket of the period with its keys and measures."""
    zone = ZoneInfo(tz)
    with engine.connect() as c:
        svc = {r.id: r for r in c.execute(sa.text("SELECT id, slug, target_wait_min FROM service"))}
        cat = {r.id: r for r in c.execute(sa.text("SELECT id, slug, target_wait_min, out_of_turn FROM category"))}
        win = {r.id: r.number for r in c.execute(sa.text("SELECT id, number FROM window"))}
        ops = {r.id: r.login for r in c.execute(sa.text("SELECT id, login FROM operator"))}
        tickets = c.execute(sa.text("SELECT * FROM ticket")).mappings().all()
        events = defaultdict(list)
        for e in c.execute(sa.text("SELECT ticket_id, id, kind, at, data FROM ticket_event ORDER BY id")):
            events[e.ticket_id].append((e.kind, _dt(e.at), e.data if isinstance(e.data, dict) else json.loads(e.data)))
    oot_slugs = {r.slug for r in cat.values() if r.out_of_turn}
    out = []
    for t in tickets:
        day = t["day"] if isinstance(t["day"], date) else date.fromisoformat(t["day"])
        if not start <= day <= end:
            continue
        issued = _dt(t["issued_at"])
        evs = events[t["id"]]
        calls = [at for k, at, _ in evs if k == "called"]
        wait = (calls[0] - issued).total_seconds() if calls else None
        # total wait: each queue entry until the call that ends it
        total, entry, walks, last_call = 0.0, None, [], None
        for k, at, _ in evs:
            if k in ("issued", "redirected", "returned", "category_declined"):
                entry = at
            elif k == "called":
                if entry is not None:
                    total += (at - entry).total_seconds()
                entry, last_call = None, at
            elif k in ("postponed", "cancelled", "expired"):
                entry = None
            if k == "started":
                walks.append((at - last_call).total_seconds())
        left = [at for k, at, _ in evs if k in ("cancelled", "expired")]
        c_ = cat[t["category_id"]]
        target = 60 * (c_.target_wait_min or svc[t["service_id"]].target_wait_min)
        if wait is not None:
            within = 1 if wait <= target + 1e-6 else 0
        elif left and (left[-1] - issued).total_seconds() > target:
            within = 0
        else:
            within = None
        declined = [d.get("from_category") for k, _, d in evs if k == "category_declined"]
        service_s = ((_dt(t["finished_at"]) - _dt(t["started_at"])).total_seconds()
                     if t["status"] == "done" else None)
        out.append({
            "service": svc[t["service_id"]].slug, "category": c_.slug, "day": day.isoformat(),
            "hour": f"{issued.astimezone(zone).hour:02d}",
            "window": str(win[t["window_id"]]) if t["window_id"] else None,
            "operator": ops.get(t["operator_id"]), "status": t["status"], "wait": wait,
            "total_wait": total if calls else None, "walks": walks, "service_s": service_s, "within": within,
            "rating": t["rating"], "redirected": any(k == "redirected" for k, _, _ in evs),
            "oot": bool(c_.out_of_turn) or any(d in oot_slugs for d in declined),
        })
    return out


def metrics_by_hand(rows: list[dict]) -> dict:
    """The JSON metric keys of one group."""
    waits = [r["wait"] for r in rows if r["wait"] is not None]
    svc = [r["service_s"] for r in rows if r["service_s"] is not None]
    walks = [w for r in rows for w in r["walks"]]
    tw = [r["total_wait"] for r in rows if r["total_wait"] is not None]
    base = [r["within"] for r in rows if r["within"] is not None]
    ratings = [r["rating"] for r in rows if r["rating"] is not None]
    mean = lambda xs: sum(xs) / len(xs) if xs else None  # noqa: E731
    status = lambda s: sum(r["status"] == s for r in rows)  # noqa: E731
    return {
        "issued": len(rows), "called": len(waits), "served": status("done"), "no_show": status("no_show"),
        "cancelled": status("cancelled"), "expired": status("expired"),
        "redirected": sum(r["redirected"] for r in rows),
        "wait_mean_s": mean(waits), "wait_median_s": _pct(waits, 0.5), "wait_p90_s": _pct(waits, 0.9),
        "wait_max_s": max(waits) if waits else None, "total_wait_mean_s": mean(tw),
        "within_target": sum(base), "target_base": len(base),
        "within_target_pct": round(100 * sum(base) / len(base), 1) if base else None,
        "service_mean_s": mean(svc), "service_median_s": _pct(svc, 0.5), "walk_mean_s": mean(walks),
        "rating_count": len(ratings), "rating_mean": mean(ratings),
        "rating_top2_pct": round(100 * sum(r >= 4 for r in ratings) / len(ratings), 1) if ratings else None,
    }


def grouped_by_hand(rows: list[dict], key: str) -> dict:
    groups: dict = defaultdict(list)
    for r in rows:
        groups[r[key]].append(r)
    return {k: metrics_by_hand(v) for k, v in groups.items()}
