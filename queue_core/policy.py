"""Who is called next: the one definition of the order (DESIGN.md §4).

``choose_next`` is pure: plain values in, ``(ticket, rule, reason)`` out. The service layer
runs it inside the transaction that claims the ticket.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from datetime import datetime, timedelta

from .domain import CallRule


@dataclass(frozen=True)
class Candidate:
    """A waiting ticket as the policy sees it."""

    id: int
    code: str
    service: str
    category: str
    category_label: str  # for the reason, e.g. «участник СВО»
    priority: int
    out_of_turn: bool
    queued_at: datetime  # the instant it sorts by (rule 5)


@dataclass(frozen=True)
class WindowContext:
    """The calling window: its service weights and how many priority calls it made in a row."""

    weights: Mapping[str, int]
    now: datetime
    priority_streak: int = 0


@dataclass(frozen=True)
class Policy:
    max_priority_streak: int = 0  # 0 = anti-starvation off
    starvation_wait_min: float = 30


@dataclass(frozen=True)
class Choice:
    ticket: Candidate
    rule: CallRule
    reason: str


# The order of §4 as data, first difference wins: (what the rule reads, which way it sorts).
# rank() below and every SQL ordering (queue_core.views: "people ahead") are built from this list.
ORDER: tuple[tuple[str, str], ...] = (
    ("out_of_turn", "true_first"),  # 1. out-of-turn categories first, whatever the weights
    ("weight", "zero_last"),  # 2. weight 0: only when nothing else waits for this window
    ("priority", "desc"),  # 3. category priority, higher first
    ("weight", "desc"),  # 4. service weight for this window, higher first
    ("queued_at", "asc"),  # 5. earlier first
    ("id", "asc"),  # then the ticket id
)


def sort_value(value: Any, way: str) -> Any:  # a bool, int or datetime, by the rule
    """One rule's part of the sort key (smaller is called first); None: the rule does not apply to
    this ticket (the weights of an out-of-turn one) and ranks it with the first."""
    if value is None:
        return 0
    if way == "true_first":
        return 0 if value else 1
    if way == "zero_last":
        return 1 if value == 0 else 0
    return -value if way == "desc" else value


def rank(c: Candidate, weights: Mapping[str, int]) -> tuple:
    """The sort key of §4 (:data:`ORDER`); the smallest key is called first."""
    # An out-of-turn right is the law's, not the office's routing: weights never order those tickets.
    values = {"out_of_turn": c.out_of_turn, "weight": None if c.out_of_turn else weights[c.service],
              "priority": c.priority, "queued_at": c.queued_at, "id": c.id}
    return tuple(sort_value(values[what], way) for what, way in ORDER)


def is_priority(c: Candidate) -> bool:
    """A priority ticket that is not out-of-turn: the kind anti-starvation counts."""
    return c.priority > 0 and not c.out_of_turn


def choose_next(candidates: Iterable[Candidate], window: WindowContext, policy: Policy) -> Choice | None:
    """Pick the ticket this window calls next, or None when nothing eligible waits."""
    eligible = [c for c in candidates if c.service in window.weights]
    if not eligible:
        return None
    best = min(eligible, key=lambda c: rank(c, window.weights))
    oldest = min(eligible, key=lambda c: (c.queued_at, c.id))
    if (
        policy.max_priority_streak
        and not best.out_of_turn
        and is_priority(best)
        and window.priority_streak >= policy.max_priority_streak
    ):
        regular = [c for c in eligible if c.priority == 0 and not c.out_of_turn]
        starving = min(regular, key=lambda c: (c.queued_at, c.id), default=None)
        if starving and window.now - starving.queued_at > timedelta(minutes=policy.starvation_wait_min):
            return Choice(starving, CallRule.ANTI_STARVATION,
                          f"ожидает дольше всех (после {window.priority_streak} приоритетных вызовов)")
    return Choice(best, *_why(best, oldest, window.weights))


def _why(best: Candidate, oldest: Candidate, weights: Mapping[str, int]) -> tuple[CallRule, str]:
    if best.out_of_turn:
        return CallRule.OUT_OF_TURN, f"вне очереди: {best.category_label}"
    if weights[best.service] == 0:
        return CallRule.FALLBACK_SERVICE, "резервная услуга окна: других посетителей нет"
    if best.priority > 0:
        return CallRule.PRIORITY, f"приоритетная категория: {best.category_label}"
    if best.id == oldest.id:
        return CallRule.LONGEST_WAIT, "ожидает дольше всех"
    return CallRule.SERVICE_WEIGHT, "основная услуга окна"
