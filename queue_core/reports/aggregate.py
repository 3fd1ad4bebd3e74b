"""Grouping the per-ticket facts: every §8 measure of every group, with numpy.

The facts of a period (one row per ticket, the columns of ``ticket_fact``) are loaded once into
columns; each grouping is then a handful of ``bincount`` sums and one sort per timed measure for
the medians and p90 — a quarterly report over a million tickets is seconds, not a GROUP BY and a
window query per grouping and measure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import sqlalchemy as sa
from sqlalchemy.sql.base import ColumnCollection
from sqlalchemy.sql.elements import ColumnElement

from ..domain import TicketStatus as S

EPOCH = date(1970, 1, 1)
_STATUS = {str(S.DONE): 1, str(S.NO_SHOW): 2, str(S.CANCELLED): 3, str(S.EXPIRED): 4}


@dataclass
class Aggregate:
    """Raw sums of one group, before they become :class:`~queue_core.reports.model.Metrics`."""

    issued: int
    called: int
    served: int
    no_show: int
    cancelled: int
    expired: int
    redirected: int
    wait_mean: float | None
    wait_max: float | None
    total_wait_mean: float | None
    service_mean: float | None
    walk_sum: float | None
    walk_n: int
    within: int
    target_base: int
    rating_count: int
    rating_mean: float | None
    rating_top2: int
    oot_verified: int
    oot_declined: int
    wait_median: float | None = None
    wait_p90: float | None = None
    service_median: float | None = None


# The columns a report loads per ticket: ids, the four timed measures, and every small number
# packed into one integer (far fewer values to carry out of the database for a million tickets).
LOAD_COLUMNS = ("office_id", "service_id", "category_id", "window_id", "operator_id",
                "wait_s", "total_wait_s", "service_s", "walk_sum", "packed")
# packed, from the lowest bit: rating (3 bits, 0 = none), within + 1 (2 bits, 0 = not counted),
# declined, verified, oot, redirected (1 bit each), status code (3 bits, _STATUS), hour (5 bits),
# walk_n (16 bits), the day as days since 1970-01-01 (the rest; exact in a float64 until 3405).
_SHIFT = {"rating": 0, "within": 3, "declined": 5, "verified": 6, "oot": 7, "redirected": 8, "status": 9,
          "hour": 12, "walk_n": 17, "day": 33}
_BITS = {"rating": 3, "within": 2, "declined": 1, "verified": 1, "oot": 1, "redirected": 1, "status": 3,
         "hour": 5, "walk_n": 16}


def packed_expression(c: ColumnCollection, day_number: ColumnElement) -> ColumnElement:
    """The ``packed`` column for a table ``c`` with the columns of ``ticket_fact``."""
    status = sa.case(*((c.status == s, code) for s, code in _STATUS.items()), else_=0)
    parts = {"rating": sa.func.coalesce(c.rating, 0), "within": sa.func.coalesce(c.within + 1, 0),
             "declined": c.declined, "verified": c.verified, "oot": c.oot, "redirected": c.redirected,
             "status": status, "hour": c.hour, "walk_n": c.walk_n,
             "day": sa.cast(day_number, sa.BigInteger)}
    out = None
    for name, shift in _SHIFT.items():
        term = parts[name] * sa.cast(sa.literal(1 << shift), sa.BigInteger) if shift else parts[name]
        out = term if out is None else out + term
    return out


class FactSet:
    """The facts of a period as numpy columns, from rows of :data:`LOAD_COLUMNS`
    (None stands for a missing value or id)."""

    def __init__(self, rows: Sequence[tuple]) -> None:
        self.n = len(rows)
        a = np.array(rows, dtype=np.float64).reshape(self.n, len(LOAD_COLUMNS))  # rows: plain tuples
        col = {name: a[:, i] for i, name in enumerate(LOAD_COLUMNS)}

        def ids(name: str) -> np.ndarray:  # None -> -1
            return np.where(np.isnan(col[name]), -1, col[name]).astype(np.int64)

        packed = col["packed"].astype(np.int64)

        def field(name: str) -> np.ndarray:
            shifted = packed >> _SHIFT[name]
            return shifted if name == "day" else shifted & ((1 << _BITS[name]) - 1)

        self.keys = {"office": ids("office_id"), "day": field("day"), "hour": field("hour"),
                     "service": ids("service_id"), "category": ids("category_id"),
                     "window": ids("window_id"), "operator": ids("operator_id")}
        self.keys["segment"] = self.keys["service"]
        self.status = field("status")
        for name in ("wait_s", "total_wait_s", "service_s", "walk_sum"):
            setattr(self, name, np.ascontiguousarray(col[name]))
        self.within = np.where(field("within") == 0, np.nan, field("within") - 1.0)
        rating = field("rating")
        self.rating = np.where(rating == 0, np.nan, rating.astype(np.float64))
        for name in ("walk_n", "redirected", "oot", "verified", "declined"):
            setattr(self, name, field(name))

    def _by_value(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The rows with a value of ``name``, sorted by it, and the sorted values (computed once)."""
        cache = self.__dict__.setdefault("_sorted", {})
        if name not in cache:
            values = getattr(self, name)
            rows = np.nonzero(~np.isnan(values))[0]
            order = np.argsort(values[rows], kind="stable")
            cache[name] = (rows[order], values[rows][order])
        return cache[name]

    def subset(self, mask: np.ndarray) -> FactSet:
        out = object.__new__(FactSet)
        out.n = int(mask.sum())
        out.keys = {k: v[mask] for k, v in self.keys.items()}
        out.status = self.status[mask]
        for name in ("wait_s", "total_wait_s", "service_s", "walk_sum", "within", "rating", "walk_n",
                     "redirected", "oot", "verified", "declined"):
            setattr(out, name, getattr(self, name)[mask])
        return out

    def only_out_of_turn(self) -> FactSet:
        return self.subset(self.oot == 1)

    def aggregate(self, key: str | None, label_of: Callable[[int], object] | None = None) -> dict[object, Aggregate]:
        """Every measure per group of ``key`` (None: one group ``None``). ``label_of`` turns a raw
        key (an id, a day number, an hour) into the group's key; ids mapping to the same key (a
        service slug in several offices) form one group. The day key is a :class:`date`."""
        if self.n == 0:
            return {}
        if key is None:
            g, group_keys = np.zeros(self.n, dtype=np.int64), [None]
        else:
            raw_keys, inverse = _small_unique(self.keys[key])
            to_key = label_of or (lambda k: k)
            if key == "day":
                to_key = lambda k: EPOCH + timedelta(days=k)  # noqa: E731
            index: dict[object, int] = {}
            merged = np.array([index.setdefault(None if k == -1 and key in ("window", "operator")
                                                else to_key(int(k)), len(index)) for k in raw_keys], dtype=np.int64)
            g, group_keys = merged[inverse], list(index)
        m = len(group_keys)

        def count(mask: np.ndarray) -> np.ndarray:
            return np.bincount(g[mask], minlength=m)

        def total(values: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
            # Summed in whole milliseconds (the facts' precision): a float64 sum of integers is exact
            # and so does not depend on the order of the rows. Read from rollups or live, the same
            # tickets give the same mean to the last digit.
            mask = ~np.isnan(values) if mask is None else mask
            return np.bincount(g[mask], weights=np.rint(values[mask] * 1000.0), minlength=m) / 1000.0

        def mean(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            ok = ~np.isnan(values)
            n = count(ok)
            return total(values, ok) / np.maximum(n, 1), n

        issued = np.bincount(g, minlength=m)
        status = {code: count(self.status == code) for code in _STATUS.values()}
        wait_mean, called = mean(self.wait_s)
        total_wait_mean, total_wait_n = mean(self.total_wait_s)
        service_mean, service_n = mean(self.service_s)
        walk_ok = ~np.isnan(self.walk_sum)
        walk_sum, walk_sum_n = total(self.walk_sum, walk_ok), count(walk_ok)
        rating_mean, rating_n = mean(self.rating)
        within_ok = ~np.isnan(self.within)
        within, base = total(self.within, within_ok), count(within_ok)
        top2 = count(self.rating >= 4)
        sums = {name: np.bincount(g, weights=getattr(self, name), minlength=m)
                for name in ("walk_n", "redirected", "verified", "declined")}
        wait_q = _quantiles(g, m, self._by_value("wait_s"), (0.5, 0.9, 1.0))
        service_q = _quantiles(g, m, self._by_value("service_s"), (0.5,))

        def opt(values: np.ndarray, n: np.ndarray, i: int) -> float | None:
            return float(values[i]) if n[i] else None

        out: dict[object, Aggregate] = {}
        for i, k in enumerate(group_keys):
            if not issued[i]:
                continue
            out[k] = Aggregate(
                issued=int(issued[i]), called=int(called[i]), served=int(status[1][i]), no_show=int(status[2][i]),
                cancelled=int(status[3][i]), expired=int(status[4][i]), redirected=int(sums["redirected"][i]),
                wait_mean=opt(wait_mean, called, i), wait_max=wait_q[2][i],
                total_wait_mean=opt(total_wait_mean, total_wait_n, i), service_mean=opt(service_mean, service_n, i),
                walk_sum=opt(walk_sum, walk_sum_n, i), walk_n=int(sums["walk_n"][i]), within=int(within[i]),
                target_base=int(base[i]), rating_count=int(rating_n[i]), rating_mean=opt(rating_mean, rating_n, i),
                rating_top2=int(top2[i]), oot_verified=int(sums["verified"][i]),
                oot_declined=int(sums["declined"][i]), wait_median=wait_q[0][i], wait_p90=wait_q[1][i],
                service_median=service_q[0][i])
        return out


def _small_unique(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(keys, return_inverse=True)`` for keys ≥ −1 of a small range (ids, day numbers,
    hours): a counting pass instead of a sort."""
    if not len(keys):
        return keys, keys
    shifted = keys + 1 - (lo := int(keys.min()) + 1)
    present = np.bincount(shifted) > 0
    lut = np.cumsum(present) - 1
    return np.nonzero(present)[0] + lo - 1, lut[shifted]


def _quantiles(g: np.ndarray, m: int, by_value: tuple[np.ndarray, np.ndarray],
               ps: Sequence[float]) -> list[list[float | None]]:
    """Per group and per p: numpy.percentile(..., method="linear") of the group's non-null values.
    ``by_value`` = (the rows with a value, sorted by it; the sorted values): a stable sort of those
    rows by group leaves each group's values in order."""
    rows, values = by_value
    gv = g[rows]
    small = np.int16 if m < 2**15 else np.int64  # a stable sort of 16-bit keys is a radix sort
    order = np.argsort(gv.astype(small), kind="stable")
    sv = values[order]
    n = np.bincount(gv, minlength=m)
    start = np.cumsum(n) - n
    out: list[list[float | None]] = []
    for p in ps:
        h = (n - 1) * p
        lo = np.floor(h).astype(np.int64)
        hi = np.minimum(lo + 1, n - 1)
        has = n > 0
        a = np.where(has, start + np.maximum(lo, 0), 0)
        b = np.where(has, start + np.maximum(hi, 0), 0)
        v = sv[a] + (h - lo) * (sv[b] - sv[a]) if len(sv) else np.zeros(m)
        out.append([float(v[i]) if has[i] else None for i in range(m)])
    return out
