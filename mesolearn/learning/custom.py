"""Practice sessions whose questions are chosen here rather than drawn from a quiz pool.

* :func:`start_custom_practice` creates the attempt row for a spaced-review session (quiz id
  ``"review"``) or a "build your own quiz" session (quiz id ``"custom"``): mode ``practice``, no
  time limit, the chosen questions in the given order, each with a seeded layout. It is run with the
  usual ``Attempts.load / save_answer / set_flag / submit`` (``Attempts.spec`` knows both ids).
  Practice attempts never count towards passing a module or the exam.
* "Build your own quiz": scope by modules and/or objectives (both given: questions in the chosen
  modules *and* testing the chosen objectives; none: the whole course), then optionally keep only
  questions that are ``unseen`` (never answered), ``wrong`` (the trainee's most recent answer was not
  fully correct) or ``flagged`` (flagged in any attempt); several filters combine as *or*. Then
  ``count`` questions are sampled (seeded) from what matches: :func:`build_custom_quiz`.
* A graded attempt counts here only once it is submitted: its flags and answers stay out of
  :func:`question_status` while it is open (otherwise "Flagged" would gather an open exam's questions).
* No session may reveal the key of an open graded attempt: :func:`start_custom_practice` (and so review
  sessions and "build your own quiz") refuses, with a message for the trainee, any session while a timed exam
  is open, and any session holding a question of an open graded attempt (``Attempts.practice_lock``).
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import or_, select

from mesolearn.content.loader import Course
from mesolearn.learning.mastery import answer_records, is_correct
from mesolearn.quiz import drawing
from mesolearn.quiz.attempts import AttemptError, Attempts
from mesolearn.storage import Database, utcnow
from mesolearn.storage.models import Answer, Attempt

Kind = Literal["review", "custom"]
Filter = Literal["unseen", "wrong", "flagged"]
KINDS: tuple[str, ...] = ("review", "custom")
FILTERS: tuple[str, ...] = ("unseen", "wrong", "flagged")
MAX_QUESTIONS = 100


class CustomQuizError(AttemptError):
    """A refusal meant for the trainee (e.g. no question matches the choices)."""


@dataclass(frozen=True)
class QuestionStatus:
    """What the trainee has done with one question so far."""

    question_id: str
    answered: int  # scored answers in any attempt (graded, practice, review)
    last_score: float | None  # the most recent one
    flagged: bool  # flagged in any attempt (a graded one only once submitted)

    @property
    def seen(self) -> bool:
        return self.answered > 0

    @property
    def wrong(self) -> bool:
        return self.last_score is not None and not is_correct(self.last_score)


def start_custom_practice(
    db: Database,
    course: Course,
    user_id: int,
    question_ids: Iterable[str],
    kind: Kind = "custom",
    clock: Callable[[], datetime] = utcnow,
    seed: int | None = None,
) -> int:
    """Create a practice attempt over ``question_ids`` (order kept, duplicates and unknown ids dropped)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    ids = list(dict.fromkeys(q for q in question_ids if course.question(q) is not None))
    if not ids:
        raise CustomQuizError("None of those questions is available.")
    if len(ids) > MAX_QUESTIONS:
        raise CustomQuizError(f"A practice session holds at most {MAX_QUESTIONS} questions.")
    try:
        Attempts(db, course, clock=clock).check_practice(user_id, ids)
    except AttemptError as exc:  # a graded attempt is open: its key must not show
        raise CustomQuizError(str(exc)) from None
    seed = secrets.randbelow(2**31) if seed is None else seed
    rng = random.Random(seed)
    layout = [{"question_id": q, "layout": drawing.make_layout(course.question(q), rng)} for q in ids]
    with db.session() as s:
        attempt = Attempt(
            user_id=user_id,
            quiz_id=kind,
            kind="practice",
            mode="practice",
            seed=seed,
            layout=layout,
            started_at=clock(),
            deadline=None,
        )
        attempt.answers = [Answer(question_id=q, position=i) for i, q in enumerate(ids)]
        s.add(attempt)
        s.flush()
        return attempt.id


def question_status(db: Database, user_id: int) -> dict[str, QuestionStatus]:
    """Per question the trainee has answered or flagged: counts, last score, flag.

    Open graded attempts do not count (their answers have no score yet, and their flags are ignored)."""
    answered: dict[str, int] = {}
    last: dict[str, float] = {}
    for r in answer_records(db, user_id):
        answered[r.question_id] = answered.get(r.question_id, 0) + 1
        last[r.question_id] = r.score
    with db.session() as s:
        flagged = set(
            s.scalars(
                select(Answer.question_id)
                .join(Attempt)
                .where(
                    Attempt.user_id == user_id,
                    Answer.flagged.is_(True),
                    or_(Attempt.mode != "graded", Attempt.submitted_at.is_not(None)),
                )
            )
        )
    return {q: QuestionStatus(q, answered.get(q, 0), last.get(q), q in flagged) for q in set(answered) | flagged}


def matching_questions(
    db: Database,
    course: Course,
    user_id: int,
    *,
    modules: Iterable[str] = (),
    objectives: Iterable[str] = (),
    filters: Iterable[str] = (),
) -> list[str]:
    """Question ids (catalogue order) in scope that pass the filters. See the module docstring."""
    modules, objectives, filters = set(modules), set(objectives), set(filters)
    if bad := filters - set(FILTERS):
        raise ValueError(f"unknown filter(s) {sorted(bad)}; use {FILTERS}")
    if bad := modules - set(course.modules):
        raise CustomQuizError(f"Unknown module(s): {', '.join(sorted(bad))}.")
    all_objectives = {o.id for m in course.modules.values() for o in m.lesson.objectives}
    if bad := objectives - all_objectives:
        raise CustomQuizError(f"Unknown objective(s): {', '.join(sorted(bad))}.")
    status = question_status(db, user_id) if filters else {}
    out = []
    for module in course.modules.values():
        if module.quiz is None or (modules and module.id not in modules):
            continue
        for q in module.quiz.questions:
            if objectives and q.objective not in objectives:
                continue
            if filters:
                st = status.get(q.id)
                keep = (
                    ("unseen" in filters and (st is None or not st.seen))
                    or ("wrong" in filters and st is not None and st.wrong)
                    or ("flagged" in filters and st is not None and st.flagged)
                )
                if not keep:
                    continue
            out.append(q.id)
    return out


def build_custom_quiz(
    db: Database,
    course: Course,
    user_id: int,
    *,
    modules: Iterable[str] = (),
    objectives: Iterable[str] = (),
    filters: Iterable[str] = (),
    count: int = 10,
    clock: Callable[[], datetime] = utcnow,
    seed: int | None = None,
) -> int:
    """ "Build your own quiz": a practice attempt (quiz id ``"custom"``) of up to ``count`` matching questions."""
    if not 1 <= count <= MAX_QUESTIONS:
        raise CustomQuizError(f"Choose between 1 and {MAX_QUESTIONS} questions.")
    lock = Attempts(db, course, clock=clock).practice_lock(user_id)
    if lock.timed is not None:  # say so first: the filters may match nothing during an exam
        try:
            lock.check([])
        except AttemptError as exc:
            raise CustomQuizError(str(exc)) from None
    pool = matching_questions(db, course, user_id, modules=modules, objectives=objectives, filters=filters)
    if not pool:
        raise CustomQuizError("No question matches those choices. Widen the topics or remove a filter.")
    seed = secrets.randbelow(2**31) if seed is None else seed
    chosen = random.Random(seed).sample(pool, min(count, len(pool)))
    return start_custom_practice(db, course, user_id, chosen, "custom", clock, seed)
