"""Seeded draws and per-attempt layouts, and the question views that are safe to show.

An attempt stores its seed and layout, so a reload shows the same questions in the same order.
A *view* holds only what the browser may see: prompt and choices in display order, addressed by
display position. Translating display positions to canonical responses happens here, on the
server, so no answer key or original item order reaches the page.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mesolearn.content.models import Question
from mesolearn.questions.base import Layout, QuestionView, ResponseError
from mesolearn.questions.registry import type_of

__all__ = [
    "Layout",
    "QuestionView",
    "ResponseError",
    "DrawnQuestion",
    "make_layout",
    "draw",
    "allocate",
    "draw_blueprint",
    "view",
    "view_for",
    "to_response",
    "to_shown",
    "normalise",
]


@dataclass(frozen=True)
class DrawnQuestion:
    question_id: str
    layout: Layout


def make_layout(q: Question, rng: random.Random) -> Layout:
    return type_of(q).make_layout(q, rng)


MAX_REDRAWS = 500  # rejection tries before the greedy fallback; content that cannot be drawn is a validate error


def _group(q: Question) -> str | None:
    return getattr(q, "enemy_group", None)


def _no_enemies(chosen: Sequence[Question]) -> bool:
    groups = [g for g in map(_group, chosen) if g is not None]
    return len(groups) == len(set(groups))


def grouped_supply(demand: dict[str, int], groups: dict[str, set[str]]) -> int:
    """How many of ``demand`` (module -> questions still needed from enemy groups) the groups can supply, when
    each group (group -> modules holding one of its questions) gives at most one question in all (a matching)."""
    owner: dict[tuple[str, int], str] = {}

    def augment(group: str, seen: set[tuple[str, int]]) -> bool:
        for module in sorted(groups[group]):
            for k in range(demand.get(module, 0)):
                slot = (module, k)
                if slot not in seen:
                    seen.add(slot)
                    if slot not in owner or augment(owner[slot], seen):
                        owner[slot] = group
                        return True
        return False

    return sum(augment(g, set()) for g in sorted(groups))


def fillable(pools: list[tuple[list[Question], int]], used: frozenset[str] = frozenset()) -> bool:
    """Can every pool give its count with at most one question per group overall (``used`` groups are taken)?"""
    demand: dict[str, int] = {}
    groups: dict[str, set[str]] = {}
    for i, (pool, n) in enumerate(pools):
        free = sum(1 for q in pool if _group(q) is None)
        demand[str(i)] = max(0, n - free)
        for q in pool:
            if (g := _group(q)) is not None and g not in used:
                groups.setdefault(g, set()).add(str(i))
    need = sum(demand.values())
    return need == 0 or grouped_supply(demand, groups) == need


def _constructive(pools: list[tuple[list[Question], int]], rng: random.Random) -> list[list[Question]]:
    """Fallback: pick questions one by one in random order, taking one only if the rest can still be filled."""
    left = [list(pool) for pool, _ in pools]
    need = [n for _, n in pools]
    used: set[str] = set()
    picks: list[list[Question]] = [[] for _ in pools]

    def keeps_fillable(q: Question, i: int) -> bool:
        g = _group(q)
        rest = [
            ([c for c in left[j] if c is not q and (g is None or _group(c) != g)], need[j] - (j == i))
            for j in range(len(pools))
        ]
        return fillable(rest, frozenset(used | ({g} if g else set())))

    for i in range(len(pools)):
        while need[i] > 0 and left[i]:  # left[] never holds a question whose group is already drawn
            order = list(left[i])
            rng.shuffle(order)
            # content that cannot be filled at all (a validate error): take any question, the draw ends short
            q = next((c for c in order if keeps_fillable(c, i)), order[0])
            picks[i].append(q)
            need[i] -= 1
            g = _group(q)
            if g is not None:
                used.add(g)
            left = [[c for c in pool if c is not q and (g is None or _group(c) != g)] for pool in left]
    return picks


def _sample_without_enemies(pools: list[tuple[list[Question], int]], rng: random.Random) -> list[list[Question]]:
    """One sample of ``n`` questions per pool with at most one question of any enemy group overall.

    Rejection sampling: redraw the whole sample until no group repeats, which is exactly uniform among
    the valid draws, and gives the same draw as plain sampling when the first sample is already valid
    (pools without groups draw as before). After ``MAX_REDRAWS`` tries (only when valid draws are rare)
    a constructive draw takes over, which picks one question at a time while the rest can still be filled;
    content that cannot be filled at all gives a shorter draw rather than a repeated fact
    (``python -m mesolearn validate`` reports such content as an error).
    """
    for _ in range(MAX_REDRAWS):
        picks = [rng.sample(pool, min(n, len(pool))) for pool, n in pools]
        if _no_enemies([q for pick in picks for q in pick]):
            return picks
    return _constructive(pools, rng)


def draw(questions: Sequence[Question], n: int, seed: int) -> list[DrawnQuestion]:
    """Pick ``n`` questions at random from a pool, at most one per enemy group, each with a shuffled layout."""
    rng = random.Random(seed)
    chosen = _sample_without_enemies([(list(questions), n)], rng)[0]
    return [DrawnQuestion(q.id, make_layout(q, rng)) for q in chosen]


def allocate(weights: dict[str, float], pool_sizes: dict[str, int], total: int) -> dict[str, int]:
    """Split ``total`` questions across modules by weight (largest remainder), within pool sizes."""
    counts = dict.fromkeys(weights, 0)
    remaining = min(total, sum(pool_sizes.get(m, 0) for m in weights))
    open_ = {m for m in weights if pool_sizes.get(m, 0) > 0}
    while remaining > 0 and open_:
        w = sum(weights[m] for m in open_)
        quotas = {m: remaining * weights[m] / w for m in open_}
        full = {m for m in open_ if quotas[m] >= pool_sizes[m]}
        if full:  # these pools are used up; share what is left among the others by weight
            for m in full:
                remaining -= pool_sizes[m]
                counts[m] = pool_sizes[m]
            open_ -= full
            continue
        for m in open_:  # no quota reaches its pool: whole parts, then one more each by largest remainder
            counts[m] = int(quotas[m])
            remaining -= counts[m]
        by_remainder = sorted(open_, key=lambda m: (quotas[m] - int(quotas[m]), weights[m], m), reverse=True)
        for m in by_remainder[:remaining]:
            counts[m] += 1
        remaining = 0
    return counts


def case_capacity(pools: Mapping[str, Sequence[Question]], counts: Mapping[str, int]) -> int:
    """How many branching cases an exam with these module shares can hold (each module: its cases, at most its
    share)."""
    return sum(min(counts.get(m, 0), sum(1 for q in pool if stepwise(q))) for m, pool in pools.items())


def _case_shares(
    pools: Mapping[str, Sequence[Question]], counts: Mapping[str, int], cases: int, rng: random.Random
) -> dict[str, int]:
    """How many of the exam's ``cases`` each module gives: one at a time to the modules in a random order, round
    and round, within each module's cases and share (so the cases are spread over the modules that have them)."""
    room = {m: min(counts.get(m, 0), sum(1 for q in pool if stepwise(q))) for m, pool in pools.items()}
    shares = dict.fromkeys(pools, 0)
    order = sorted(m for m in room if room[m] > 0)
    rng.shuffle(order)
    left = min(cases, sum(room.values()))
    while left > 0:
        for m in order:
            if left and shares[m] < room[m]:
                shares[m] += 1
                left -= 1
    return shares


def draw_blueprint(
    pools: Mapping[str, Sequence[Question]], weights: dict[str, float], n: int, seed: int, cases: int = 0
) -> list[DrawnQuestion]:
    """An exam: questions from each module in proportion to its weight, at most one per enemy group across
    the whole exam (groups may span modules), then mixed together. With ``cases``, exactly that many of them are
    branching cases (:func:`stepwise`), each counted in its module's share, and the rest are one-step questions."""
    rng = random.Random(seed)
    counts = allocate(weights, {m: len(p) for m, p in pools.items()}, n)
    modules = sorted(counts)
    if cases:
        shares = _case_shares(pools, counts, cases, rng)
        split = []
        for m in modules:
            split.append(([q for q in pools[m] if stepwise(q)], shares[m]))
            split.append(([q for q in pools[m] if not stepwise(q)], counts[m] - shares[m]))
        halves = _sample_without_enemies(split, rng)
        picks = [halves[i] + halves[i + 1] for i in range(0, len(halves), 2)]
    else:
        picks = _sample_without_enemies([(list(pools[m]), counts[m]) for m in modules], rng)
    drawn: list[DrawnQuestion] = []
    for chosen in picks:
        for q in chosen:
            drawn.append(DrawnQuestion(q.id, make_layout(q, rng)))
    rng.shuffle(drawn)
    return drawn


def view(q: Question, layout: Layout) -> QuestionView:
    return type_of(q).view(q, layout)


def view_for(q: Question, layout: Layout, response: Any) -> QuestionView:
    """The view for the answer saved so far (a case shows the stages walked and the current one only)."""
    return type_of(q).view_for(q, layout, response)


def stepwise(q: Question) -> bool:
    """Whether the question is answered a step at a time, each step saved at once and final (a case)."""
    return type_of(q).stepwise


def to_response(q: Question, layout: Layout, shown: Any) -> Any:
    """Display-position answer from the page -> canonical response stored and graded."""
    if shown is None:
        return None
    return type_of(q).to_response(q, layout, shown)


def to_shown(q: Question, layout: Layout, response: Any) -> Any:
    """Canonical response -> display positions, to put a saved answer back into the widgets
    (None when the saved answer no longer fits the question)."""
    if response is None:
        return None
    try:
        return type_of(q).to_shown(q, layout, response)
    except (ValueError, IndexError, TypeError, KeyError):
        return None


def normalise(q: Question, layout: Layout, raw: Any) -> Any:
    """A raw widget value -> canonical response; :class:`ResponseError` (a message for the trainee) when the
    value cannot be an answer to this question, so it is never stored."""
    try:
        return type_of(q).normalise(q, layout, raw)
    except ResponseError:
        raise
    except (ValueError, IndexError, TypeError, KeyError) as exc:
        raise ResponseError("That answer does not fit the question; choose again.") from exc
