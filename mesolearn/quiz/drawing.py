"""Seeded draws and per-attempt layouts, and the question views that are safe to show.

An attempt stores its seed and layout, so a reload shows the same questions in the same order.
A *view* holds only what the browser may see: prompt and choices in display order, addressed by
display position. Translating display positions to canonical responses happens here, on the
server, so no answer key or original item order reaches the page.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Sequence

from mesolearn.content.models import Question
from mesolearn.questions.base import Layout, QuestionView, ResponseError
from mesolearn.questions.registry import type_of

__all__ = ["Layout", "QuestionView", "ResponseError", "DrawnQuestion", "make_layout", "draw", "allocate",
           "draw_blueprint", "view", "to_response", "to_shown", "normalise"]


@dataclass(frozen=True)
class DrawnQuestion:
    question_id: str
    layout: Layout


def make_layout(q: Question, rng: random.Random) -> Layout:
    return type_of(q).make_layout(q, rng)


def draw(questions: Sequence[Question], n: int, seed: int) -> list[DrawnQuestion]:
    """Pick ``n`` questions at random from a pool, each with a shuffled layout."""
    rng = random.Random(seed)
    chosen = rng.sample(list(questions), min(n, len(questions)))
    return [DrawnQuestion(q.id, make_layout(q, rng)) for q in chosen]


def allocate(weights: dict[str, float], pool_sizes: dict[str, int], total: int) -> dict[str, int]:
    """Split ``total`` questions across modules by weight (largest remainder), within pool sizes."""
    counts = {m: 0 for m in weights}
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


def draw_blueprint(pools: dict[str, Sequence[Question]], weights: dict[str, float], n: int,
                   seed: int) -> list[DrawnQuestion]:
    """An exam: questions from each module in proportion to its weight, then mixed together."""
    rng = random.Random(seed)
    counts = allocate(weights, {m: len(p) for m, p in pools.items()}, n)
    drawn: list[DrawnQuestion] = []
    for module in sorted(counts):
        for q in rng.sample(list(pools[module]), counts[module]):
            drawn.append(DrawnQuestion(q.id, make_layout(q, rng)))
    rng.shuffle(drawn)
    return drawn


def view(q: Question, layout: Layout) -> QuestionView:
    return type_of(q).view(q, layout)


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
