"""Attempts: the quiz engine's stateful side, on the database.

Rules the server enforces whatever the page does: the draw is fixed at start; every answer is saved
as it is given; an answer after the deadline is refused and an expired attempt is submitted with
what was saved (also when the trainee only comes back later); an attempt is submitted once; graded
attempts are limited by ``max_attempts``; a wrong safety-critical answer fails a graded attempt.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Literal

from sqlalchemy import select

from mesolearn.content.loader import Course
from mesolearn.content.models import Question, ReviewPolicy
from mesolearn.quiz import drawing, grading
from mesolearn.storage import Database, utcnow
from mesolearn.storage.models import Answer, Attempt, Override

Mode = Literal["graded", "practice"]
GRACE = timedelta(seconds=2)  # network latency allowance at the deadline
# Practice-only sessions whose questions are chosen by mesolearn.learning (spaced review, "build your own
# quiz"), not drawn from a pool: their attempt rows are created by mesolearn.learning.custom.
PRACTICE_SESSIONS = {"review": "Spaced review", "custom": "Custom practice quiz"}


class AttemptError(Exception):
    """A refusal meant for the trainee (e.g. time is up, attempt already submitted)."""


@dataclass(frozen=True)
class QuizSpec:
    """What the engine needs to run a module quiz or an exam, whichever file it came from."""

    id: str
    kind: Literal["module", "exam", "practice"]
    title: str
    questions: int
    pass_mark: float
    time_limit_minutes: int | None
    max_attempts: int | None
    critical_fails: bool
    review: ReviewPolicy


@dataclass
class Item:
    position: int
    question: Question
    layout: drawing.Layout
    response: Any = None
    score: float | None = None
    flagged: bool = False

    @property
    def view(self) -> drawing.QuestionView:
        return drawing.view(self.question, self.layout)

    @property
    def answered(self) -> bool:
        return grading.is_answered(self.question, self.response)


@dataclass
class AttemptState:
    id: int
    user_id: int
    spec: QuizSpec
    mode: Mode
    started_at: datetime
    deadline: datetime | None
    submitted_at: datetime | None
    auto_submitted: bool
    score: float | None
    passed: bool | None
    critical_failed: list[str]
    items: list[Item] = field(default_factory=list)

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None

    def seconds_left(self, now: datetime) -> float | None:
        return None if self.deadline is None else max(0.0, (self.deadline - now).total_seconds())


class Attempts:
    def __init__(self, db: Database, course: Course, clock: Callable[[], datetime] = utcnow,
                 on_submit: Callable[[int], None] | None = None):
        self.db, self.course, self.clock = db, course, clock
        self.on_submit = on_submit  # runs after every submission, by the trainee or by the deadline

    # ------------------------------------------------------------ specs
    def spec(self, quiz_id: str) -> QuizSpec:
        module = self.course.modules.get(quiz_id)
        if module is not None and module.quiz is not None:
            q = module.quiz
            return QuizSpec(quiz_id, "module", module.title, q.questions_per_attempt, q.pass_mark,
                            q.time_limit_minutes, q.max_attempts, q.critical_fails, q.review)
        exam = self.course.exams.get(quiz_id)
        if exam is not None:
            return QuizSpec(quiz_id, "exam", exam.title, exam.questions, exam.pass_mark, exam.time_limit_minutes,
                            exam.max_attempts, exam.critical_fails, exam.review)
        if quiz_id in PRACTICE_SESSIONS:
            return QuizSpec(quiz_id, "practice", PRACTICE_SESSIONS[quiz_id], 0, 0.0, None, None, False, ReviewPolicy())
        raise AttemptError(f"There is no quiz '{quiz_id}' (it may be unavailable while its content is fixed).")

    def _draw(self, spec: QuizSpec, seed: int) -> list[drawing.DrawnQuestion]:
        if spec.kind == "module":
            return drawing.draw(self.course.modules[spec.id].quiz.questions, spec.questions, seed)
        exam = self.course.exams[spec.id]
        pools = {b.module: self.course.modules[b.module].quiz.questions for b in exam.blueprint}
        return drawing.draw_blueprint(pools, {b.module: b.weight for b in exam.blueprint}, spec.questions, seed)

    # ------------------------------------------------------------ lifecycle
    def graded_attempts_used(self, user_id: int, quiz_id: str) -> int:
        with self.db.session() as s:
            rows = s.scalars(select(Attempt.id).where(Attempt.user_id == user_id, Attempt.quiz_id == quiz_id,
                                                      Attempt.mode == "graded"))
            return len(list(rows))

    def open_attempt_id(self, user_id: int, quiz_id: str, mode: Mode = "graded") -> int | None:
        """The unsubmitted attempt, if any; an expired one is submitted first and not returned."""
        with self.db.session() as s:
            row = s.scalar(select(Attempt).where(Attempt.user_id == user_id, Attempt.quiz_id == quiz_id,
                                                 Attempt.mode == mode, Attempt.submitted_at.is_(None))
                           .order_by(Attempt.id.desc()))
            attempt_id = row.id if row else None
        if attempt_id is not None and self._expire_if_due(attempt_id):
            return None
        return attempt_id

    def override(self, user_id: int, quiz_id: str) -> tuple[int, int]:
        """(extra minutes, extra attempts) an instructor granted this trainee for this quiz."""
        with self.db.session() as s:
            row = s.scalar(select(Override).where(Override.user_id == user_id, Override.quiz_id == quiz_id))
            return (row.extra_minutes, row.extra_attempts) if row else (0, 0)

    def attempts_allowed(self, user_id: int, quiz_id: str) -> int | None:
        spec = self.spec(quiz_id)
        return None if spec.max_attempts is None else spec.max_attempts + self.override(user_id, quiz_id)[1]

    def start(self, user_id: int, quiz_id: str, mode: Mode = "graded", seed: int | None = None) -> int:
        """Resume the open attempt or start a new one (within the attempt limit)."""
        spec = self.spec(quiz_id)
        if spec.kind == "practice":
            raise AttemptError("Review and custom sessions are started with mesolearn.learning.custom.")
        existing = self.open_attempt_id(user_id, quiz_id, mode)
        if existing is not None:
            return existing
        extra_minutes, _ = self.override(user_id, quiz_id)
        allowed = self.attempts_allowed(user_id, quiz_id)
        if mode == "graded" and allowed is not None and self.graded_attempts_used(user_id, quiz_id) >= allowed:
            raise AttemptError(f"You have used all {allowed} attempts at this quiz.")
        seed = secrets.randbelow(2**31) if seed is None else seed
        drawn = self._draw(spec, seed)
        now = self.clock()
        deadline = (now + timedelta(minutes=spec.time_limit_minutes + extra_minutes)
                    if spec.time_limit_minutes and mode == "graded" else None)
        with self.db.session() as s:
            attempt = Attempt(user_id=user_id, quiz_id=quiz_id, kind=spec.kind, mode=mode, seed=seed,
                              layout=[{"question_id": d.question_id, "layout": d.layout} for d in drawn],
                              started_at=now, deadline=deadline)
            attempt.answers = [Answer(question_id=d.question_id, position=i) for i, d in enumerate(drawn)]
            s.add(attempt)
            s.flush()
            return attempt.id

    def _row(self, s, attempt_id: int, user_id: int | None) -> Attempt:
        row = s.get(Attempt, attempt_id)
        if row is None or (user_id is not None and row.user_id != user_id):
            raise AttemptError("That attempt does not exist.")
        return row

    def _expire_if_due(self, attempt_id: int, user_id: int | None = None) -> bool:
        """Submit an attempt whose time ran out. Checks the owner first, so nobody can probe others' attempts."""
        with self.db.session() as s:
            row = self._row(s, attempt_id, user_id) if user_id is not None else s.get(Attempt, attempt_id)
            due = row is not None and row.submitted_at is None and row.deadline is not None \
                and self.clock() > row.deadline + GRACE
        if due:
            self.submit(attempt_id, None, auto=True)
        return due

    def load(self, attempt_id: int, user_id: int | None) -> AttemptState:
        """The attempt as the trainee should see it now (an expired one is submitted first)."""
        self._expire_if_due(attempt_id, user_id)
        with self.db.session() as s:
            row = self._row(s, attempt_id, user_id)
            spec = self.spec(row.quiz_id)
            answers = {a.question_id: a for a in row.answers}
            items = []
            for i, entry in enumerate(row.layout):
                q = self.course.question(entry["question_id"])
                if q is None:  # content removed since the draw; skip rather than crash
                    continue
                a = answers.get(entry["question_id"])
                items.append(Item(i, q, entry["layout"], a.response if a else None, a.score if a else None,
                                  bool(a and a.flagged)))
            return AttemptState(row.id, row.user_id, spec, row.mode, row.started_at, row.deadline, row.submitted_at,
                                row.auto_submitted, row.score, row.passed, list(row.critical_failed or []), items)

    def save_answer(self, attempt_id: int, user_id: int, question_id: str, response: Any) -> float | None:
        """Store a canonical response now. In practice mode returns the score (feedback at once)."""
        if self._expire_if_due(attempt_id, user_id):
            raise AttemptError("Time is up: the attempt was submitted with the answers saved before the deadline.")
        with self.db.session() as s:
            row = self._row(s, attempt_id, user_id)
            if row.submitted_at is not None:
                raise AttemptError("This attempt has already been submitted; answers can no longer change.")
            answer = next((a for a in row.answers if a.question_id == question_id), None)
            if answer is None:
                raise AttemptError("That question is not part of this attempt.")
            if row.mode == "practice" and answer.score is not None:
                raise AttemptError("You have already checked this answer.")
            answer.response = response
            answer.saved_at = self.clock()
            if row.mode == "practice":
                q = self.course.question(question_id)
                answer.score = grading.grade(q, response) if q else 0.0
                return answer.score
            return None

    def set_flag(self, attempt_id: int, user_id: int, question_id: str, flagged: bool) -> None:
        with self.db.session() as s:
            row = self._row(s, attempt_id, user_id)
            for a in row.answers:
                if a.question_id == question_id:
                    a.flagged = flagged

    def submit(self, attempt_id: int, user_id: int | None, auto: bool = False) -> AttemptState:
        with self.db.session() as s:
            row = self._row(s, attempt_id, user_id)
            if row.submitted_at is not None:
                if auto:  # a concurrent request already closed it
                    return None  # type: ignore[return-value]
                raise AttemptError("This attempt has already been submitted.")
            spec = self.spec(row.quiz_id)
            total, critical_failed, n = 0.0, [], 0
            for a in row.answers:
                q = self.course.question(a.question_id)
                if q is None:
                    continue
                n += 1
                a.score = grading.grade(q, a.response)
                total += a.score
                if q.critical and a.score < 1.0:
                    critical_failed.append(q.id)
            now = self.clock()
            row.submitted_at = min(now, row.deadline + GRACE) if (auto and row.deadline) else now
            row.auto_submitted = auto
            row.score = round(100.0 * total / n, 1) if n else 0.0
            row.critical_failed = critical_failed
            row.passed = row.score >= spec.pass_mark and not (spec.critical_fails and critical_failed)
        if self.on_submit is not None:
            try:
                self.on_submit(attempt_id)
            except Exception:  # the submission itself is saved; follow-up work must not undo it
                logging.getLogger(__name__).exception("after-submit work failed for attempt %s", attempt_id)
        return self.load(attempt_id, user_id)

    # ------------------------------------------------------------ history
    def history(self, user_id: int, quiz_id: str | None = None, mode: Mode | None = "graded") -> list[Attempt]:
        with self.db.session() as s:
            q = select(Attempt).where(Attempt.user_id == user_id)
            if quiz_id:
                q = q.where(Attempt.quiz_id == quiz_id)
            if mode:
                q = q.where(Attempt.mode == mode)
            return list(s.scalars(q.order_by(Attempt.started_at.desc(), Attempt.id.desc())))
