"""Who is called next (DESIGN.md §4): each rule, their order, and properties that must always hold."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from queue_core.domain import CallRule
from queue_core.policy import Candidate, Policy, WindowContext, choose_next, rank

T0 = datetime(2025, 10, 6, 3, 0, tzinfo=UTC)
CATS = {  # slug: (priority, out_of_turn, label)
    "regular": (0, False, "обычная"),
    "large_family": (30, False, "многодетная семья"),  # a priority category that is not out of turn
    "disabled": (50, True, "инвалид I–II группы"),
    "svo": (100, True, "участник СВО"),
}


def t(id_: int, service: str = "pay", category: str = "regular", minute: float = 0) -> Candidate:
    prio, oot, label = CATS[category]
    return Candidate(id_, f"X-{id_:03d}", service, category, label, prio, oot, T0 + timedelta(minutes=minute))


def win(weights: dict[str, int], *, streak: int = 0, now_min: float = 60) -> WindowContext:
    return WindowContext(weights, T0 + timedelta(minutes=now_min), streak)


OFF = Policy()

# (name, candidates, weights, expected id, expected rule)
CASES = [
    ("nothing waits", [], {"pay": 1}, None, None),
    ("other services only", [t(1, "b2b")], {"pay": 1}, None, None),
    ("FIFO among equals", [t(2, minute=5), t(1, minute=1)], {"pay": 1}, 1, CallRule.LONGEST_WAIT),
    ("same instant: lower id first", [t(7, minute=1), t(3, minute=1)], {"pay": 1}, 3, CallRule.LONGEST_WAIT),
    ("rule 1: svo after ten regulars goes first",
     [t(i, minute=i) for i in range(1, 11)] + [t(11, category="svo", minute=30)], {"pay": 1}, 11,
     CallRule.OUT_OF_TURN),
    ("rule 1 beats weights: svo in a weight-0 service",
     [t(1, "pay", minute=0), t(2, "calc", "svo", minute=9)], {"pay": 3, "calc": 0}, 2, CallRule.OUT_OF_TURN),
    ("rule 1 beats priority", [t(1, category="large_family"), t(2, category="svo", minute=5)], {"pay": 1}, 2,
     CallRule.OUT_OF_TURN),
    ("rule 1 then rule 3: among out-of-turn rights the higher priority first",
     [t(1, category="disabled"), t(2, category="svo", minute=5)], {"pay": 1}, 2, CallRule.OUT_OF_TURN),
    ("rule 2: weight 0 only when nothing else waits",
     [t(1, "calc", minute=0), t(2, "pay", minute=20)], {"pay": 1, "calc": 0}, 2, CallRule.SERVICE_WEIGHT),
    ("rule 2 before rule 3: a priority visitor of a weight-0 service waits for regulars",
     [t(1, "calc", "large_family"), t(2, "pay", minute=20)], {"pay": 1, "calc": 0}, 2, CallRule.SERVICE_WEIGHT),
    ("rule 2: weight-0 service when it is all there is", [t(1, "calc", minute=3)], {"pay": 1, "calc": 0}, 1,
     CallRule.FALLBACK_SERVICE),
    ("rule 3: priority before weight",
     [t(1, "pay", minute=0), t(2, "calc", "large_family", minute=10)], {"pay": 3, "calc": 1}, 2, CallRule.PRIORITY),
    ("rule 4: weight before time", [t(1, "calc", minute=0), t(2, "pay", minute=10)], {"pay": 3, "calc": 1}, 2,
     CallRule.SERVICE_WEIGHT),
    ("rule 5: time when weights tie", [t(1, "calc", minute=0), t(2, "pay", minute=10)], {"pay": 2, "calc": 2}, 1,
     CallRule.LONGEST_WAIT),
    ("two svo: the earlier first", [t(1, category="svo", minute=4), t(2, category="svo", minute=2)], {"pay": 1},
     2, CallRule.OUT_OF_TURN),
]


@pytest.mark.parametrize("name,cands,weights,expected,rule", CASES, ids=[c[0] for c in CASES])
def test_rule_table(name, cands, weights, expected, rule) -> None:  # noqa: ANN001
    choice = choose_next(cands, win(weights), OFF)
    if expected is None:
        assert choice is None
    else:
        assert (choice.ticket.id, choice.rule) == (expected, rule)
        assert choice.reason  # the operator always sees why


def test_reason_names_the_category_for_out_of_turn() -> None:
    choice = choose_next([t(1), t(2, category="svo")], win({"pay": 1}), OFF)
    assert choice.reason == "вне очереди: участник СВО"


ANTI = Policy(max_priority_streak=3, starvation_wait_min=30)


def test_anti_starvation_serves_the_long_waiter_after_k_priority_calls() -> None:
    cands = [t(1, minute=0), t(2, category="large_family", minute=50)]
    choice = choose_next(cands, win({"pay": 1}, streak=3, now_min=60), ANTI)
    assert (choice.ticket.id, choice.rule) == (1, CallRule.ANTI_STARVATION)


def test_anti_starvation_waits_for_k_calls_and_for_the_wait_threshold() -> None:
    cands = [t(1, minute=0), t(2, category="large_family", minute=50)]
    assert choose_next(cands, win({"pay": 1}, streak=2, now_min=60), ANTI).ticket.id == 2
    assert choose_next(cands, win({"pay": 1}, streak=3, now_min=20), ANTI).ticket.id == 2  # waited only 20 min
    assert choose_next(cands, win({"pay": 1}, streak=9, now_min=60), OFF).ticket.id == 2  # off by default


def test_svo_then_disabled_then_the_regulars_whatever_the_weights() -> None:
    """A disabled visitor and an SVO visitor, both out of turn, at a window that prefers another service:
    SVO first (higher priority), then the disabled visitor, then the regulars, however long they waited."""
    cands = [t(1, "calc", minute=0), t(2, "pay", minute=1), t(3, "pay", "disabled", minute=30),
             t(4, "calc", "svo", minute=40), t(5, "pay", "large_family", minute=2)]
    weights = {"pay": 3, "calc": 0}  # calc is this window's fallback service: weight 0
    order = []
    while cands:
        choice = choose_next(cands, win(weights, now_min=60), OFF)
        order.append((choice.ticket.id, choice.rule))
        cands.remove(choice.ticket)
    assert order[:2] == [(4, CallRule.OUT_OF_TURN), (3, CallRule.OUT_OF_TURN)]
    assert [i for i, _ in order[2:]] == [5, 2, 1]  # then priority, weight, the fallback service last


def test_out_of_turn_never_yields_to_anti_starvation() -> None:
    cands = [t(1, minute=0), t(2, category="svo", minute=55)]
    choice = choose_next(cands, win({"pay": 1}, streak=10, now_min=120), ANTI)
    assert (choice.ticket.id, choice.rule) == (2, CallRule.OUT_OF_TURN)


# --- properties ------------------------------------------------------------------------------
SERVICES = ["pay", "calc", "deal", "b2b"]


@st.composite
def scenes(draw):  # noqa: ANN001, ANN201
    n = draw(st.integers(0, 25))
    cands = [
        t(i + 1, draw(st.sampled_from(SERVICES)), draw(st.sampled_from(list(CATS))), draw(st.integers(0, 120)))
        for i in range(n)
    ]
    served = draw(st.lists(st.sampled_from(SERVICES), min_size=1, max_size=4, unique=True))
    weights = {s: draw(st.integers(0, 3)) for s in served}
    streak = draw(st.integers(0, 6))
    policy = draw(st.sampled_from([OFF, ANTI, Policy(1, 5)]))
    return cands, win(weights, streak=streak, now_min=150), policy


@settings(max_examples=400, deadline=None)
@given(scenes())
def test_an_eligible_out_of_turn_ticket_is_always_chosen_first(scene) -> None:  # noqa: ANN001
    cands, window, policy = scene
    choice = choose_next(cands, window, policy)
    if any(c.out_of_turn and c.service in window.weights for c in cands):
        assert choice.ticket.out_of_turn


@settings(max_examples=400, deadline=None)
@given(scenes())
def test_never_an_ineligible_ticket_and_never_empty_while_one_waits(scene) -> None:  # noqa: ANN001
    cands, window, policy = scene
    choice = choose_next(cands, window, policy)
    eligible = [c for c in cands if c.service in window.weights]
    assert (choice is None) == (not eligible)
    if choice:
        assert choice.ticket.service in window.weights


@settings(max_examples=300, deadline=None)
@given(scenes(), st.randoms(use_true_random=False))
def test_the_result_does_not_depend_on_the_order_of_candidates(scene, rnd: random.Random) -> None:  # noqa: ANN001
    cands, window, policy = scene
    shuffled = list(cands)
    rnd.shuffle(shuffled)
    a, b = choose_next(cands, window, policy), choose_next(shuffled, window, policy)
    assert (a and (a.ticket.id, a.rule)) == (b and (b.ticket.id, b.rule))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 500), min_size=1, max_size=30), st.integers(1, 3))
def test_fifo_among_equals(minutes: list[int], weight: int) -> None:
    cands = [t(i + 1, "pay", "regular", m) for i, m in enumerate(minutes)]
    order = []
    while cands:
        choice = choose_next(cands, win({"pay": weight}), OFF)
        order.append(choice.ticket)
        cands.remove(choice.ticket)
    assert order == sorted(order, key=lambda c: (c.queued_at, c.id))


def test_rank_is_the_documented_key() -> None:
    a = t(1, "pay", "large_family", 10)
    assert rank(a, {"pay": 2}) == (True, False, -30, -2, a.queued_at, 1)
