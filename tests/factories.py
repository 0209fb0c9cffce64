"""Builders of test data shared by test modules (import from here, not from conftest).

Two ways to make an attempt, one each:
- :func:`take` runs a real attempt through ``Attempts`` (start, answers, submit): use it when the test is about what
  the engine records or what follows from it. Answers come from each question type's own hooks (the key from
  ``correct_for``, a wrong answer from ``wrong_for``), so no builder switches on a type name.
- :func:`attempt_row` writes a finished attempt row with chosen answer scores straight into the database (no draw,
  no grading): use it when the test is about what a reader (mastery, readiness, certificates, practice filters) does
  with given scores, at given times.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Literal

from mesolearn.accounts import Accounts
from mesolearn.content.models import Question
from mesolearn.questions.registry import type_of
from mesolearn.quiz import drawing
from mesolearn.quiz.attempts import Attempts, AttemptState
from mesolearn.quiz.grading import correct_response
from mesolearn.storage import Database
from mesolearn.storage.models import Answer, Attempt

PASSWORD = "correct horse battery"
T0 = datetime(2025, 3, 3, 9, 0)  # the default time of a stored attempt row


def instructor_and_trainee(db: Database, username: str, name: str, password: str = PASSWORD) -> int:
    """The first instructor ("ada") and one trainee, through the real account service; returns the trainee's id."""
    accounts = Accounts(db)
    accounts.create_first_instructor("ada", "Ada Instructor", password)
    return accounts.create_user(username, name, password, "trainee").id


def save_whole(attempts: Any, attempt_id: int, user_id: int, question_id: str, response: Any) -> float | None:
    """Save a whole answer as a trainee gives it: in one save, or, for a question answered a step at a time (a
    branching case, whose ``save_answer`` accepts only the saved path plus one decision), one decision after the
    other from the first. Returns what the last save returned (a practice score, or None)."""
    q = attempts.course.question(question_id)
    if q is None or not drawing.stepwise(q) or not isinstance(response, list) or not response:
        return attempts.save_answer(attempt_id, user_id, question_id, response)
    result = None
    for n in range(1, len(response) + 1):
        result = attempts.save_answer(attempt_id, user_id, question_id, response[:n])
    return result


def wrong_response(q: Question) -> Any:
    """A complete answer that scores 0 (each question type knows one)."""
    return type_of(q).wrong_response(q)


def answer_all(
    attempts: Attempts, attempt_id: int, user_id: int, pick: Callable[[Question], Any] = correct_response
) -> None:
    """Answer every question of an open attempt with ``pick(question)`` (default: the key)."""
    for item in attempts.load(attempt_id, user_id).items:
        save_whole(attempts, attempt_id, user_id, item.question.id, pick(item.question))


def take(
    attempts: Attempts,
    user_id: int,
    quiz_id: str,
    right: bool | int = True,
    *,
    rest: Literal["blank", "wrong"] = "blank",
    mode: Literal["graded", "practice"] = "graded",
    seed: int | None = None,
    critical_first: bool = False,
    clock: Any = None,
    step_seconds: float = 0,
    flag: int | None = None,
) -> AttemptState:
    """Start, answer and submit an attempt; returns the submitted state.

    ``right``: all questions right (True), none (False) or the first *n* (in the order drawn, or safety-critical
    ones first with ``critical_first``, so a high score is also a pass whatever the draw). The others are left
    blank or answered wrongly (``rest``). With ``clock`` (the tests' ``Clock``), time moves ``step_seconds`` before
    each answer and before the submission. ``flag``: the position of a question to flag.
    """
    attempt_id = attempts.start(user_id, quiz_id, mode, seed=seed)
    state = attempts.load(attempt_id, user_id)
    items = sorted(state.items, key=lambda it: not it.question.critical) if critical_first else list(state.items)
    n_right = len(items) if right is True else 0 if right is False else int(right)
    for i, item in enumerate(items):
        q = item.question
        if i >= n_right and rest == "blank":
            continue
        if clock is not None:
            clock.advance(seconds=step_seconds)
        response = type_of(q).correct_for(q, item.layout) if i < n_right else type_of(q).wrong_for(q, item.layout)
        save_whole(attempts, attempt_id, user_id, q.id, response)
    if flag is not None:
        attempts.set_flag(attempt_id, user_id, state.items[flag].question.id, True)
    if clock is not None:
        clock.advance(seconds=step_seconds)
    return attempts.submit(attempt_id, user_id)


def attempt_row(
    db: Database,
    user_id: int,
    quiz_id: str,
    scores: Mapping[str, float] | None = None,
    *,
    when: datetime = T0,
    kind: str = "module",
    mode: str = "graded",
    submitted: bool = True,
    passed: bool | None = None,
    score: float | None = None,
    flagged: Iterable[str] = (),
) -> int:
    """A stored attempt row (id returned) started and submitted at ``when``, with one answer per entry of ``scores``
    (question id -> score 0..1, in that order; no response). Answers of an unsubmitted graded attempt have no score
    yet, as the engine leaves them. ``score`` defaults to 90 for a pass, 40 for a fail, else 0."""
    scores = dict(scores or {})
    marked = set(flagged)
    scored = submitted or mode == "practice"
    if score is None:
        score = 0.0 if passed is None else 90.0 if passed else 40.0
    with db.session() as s:
        row = Attempt(
            user_id=user_id,
            quiz_id=quiz_id,
            kind=kind,
            mode=mode,
            seed=1,
            layout=[{"question_id": q, "layout": {}} for q in scores],
            started_at=when,
            submitted_at=when if submitted else None,
            score=score,
            passed=passed,
            critical_failed=[] if passed is not None else None,
        )
        row.answers = [
            Answer(
                question_id=q,
                position=i,
                response=None,
                saved_at=when,
                score=sc if scored else None,
                flagged=q in marked,
            )
            for i, (q, sc) in enumerate(scores.items())
        ]
        s.add(row)
        s.flush()
        return row.id
