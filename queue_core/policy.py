"""Who is called next: the one definition of the order (DESIGN.md §4).

``choose_next`` is pure: plain values in, ``(ticket, rule, reason)`` out. The service layer
runs it inside the transaction that claims the ticket.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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


def rank(c: Candidate, weights: Mapping[str, int]) -> tuple:
    """The sort key of §4; the smallest key is called first. Read it as the order of the rules."""
    # An out-of-turn right is the law's, not the office's routing: weights never order those tickets.
    weight = None if c.out_of_turn else weights[c.service]
    return (
        not c.out_of_turn,  # 1. out-of-turn categories first, whatever the weights
        weight == 0,  # 2. weight 0: only when nothing else waits for this window
        -c.priority,  # 3. category priority, higher first (among out-of-turn ones too: svo before disabled)
        -(weight or 0),  # 4. service weight for this window, higher first
        c.queued_at,  # 5. earlier first
        c.id,  # then the ticket id
    )


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
