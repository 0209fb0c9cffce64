"""Grading, dispatched to each question type (:mod:`mesolearn.questions`). A score is in [0, 1]
(a question is worth 1 point).

Responses are in canonical form (option ids, original item indices), never display positions;
each type's module documents its response and its rule, and docs/AUTHORING.md states the rules for
authors. Malformed or missing responses score 0 here: a grader never raises.
"""

from __future__ import annotations

from typing import Any

from mesolearn.content.models import Question
from mesolearn.questions import multiple_response, numeric
from mesolearn.questions.registry import type_of

EPS = numeric.EPS


def grade(q: Question, response: Any) -> float:
    """Score one response; malformed or missing responses score 0, they never raise."""
    try:
        return max(0.0, min(1.0, float(type_of(q).grade(q, response))))
    except (TypeError, ValueError, KeyError, AttributeError, IndexError):
        return 0.0


def grade_multiple_response(q: Any, response: Any) -> float:
    """Moodle's multiple-answer rule (kept by name: the exchange tests compare Moodle's arithmetic with it)."""
    return multiple_response.TYPE.grade(q, response)


def correct_response(q: Question) -> Any:
    """The full-marks answer in canonical form (for previews, exports and tests)."""
    return type_of(q).correct_response(q)


def incomplete(q: Question, response: Any) -> str | None:
    """Why an answered response is not whole yet (see ``QuestionType.incomplete``); None if whole or blank."""
    if response is None:
        return None
    return type_of(q).incomplete(q, response)


def accepts(q: Question, old: Any, new: Any) -> str | None:
    """Why ``new`` may not replace the saved ``old`` response (a case's decisions are final), or None."""
    if new is None and old is None:
        return None
    return type_of(q).accepts(q, old, new)


def critical_failed(q: Question, response: Any, score: float) -> bool:
    """Whether this graded response fails the attempt under the critical-item rules (see the type)."""
    try:
        return bool(type_of(q).critical_failed(q, response, score))
    except (TypeError, ValueError, KeyError, AttributeError, IndexError):
        return bool(q.critical)


def is_answered(q: Question, response: Any) -> bool:
    if response is None:
        return False
    return bool(type_of(q).is_answered(q, response))


def random_guess_score(q: Question) -> float:
    """Expected score of a blind guess (used by item analysis)."""
    return float(type_of(q).random_guess_score(q))


def answer_text(q: Question) -> str:
    """The correct answer, in words, for the review after submission."""
    return type_of(q).answer_text(q)


def response_text(q: Question, response: Any) -> str:
    """The trainee's answer, in words."""
    if not is_answered(q, response):
        return "(no answer)"
    try:
        return str(type_of(q).response_text(q, response))
    except (TypeError, IndexError, ValueError, KeyError, AttributeError):
        return "(unreadable answer)"
