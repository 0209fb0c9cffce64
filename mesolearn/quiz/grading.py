"""Pure graders, one per question type. Each returns a score in [0, 1] (a question is worth 1 point).

Responses are in canonical form (option ids, original item indices), never display positions:
- single_choice: option id | None
- multiple_response: list of option ids
- true_false: bool | None
- numeric: float | None
- matching: list, for each pair (original order), the index of the right-hand side chosen, or None
- ordering: list of original item indices in the order the trainee put them

The rules are documented for authors in docs/AUTHORING.md.
"""
from __future__ import annotations

import itertools
import math
from typing import Any

from mesolearn.content.models import (Matching, MultipleResponse, Numeric, Ordering, Question, SingleChoice,
                                      TrueFalse)

EPS = 1e-9


def grade_single_choice(q: SingleChoice, response: Any) -> float:
    return 1.0 if response == q.answer else 0.0


def grade_multiple_response(q: MultipleResponse, response: Any) -> float:
    """Moodle's rule: +1/k per correct option chosen, -1/k per wrong option chosen, floor 0."""
    chosen = set(response or [])
    valid = {o.id for o in q.options}
    chosen &= valid
    right = set(q.answers)
    k = len(right)
    raw = (len(chosen & right) - len(chosen - right)) / k
    return max(0.0, min(1.0, raw))


def grade_true_false(q: TrueFalse, response: Any) -> float:
    return 1.0 if isinstance(response, bool) and response == q.answer else 0.0


def grade_numeric(q: Numeric, response: Any) -> float:
    if isinstance(response, bool) or not isinstance(response, (int, float)) or not math.isfinite(response):
        return 0.0
    return 1.0 if abs(float(response) - q.answer) <= q.tolerance + EPS * max(1.0, abs(q.answer)) else 0.0


def grade_matching(q: Matching, response: Any) -> float:
    """Each pair matched correctly earns 1/n."""
    if not isinstance(response, list):
        return 0.0
    n = len(q.pairs)
    right = sum(1 for i, chosen in enumerate(response[:n]) if chosen == i)
    return right / n


def grade_ordering(q: Ordering, response: Any) -> float:
    """Each item in its correct absolute position earns 1/n."""
    if not isinstance(response, list):
        return 0.0
    n = len(q.items)
    return sum(1 for pos, item in enumerate(response[:n]) if item == pos) / n


_GRADERS = {
    "single_choice": grade_single_choice,
    "multiple_response": grade_multiple_response,
    "true_false": grade_true_false,
    "numeric": grade_numeric,
    "matching": grade_matching,
    "ordering": grade_ordering,
}


def grade(q: Question, response: Any) -> float:
    """Score one response; malformed or missing responses score 0, they never raise."""
    try:
        return float(_GRADERS[q.type](q, response))  # type: ignore[operator]
    except (TypeError, ValueError, KeyError, AttributeError):
        return 0.0


def correct_response(q: Question) -> Any:
    """The full-marks answer in canonical form (for previews, exports and tests)."""
    if q.type == "single_choice":
        return q.answer
    if q.type == "multiple_response":
        return sorted(q.answers)
    if q.type in ("true_false", "numeric"):
        return q.answer
    return list(range(len(q.pairs if q.type == "matching" else q.items)))


def is_answered(q: Question, response: Any) -> bool:
    if response is None:
        return False
    if q.type == "multiple_response":
        return bool(response)
    if q.type == "matching":
        return isinstance(response, list) and any(r is not None for r in response)
    return True


def random_guess_score(q: Question) -> float:
    """Expected score of a blind guess (used by item analysis)."""
    if q.type == "single_choice":
        return 1 / len(q.options)
    if q.type == "true_false":
        return 0.5
    if q.type in ("matching", "ordering"):
        return 1 / len(q.pairs if q.type == "matching" else q.items)  # expected fixed points of a permutation / n
    if q.type == "multiple_response":
        ids = [o.id for o in q.options]
        subsets = [set(c) for r in range(1, len(ids) + 1) for c in itertools.combinations(ids, r)]
        return sum(grade_multiple_response(q, list(s)) for s in subsets) / len(subsets)
    return 0.0


def answer_text(q: Question) -> str:
    """The correct answer, in words, for the review after submission."""
    if q.type == "single_choice":
        return q.option_text(q.answer)
    if q.type == "multiple_response":
        return "; ".join(q.option_text(a) for a in q.answers)
    if q.type == "true_false":
        return "True" if q.answer else "False"
    if q.type == "numeric":
        tol = f" (± {q.tolerance:g})" if q.tolerance else ""
        return f"{q.answer:g}{tol} {q.unit}".strip()
    if q.type == "matching":
        return "; ".join(f"{p.left} → {p.right}" for p in q.pairs)
    return " → ".join(q.items)


def response_text(q: Question, response: Any) -> str:
    """The trainee's answer, in words."""
    if not is_answered(q, response):
        return "(no answer)"
    try:
        if q.type == "single_choice":
            return q.option_text(response)
        if q.type == "multiple_response":
            return "; ".join(q.option_text(a) for a in response)
        if q.type == "true_false":
            return "True" if response else "False"
        if q.type == "numeric":
            return f"{response:g} {q.unit}".strip()
        if q.type == "matching":
            return "; ".join(f"{p.left} → {q.pairs[r].right if r is not None else '?'}"
                             for p, r in zip(q.pairs, response))
        return " → ".join(q.items[i] if i is not None else "?" for i in response)
    except (TypeError, IndexError, ValueError):
        return "(unreadable answer)"
