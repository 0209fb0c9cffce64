"""Mastery levels per learning objective, in the spirit of Khan Academy.

Levels, lowest first: ``not attempted``, ``attempted``, ``familiar``, ``proficient``, ``mastered``.

The rule (deterministic; documented for trainees and instructors in docs/LEARNING.md):

* An *answer* is one scored answer to a question that tests the objective. A question counts as
  *correct* only when it scores 1 (partial credit is not correct, as everywhere in the course).
* The answers to an objective are replayed in time order, starting at ``not attempted``:

  - the first answer of any kind lifts the level to ``attempted``;
  - a **correct** answer moves the level **up one**, if the gate of the next level is met:
      - ``familiar``: none (one correct answer is enough);
      - ``proficient``: the last 3 answers to the objective (this one included) are all correct;
      - ``mastered``: this answer is a **spaced review** answer given at least 1 day after the
        objective's first correct answer (knowledge that lasted, not just recognised once);
    otherwise the level stays where it is;
  - a **wrong** answer moves the level **down one**, never below ``attempted``.

Which answers count (:func:`answer_records`, :func:`mastery_for_user`): answers of submitted *graded*
attempts (module quizzes and exams; an unanswered question in a submitted graded attempt scored 0
and counts as wrong) and *review* answers, i.e. answered questions of spaced-review sessions
(practice attempts with quiz id ``"review"``). Ordinary practice answers (module practice mode,
custom quizzes) are left out unless ``include_practice=True``; they never count as spaced reviews.

:func:`compute_mastery` is a pure function over events ``(objective_id, question_id, score,
answered_at, source)``; :func:`mastery_for_user` gathers the events of one trainee from the database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Literal, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mesolearn.content.loader import Course
from mesolearn.storage import Database
from mesolearn.storage.models import Attempt

Level = Literal["not attempted", "attempted", "familiar", "proficient", "mastered"]
Source = Literal["graded", "review", "practice"]

LEVELS: tuple[Level, ...] = ("not attempted", "attempted", "familiar", "proficient", "mastered")
NOT_ATTEMPTED, ATTEMPTED, FAMILIAR, PROFICIENT, MASTERED = range(5)
STREAK_FOR_PROFICIENT = 3  # last answers that must all be correct to enter "proficient"
SPACING_FOR_MASTERED = timedelta(days=1)  # a review this long after the first correct answer
POINTS: dict[Level, int] = {"not attempted": 0, "attempted": 0, "familiar": 50, "proficient": 80, "mastered": 100}
REVIEW_QUIZ_ID: Final = "review"  # Final: its type is the literal, so it is a custom-practice Kind
EPS = 1e-9


def is_correct(score: float | None) -> bool:
    return score is not None and score >= 1.0 - EPS


class MasteryEvent(NamedTuple):
    """One scored answer; a plain tuple ``(objective_id, question_id, score, answered_at, source)`` works too."""

    objective_id: str
    question_id: str
    score: float
    answered_at: datetime
    source: str  # "graded" | "review" | "practice"


@dataclass(frozen=True)
class ObjectiveMastery:
    objective_id: str
    level: Level
    answers: int = 0  # answers counted
    correct: int = 0  # of which correct (score 1)
    streak: int = 0  # current run of correct answers
    first_correct_at: datetime | None = None
    last_answered_at: datetime | None = None

    @property
    def rank(self) -> int:
        """0 (not attempted) .. 4 (mastered)."""
        return LEVELS.index(self.level)

    @property
    def points(self) -> int:
        """Khan Academy-style mastery points: 0, 0, 50, 80, 100."""
        return POINTS[self.level]


@dataclass(frozen=True)
class ModuleMastery:
    module_id: str
    counts: dict[Level, int]  # level -> number of objectives at that level (every level present)
    percent: float  # mean of the objectives' points, 0..100

    @property
    def objectives(self) -> int:
        return sum(self.counts.values())


# ---------------------------------------------------------------- pure rule
def objective_mastery(objective_id: str, events: Iterable[tuple]) -> ObjectiveMastery:
    """Replay one objective's events (any order; sorted by time here, ties keep input order)."""
    ordered = sorted((MasteryEvent(*e) for e in events), key=lambda e: e.answered_at)
    level, streak, answers, correct = NOT_ATTEMPTED, 0, 0, 0
    first_correct: datetime | None = None
    for e in ordered:
        answers += 1
        level = max(level, ATTEMPTED)
        if is_correct(e.score):
            correct += 1
            streak += 1
            if first_correct is None:
                first_correct = e.answered_at
            target = level + 1
            if (
                target == FAMILIAR
                or target == PROFICIENT
                and streak >= STREAK_FOR_PROFICIENT
                or (
                    target == MASTERED
                    and e.source == "review"
                    and e.answered_at - first_correct >= SPACING_FOR_MASTERED
                )
            ):
                level = target
        else:
            streak = 0
            level = max(ATTEMPTED, level - 1)
    return ObjectiveMastery(
        objective_id,
        LEVELS[level],
        answers,
        correct,
        streak,
        first_correct,
        ordered[-1].answered_at if ordered else None,
    )


def compute_mastery(events: Iterable[tuple], objective_ids: Iterable[str] = ()) -> dict[str, ObjectiveMastery]:
    """Mastery of every objective that has events, plus ``objective_ids`` (as ``not attempted`` if none)."""
    by_objective: dict[str, list[MasteryEvent]] = defaultdict(list)
    for e in events:
        e = MasteryEvent(*e)
        by_objective[e.objective_id].append(e)
    out = {oid: objective_mastery(oid, by_objective.get(oid, [])) for oid in objective_ids}
    for oid, evs in by_objective.items():
        if oid not in out:
            out[oid] = objective_mastery(oid, evs)
    return out


def module_mastery(course: Course, levels: dict[str, ObjectiveMastery]) -> dict[str, ModuleMastery]:
    """Per module: how many objectives are at each level, and the mean mastery points."""
    out: dict[str, ModuleMastery] = {}
    for module in course.modules.values():
        counts = dict.fromkeys(LEVELS, 0)
        points = []
        for obj in module.lesson.objectives:
            m = levels.get(obj.id) or ObjectiveMastery(obj.id, "not attempted")
            counts[m.level] += 1
            points.append(m.points)
        out[module.id] = ModuleMastery(module.id, counts, round(sum(points) / len(points), 1) if points else 0.0)
    return out


# ---------------------------------------------------------------- database side
@dataclass(frozen=True)
class AnswerRecord:
    """One scored answer of a trainee, as the learning features read it."""

    question_id: str
    score: float
    answered_at: datetime  # naive UTC: when the answer was saved (else the attempt's submission)
    source: str  # "graded" | "review" | "practice"
    flagged: bool
    attempt_id: int
    quiz_id: str
    response: Any = None  # the stored (canonical) response: the critical rule reads it (a case's path)


def attempt_source(attempt: Attempt) -> str:
    if attempt.mode == "graded":
        return "graded"
    return "review" if attempt.quiz_id == REVIEW_QUIZ_ID else "practice"


def records_of_attempt(attempt: Attempt) -> list[AnswerRecord]:
    """The scored answers of one attempt.

    Graded attempts count only once submitted, and then every question counts (unanswered = 0).
    Practice attempts (module practice, review, custom) count each question the trainee answered
    (practice answers are scored when saved); questions left unanswered do not count.
    """
    source = attempt_source(attempt)
    if source == "graded" and attempt.submitted_at is None:
        return []
    out = []
    for a in attempt.answers:
        if a.score is None:
            continue
        if source != "graded" and a.saved_at is None:
            continue
        when = a.saved_at or attempt.submitted_at or attempt.started_at
        out.append(
            AnswerRecord(
                a.question_id, float(a.score), when, source, bool(a.flagged), attempt.id, attempt.quiz_id, a.response
            )
        )
    return out


def answer_records(
    db: Database, user_id: int, sources: Iterable[str] = ("graded", "review", "practice")
) -> list[AnswerRecord]:
    """All scored answers of a trainee from the given sources, oldest first."""
    wanted = set(sources)
    with db.session() as s:
        attempts = list(
            s.scalars(
                select(Attempt)
                .where(Attempt.user_id == user_id)
                .options(selectinload(Attempt.answers))
                .order_by(Attempt.id)
            )
        )
        records = [r for a in attempts if attempt_source(a) in wanted for r in records_of_attempt(a)]
    records.sort(key=lambda r: r.answered_at)  # stable: ties keep attempt and position order
    return records


def mastery_events(db: Database, course: Course, user_id: int, include_practice: bool = False) -> list[MasteryEvent]:
    sources = ("graded", "review", "practice") if include_practice else ("graded", "review")
    events = []
    for r in answer_records(db, user_id, sources):
        q = course.question(r.question_id)
        if q is None:  # content removed since; its objective may be gone too
            continue
        events.append(MasteryEvent(q.objective, r.question_id, r.score, r.answered_at, r.source))
    return events


def mastery_for_user(
    db: Database, course: Course, user_id: int, include_practice: bool = False
) -> dict[str, ObjectiveMastery]:
    """Every objective of the course (catalogue order) with the trainee's mastery level."""
    objective_ids = [o.id for m in course.modules.values() for o in m.lesson.objectives]
    known = set(objective_ids)
    events = [e for e in mastery_events(db, course, user_id, include_practice) if e.objective_id in known]
    return compute_mastery(events, objective_ids)
