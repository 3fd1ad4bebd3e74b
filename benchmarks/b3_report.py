"""B3: the quarterly report with every metric (all groupings and the priority audit), against the
shortest raw code that computes the same figures from the same rows. Two situations, two floors:

* **rolled-up quarter** — every office-day of the quarter is rolled up (``ticket_fact``,
  ``audit_day``), as it is once each day has had its first report. Subject: ``compute_report``.
  Floor: one raw query over ``ticket_fact`` and two over ``audit_day`` on the driver's cursor, and
  the figures of every group (counts, means, median, p90, max, within-target, ratings, the
  out-of-turn section, the audit's sums, the event chain's stored verdicts) in numpy, straight from
  those rows.
* **first report** — the quarter was never reported (no rollups). Subject: ``compute_report``,
  which first rolls up every closed office-day (facts and audit, written once) and then reads them.
  Floor: the per-ticket facts computed from the tickets and their events by one SELECT (the one the
  rollup runs, :func:`queue_core.reports.facts.facts_query`, sent as raw SQL, nothing written), the
  same numpy figures, and the audit's replay of the events (:func:`queue_core.reports.audit.replay`
  — the §4 order has no shorter raw form), and the event log's hash chain: one raw walk of the
  quarter's events, each hash recomputed (:mod:`queue_core.eventlog`). What the subject does on top
  is storing the rollups and reading them back.

Floor, then report, ``repeats`` times, best of each. The floor's figures are checked against the
report's (totals, and the issued count of every group of every grouping), so both compute the same.
"""

from __future__ import annotations

import json
import time
from datetime import UTC
from enum import Enum
from pathlib import Path

import numpy as np

from .common import CACHE, MONDAY_9, PG_URL, Row, ms
from .history import QUARTER, VERSION, HistoryMissing, label, pg_history, rollup_file, sqlite_history

TARGET = 3.0
LARGE, SMALL = 1_000_000, 10_000
PERIOD = "2025Q3"
GROUPINGS = ("service", "category", "day", "hour", "window", "operator")  # reports.DEFAULT_GROUPINGS

_COLS = ("service", "category", "window", "operator", "wait", "total_wait", "service_s", "walk_sum", "small")
# The small numbers of a ticket in one integer, so that a million rows come out of the driver as few
# Python objects: rating 3 bits, within + 1 2 bits, four flags, status 3 bits, hour 5, walk_n 16, day.
_SMALL = (("rating", 0, 3), ("within", 3, 2), ("declined", 5, 1), ("verified", 6, 1), ("oot", 7, 1),
          ("redirected", 8, 1), ("status", 9, 3), ("hour", 12, 5), ("walk_n", 17, 16), ("day", 33, 30))
_SELECT = ("SELECT service_id, category_id, window_id, operator_id, wait_s, total_wait_s, service_s, walk_sum, "
           "COALESCE(rating, 0) + COALESCE(within + 1, 0) * 8 + declined * 32 + verified * 64 + oot * 128 "
           "+ redirected * 256 + CASE status WHEN 'done' THEN 1 WHEN 'no_show' THEN 2 WHEN 'cancelled' THEN 3 "
           "WHEN 'expired' THEN 4 ELSE 0 END * 512 + hour * 4096 + walk_n * 131072 + ({day}) * 8589934592 "
           "FROM {source}")
_DAY = {"sqlite": "CAST(julianday(day) AS INTEGER)", "postgresql": "day - DATE '1970-01-01'"}
_AUDIT = "SELECT calls_by_rule, violations, deviations, exempt, findings FROM audit_day WHERE day BETWEEN {a} AND {b}"
_CHAIN = "SELECT sum(chain_events), count(chain_break) FROM audit_day WHERE day BETWEEN {a} AND {b}"
# The event log's hash chain (queue_core.eventlog), every event of the quarter in one raw walk.
_EVENTS = {"sqlite": "SELECT id, ticket_id, kind, at, window_id, operator_id, data, prev_hash, hash, office_id "
                     "FROM ticket_event ORDER BY office_id, id",
           "postgresql": "SELECT id, ticket_id, kind, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), "
                         "window_id, operator_id, data::text, prev_hash, hash, office_id FROM ticket_event "
                         "ORDER BY office_id, id"}


def _raw(conn, sql: str, params: tuple | dict = ()) -> list:  # noqa: ANN001 - a SQLAlchemy Connection
    """Plain tuples from the driver's own cursor."""
    cur = conn.connection.dbapi_connection.cursor()
    try:
        cur.execute(sql, params)
        return cur.fetchall()
    finally:
        cur.close()


def _keys(conn) -> dict[str, dict[int, object]]:  # noqa: ANN001
    """Group keys by id, as the report merges them: services by slug, windows by number."""
    return {"service": dict(_raw(conn, "SELECT id, slug FROM service")),
            "window": dict(_raw(conn, "SELECT id, number FROM \"window\"")),
            "category": dict(_raw(conn, "SELECT id, slug FROM category")),
            "operator": dict(_raw(conn, "SELECT id, login FROM operator"))}


def _figures(rows: list, keys: dict[str, dict[int, object]]) -> dict:
    """Every figure of the report, per grouping and group, from per-ticket rows of ``_COLS``:
    counts and sums by ``bincount``; medians and p90 (numpy's linear rule) from one sort by value per
    measure and a stable sort by group per grouping."""
    a = np.array(rows, dtype=np.float64).reshape(len(rows), len(_COLS))
    c = {name: a[:, i] for i, name in enumerate(_COLS)}
    small = c.pop("small").astype(np.int64)
    for name, shift, bits in _SMALL:
        c[name] = (small >> shift) & ((1 << bits) - 1)
    c["within"] = np.where(c["within"] == 0, np.nan, c["within"] - 1.0)
    c["rating"] = np.where(c["rating"] == 0, np.nan, c["rating"] * 1.0)
    ok = {name: (~np.isnan(c[name])).astype(np.float64) for name in ("wait", "total_wait", "service_s", "walk_sum",
                                                                       "rating", "within")}
    value = {name: np.nan_to_num(c[name]) for name in ok}
    weights = {"served": c["status"] == 1, "no_show": c["status"] == 2, "cancelled": c["status"] == 3,
               "expired": c["status"] == 4, "top2": c["rating"] >= 4}
    weights = {k: v.astype(np.float64) for k, v in weights.items()}
    by_value = {}  # the rows with a value, sorted by it, once per measure
    for name in ("wait", "service_s"):
        rows_ = np.flatnonzero(ok[name])
        rows_ = rows_[np.argsort(c[name][rows_], kind="stable")]
        by_value[name] = (rows_, c[name][rows_])

    def key(name: str) -> np.ndarray:
        raw = np.nan_to_num(c[name], nan=-1).astype(np.int64)
        if name not in keys:
            return raw
        names = {v: i for i, v in enumerate(sorted({str(v) for v in keys[name].values()}))}
        lut = np.full(max(keys[name], default=0) + 2, -1, dtype=np.int64)  # lut[-1]: no id
        for i, v in keys[name].items():
            lut[i] = names[str(v)]
        return lut[raw]

    def stats(g: np.ndarray, m: int) -> dict:
        def total(w: np.ndarray) -> np.ndarray:
            return np.bincount(g, weights=w, minlength=m)

        def mean(name: str) -> np.ndarray:
            return total(value[name]) / np.maximum(total(ok[name]), 1)

        small_g = g.astype(np.int16) if m < 2**15 else g  # a stable sort of 16-bit keys is a radix sort

        def quantiles(name: str, *ps: float) -> list[np.ndarray]:
            rows, values = by_value[name]
            vi = values[np.argsort(small_g[rows], kind="stable")]  # by group, by value within each group
            n = np.bincount(g[rows], minlength=m)
            first = np.cumsum(n) - n
            out = []
            for p in ps:
                h = (n - 1) * p
                lo = np.floor(np.maximum(h, 0)).astype(np.int64)
                hi = np.minimum(lo + 1, np.maximum(n - 1, 0))
                x, y = (vi[np.minimum(first + k, max(len(vi) - 1, 0))] if len(vi) else np.zeros(m) for k in (lo, hi))
                out.append(np.where(n > 0, x + (h - lo) * (y - x), np.nan))
            return out

        return {"issued": np.bincount(g, minlength=m), "called": total(ok["wait"]),
                **{k: total(weights[k]) for k in ("served", "no_show", "cancelled", "expired")},
                **{k: total(c[k].astype(np.float64)) for k in ("redirected", "walk_n", "verified", "declined")},
                "wait": [mean("wait"), *quantiles("wait", 0.5, 0.9, 1.0)], "total_wait_mean": mean("total_wait"),
                "within": total(value["within"]), "target_base": total(ok["within"]),
                "service": [mean("service_s"), *quantiles("service_s", 0.5)], "walk_sum": total(value["walk_sum"]),
                "rating": [total(ok["rating"]), mean("rating"), total(weights["top2"])]}

    out: dict = {"total": stats(np.zeros(len(a), dtype=np.int64), 1)}
    out["out_of_turn"] = stats(np.where(c["oot"] == 1, 0, 1), 2)  # group 0: the out-of-turn tickets
    for name in GROUPINGS:
        groups, g = np.unique(key(name), return_inverse=True)
        out[name] = (groups, stats(g.reshape(-1), len(groups)))
    return out


def _audit_sums(parts: list[tuple]) -> dict:
    calls, violations, deviations, findings = 0, 0, 0, 0
    for by_rule, v, d, _exempt, f in parts:
        by_rule = json.loads(by_rule) if isinstance(by_rule, str) else by_rule
        calls += sum(by_rule.values())
        violations, deviations = violations + v, deviations + d
        findings += len(json.loads(f) if isinstance(f, str) else f)
    return {"calls": calls, "violations": violations, "deviations": deviations, "findings": findings}


def _floor_rolled_up(db) -> dict:  # noqa: ANN001
    with db.read() as s:
        conn = s.connection()
        dialect = conn.dialect.name
        a, b = (f"'{d.isoformat()}'" for d in QUARTER)
        rows = _raw(conn, _SELECT.format(day=_DAY[dialect], source=f"ticket_fact WHERE day BETWEEN {a} AND {b}"))
        audit = _raw(conn, _AUDIT.format(a=a, b=b))
        events, breaks = _raw(conn, _CHAIN.format(a=a, b=b))[0]
        keys = _keys(conn)
    return {**_figures(rows, keys), "audit": _audit_sums(audit), "chain": (int(events or 0), breaks == 0)}


def _floor_from_events(db) -> dict:  # noqa: ANN001
    from queue_core.reports.audit import replay
    from queue_core.reports.facts import facts_query

    with db.read() as s:
        conn = s.connection()
        dialect = conn.dialect.name
        q = facts_query(conn, *QUARTER, None).compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
        values = {k: v.value if isinstance(v, Enum) else v for k, v in q.params.items()}
        params = tuple(values[k] for k in q.positiontup) if q.positional else values
        rows = _raw(conn, _SELECT.format(day=_DAY[dialect], source=f"({q.string}) AS f"), params)
        parts = replay(conn, *QUARTER, None)
        chain = _walk_chain(conn)
        keys = _keys(conn)
    audit = [(dict(p.calls_by_rule), p.violations, p.deviations, p.exempt, p.findings) for p in parts.values()]
    return {**_figures(rows, keys), "audit": _audit_sums(audit), "chain": chain}


def _walk_chain(conn) -> tuple[int, bool]:  # noqa: ANN001
    """Every event's hash recomputed and linked to the one before, in one raw walk (the history is the quarter)."""
    from queue_core.eventlog import GENESIS, _check

    prev, office, n, ok = GENESIS, None, 0, True
    for row in _raw(conn, _EVENTS[conn.dialect.name]):
        if row[9] != office:
            prev, office = GENESIS, row[9]
        ok = ok and _check(row[:9], office, prev) is None
        prev = row[8]
        n += 1
    return n, ok


def _check(floor: dict, report) -> None:  # noqa: ANN001 - a Report
    """The floor computed the report's figures (totals; every group's count, median and p90 wait)."""
    t, f = report.total, floor["total"]
    mine = tuple(int(f[k][0]) for k in ("issued", "called", "served", "no_show", "cancelled", "expired", "redirected",
                                         "within", "target_base")) + (
        int(f["rating"][0][0]), round(float(f["wait"][1][0]), 3), round(float(f["wait"][2][0]), 3),
        round(float(f["service"][1][0]), 3))
    theirs = (t.issued, t.called, t.served, t.no_show, t.cancelled, t.expired, t.redirected, t.within_target,
              t.target_base, t.rating_count, t.wait_median_s, t.wait_p90_s, t.service_median_s)
    assert mine == theirs, (mine, theirs)
    assert int(floor["out_of_turn"]["issued"][0]) == report.out_of_turn.count
    for name in GROUPINGS:
        st = floor[name][1]
        mine = sorted((int(st["issued"][i]), round(float(st["wait"][1][i]), 3), round(float(st["wait"][2][i]), 3))
                      for i in range(len(floor[name][0])) if st["called"][i])
        theirs = sorted((g.metrics.issued, g.metrics.wait_median_s, g.metrics.wait_p90_s)
                        for g in report.groups[name] if g.metrics.called)
        assert mine == theirs, (name, mine[:3], theirs[:3])
    pa = report.priority_audit
    assert (floor["audit"]["calls"], floor["audit"]["violations"]) == (pa.calls, pa.out_of_turn_violations)
    assert floor["chain"] == (report.event_log.checked, report.event_log.ok)


def _clear_rollups(db) -> None:  # noqa: ANN001
    import sqlalchemy as sa

    with db.write() as s:
        for table in ("ticket_fact", "audit_day"):
            s.execute(sa.text(f"DELETE FROM {table} WHERE day BETWEEN :a AND :b"), {"a": QUARTER[0], "b": QUARTER[1]})


def _measure(url: str, *, first: bool, repeats: int) -> tuple[float, float, int]:
    from queue_core.db import Database
    from queue_core.reports import DEFAULT_GROUPINGS, compute_report

    assert tuple(DEFAULT_GROUPINGS) == GROUPINGS
    db = Database(url)
    now = MONDAY_9.astimezone(UTC)
    a: list[float] = []
    b: list[float] = []
    try:
        compute_report(db, PERIOD, None, by=(), audit=False, now=now)  # rolled up before timing (first: again)
        for i in range(repeats):
            if first:
                _clear_rollups(db)  # never reported (not timed); the floor reads no rollups either way
            for step in ((0, 1) if i % 2 == 0 else (1, 0)):  # alternate, so drift hits both
                t = time.perf_counter()
                if step == 0:
                    floor = _floor_from_events(db) if first else _floor_rolled_up(db)
                    b.append(time.perf_counter() - t)
                else:
                    report = compute_report(db, PERIOD, None, by=GROUPINGS, audit=True, now=now)
                    a.append(time.perf_counter() - t)
            _check(floor, report)
    finally:
        db.dispose()
    return min(a), min(b), report.total.issued  # best of the runs


def _fmt(x: float) -> str:
    return ms(x) if x < 1 else f"{x:.2f} s"


def run(backend: str, *, repeats: int = 3, log=print, build: bool = True) -> list[Row]:  # noqa: ANN001
    """Rolled-up quarter at 1 M and 10 k tickets, first report at 10 k (``build``: may build the 1 M
    PostgreSQL history; the 10 k one is always built when missing, it takes seconds)."""
    rows: list[Row] = []
    for n, first in ((LARGE, False), (SMALL, False), (SMALL, True)):
        what = "first quarterly report (rolls the quarter up)" if first else "quarterly report, rolled-up days"
        try:
            url = (sqlite_history(n, log) if backend == "sqlite"
                   else pg_history(n, PG_URL, log, build=build or n == SMALL))
        except HistoryMissing as e:
            rows.append(Row("B3", f"{what}, {n:,} tickets, {backend}", "skipped", target="—", note=str(e)))
            continue
        subject, floor, tickets = _measure(url, first=first, repeats=repeats if n == LARGE else 3 * repeats)
        ratio = subject / floor
        note = ""
        if n == LARGE:
            history = (Path(url.split("///", 1)[1]) if backend == "sqlite"
                       else CACHE / f"talon_bench_h{label(n)}_v{VERSION}.pg")
            record = rollup_file(history)
            note = f"rollup at build: {record.read_text(encoding='utf-8').strip()}" if record.exists() else ""
        rows.append(Row("B3", f"{what}, {tickets:,} tickets, {backend}", _fmt(subject),
                        _fmt(floor), ratio, f"≤ {TARGET:g}", ratio <= TARGET, note))
    return rows
