"""The report as plain frozen values, and its JSON form (the keys are documented in README.md).

Every time is in seconds (floats rounded to milliseconds); percentages are 0–100 with one decimal;
a metric with nothing to measure (no called ticket in a group…) is ``None`` / JSON ``null``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from typing import TYPE_CHECKING

from .period import Period

if TYPE_CHECKING:  # the chain module reads the database; the report only carries its verdict
    from ..eventlog import ChainReport

# The grouping dimensions a report can be broken down by, with their Russian titles.
GROUPINGS = {
    "service": "Услуга",
    "category": "Категория",
    "segment": "Сегмент",
    "day": "День",
    "hour": "Час",
    "window": "Окно",
    "operator": "Оператор",
    "office": "Офис",
}


@dataclass(frozen=True)
class Metrics:
    """The §8 measures of one group of tickets (see :mod:`queue_core.reports.facts` for each rule)."""

    issued: int = 0
    called: int = 0
    served: int = 0
    no_show: int = 0
    cancelled: int = 0
    expired: int = 0
    redirected: int = 0
    wait_mean_s: float | None = None
    wait_median_s: float | None = None
    wait_p90_s: float | None = None
    wait_max_s: float | None = None
    total_wait_mean_s: float | None = None
    within_target: int = 0  # numerator of within_target_pct
    target_base: int = 0  # its denominator (§8 rule)
    within_target_pct: float | None = None
    service_mean_s: float | None = None
    service_median_s: float | None = None
    walk_mean_s: float | None = None
    rating_count: int = 0
    rating_mean: float | None = None
    rating_top2_pct: float | None = None

    def to_json(self) -> dict:
        return asdict(self)


METRIC_KEYS = tuple(f.name for f in fields(Metrics))


@dataclass(frozen=True)
class Group:
    key: str  # stable: service slug, category slug, ISO day, hour "09", window number, login…
    label: str  # Russian, for people
    metrics: Metrics

    def to_json(self) -> dict:
        return {"key": self.key, "label": self.label, **self.metrics.to_json()}


@dataclass(frozen=True)
class OutOfTurn:
    """Tickets issued in an out-of-turn category (СВО), whatever happened to the claim later."""

    count: int = 0
    verified: int = 0
    declined: int = 0
    called: int = 0
    served: int = 0
    wait_mean_s: float | None = None
    wait_median_s: float | None = None
    wait_p90_s: float | None = None
    wait_max_s: float | None = None
    within_target: int = 0
    target_base: int = 0
    within_target_pct: float | None = None

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Finding:
    """One call the audit objects to (or counts apart)."""

    kind: str  # "out_of_turn_violation" | "policy_deviation" | "anti_starvation" | "by_code" | "direct"
    event_id: int
    at: datetime  # UTC
    day: date
    window: int | None
    ticket: str  # code of the ticket called
    ahead: str  # code of a waiting ticket that should have come first
    rule: str
    reason: str

    def to_json(self) -> dict:
        return {"kind": self.kind, "event_id": self.event_id,
                "at": self.at.isoformat().replace("+00:00", "Z"), "day": self.day.isoformat(),
                "window": self.window, "ticket": self.ticket, "ahead": self.ahead, "rule": self.rule,
                "reason": self.reason}


@dataclass(frozen=True)
class PriorityAudit:
    """§8 priority audit, recomputed by replaying the queue from the event log."""

    calls: int = 0  # every `called` event of the period's tickets
    calls_by_rule: dict[str, int] = field(default_factory=dict)  # as stored on the events
    out_of_turn_violations: int = 0  # (a): must be 0, always
    policy_deviations: int = 0  # (b) among calls the policy made: must be 0
    # (b) among calls exempt from the order, counted apart: rule -> {"calls", "deviations", "reasons"}
    exempt: dict[str, dict] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()  # violations and deviations, first ones (capped)

    @property
    def ok(self) -> bool:
        return self.out_of_turn_violations == 0 and self.policy_deviations == 0

    def to_json(self) -> dict:
        return {"ok": self.ok, "calls": self.calls, "calls_by_rule": dict(self.calls_by_rule),
                "out_of_turn_violations": self.out_of_turn_violations,
                "policy_deviations": self.policy_deviations,
                "exempt": {k: dict(v) for k, v in self.exempt.items()},
                "findings": [f.to_json() for f in self.findings]}


@dataclass(frozen=True)
class Right:
    """One entry of the register of rights (DESIGN.md §3): a category, what it gives, on what legal
    basis and on which days, as the database held it when the report was made."""

    category: str  # slug
    name: str
    priority: int
    out_of_turn: bool
    verify: bool
    basis: str
    valid_from: date | None = None
    valid_to: date | None = None

    @property
    def validity_ru(self) -> str:
        """«бессрочно», «с 01.01.2025», «по 31.12.2025», «с 01.01.2025 по 31.12.2025»."""
        parts = [f"с {self.valid_from:%d.%m.%Y}" if self.valid_from else "",
                 f"по {self.valid_to:%d.%m.%Y}" if self.valid_to else ""]
        return " ".join(p for p in parts if p) or "бессрочно"

    def in_period_ru(self, period: Period) -> str:
        """Whether the right was in force during ``period``: «весь период», «часть периода», «не действовало»."""
        first = max(period.start, self.valid_from or period.start)
        last = min(period.end, self.valid_to or period.end)
        if first > last:
            return "не действовало"
        return "весь период" if (first, last) == (period.start, period.end) else "часть периода"

    def to_json(self) -> dict:
        return {"category": self.category, "name": self.name, "priority": self.priority,
                "out_of_turn": self.out_of_turn, "verify": self.verify, "basis": self.basis,
                "valid_from": self.valid_from.isoformat() if self.valid_from else None,
                "valid_to": self.valid_to.isoformat() if self.valid_to else None}


@dataclass(frozen=True)
class Report:
    period: Period
    office: str | None  # office code, None = all offices
    office_name: str
    generated_at: datetime
    total: Metrics
    groups: dict[str, tuple[Group, ...]]  # grouping name -> rows, in display order
    out_of_turn: OutOfTurn
    priority_audit: PriorityAudit | None  # None when not asked for
    timezone: str = "UTC"  # the office's zone (for showing instants); UTC when several offices
    rights: tuple[Right, ...] = ()  # the register of rights, the strongest right first
    event_log: ChainReport | None = None  # the hash chain of the period's events (§13); None when not asked for

    @property
    def out_of_turn_names(self) -> str:
        """The out-of-turn categories the ``out_of_turn`` measures cover, for a title."""
        return "; ".join(r.name for r in self.rights if r.out_of_turn) or "категорий вне очереди нет"

    def to_json(self) -> dict:
        return {
            "period": {"from": self.period.start.isoformat(), "to": self.period.end.isoformat(),
                       "label": self.period.label},
            "office": self.office,
            "office_name": self.office_name,
            "timezone": self.timezone,
            "generated_at": self.generated_at.isoformat().replace("+00:00", "Z"),
            "total": self.total.to_json(),
            "groups": {name: [g.to_json() for g in rows] for name, rows in self.groups.items()},
            "out_of_turn": self.out_of_turn.to_json(),
            "priority_audit": self.priority_audit.to_json() if self.priority_audit else None,
            "rights": [r.to_json() for r in self.rights],
            "event_log": self.event_log.to_json() if self.event_log else None,
        }
