"""Attempts: the quiz engine's stateful side, on the database.

Rules the server enforces whatever the page does: the draw is fixed at start; every answer is saved
as it is given; an answer after the deadline is refused and an expired attempt is submitted with
what was saved (also when the trainee only comes back later); an attempt is submitted once; graded
attempts are limited by ``max_attempts``; a wrong safety-critical answer fails a graded attempt.

Races (two clicks, two tabs, two replicas) are settled by the database, never by a read-then-write in Python:

* **Start**: graded attempts carry ``attempt_number`` 1, 2, ...; the insert of number *n* is refused by a
  unique index when another request took *n* first, and by the partial unique index "one open graded attempt
  per trainee and quiz". The losing request then resumes the winner's open attempt (a second click is
  idempotent), or is told the attempts are used up. *n* > the allowed attempts is refused before inserting.
* **Submit**: ``UPDATE attempts SET submitted_at = ... WHERE id = :id AND submitted_at IS NULL``; the request
  whose update changed the row grades it and runs the follow-up work (``on_submit``) exactly once. A later or
  concurrent submit changes nothing and returns the recorded result.
* **Answers**: a graded answer is one statement, an UPDATE of its row guarded in the same statement by "the
  trainee's own graded attempt, not submitted, not past the deadline" (the sub-select locks the attempt row on
  PostgreSQL), so no answer lands after the grading; the attempt is read only when that changed nothing, to say
  why. A practice answer is checked the same way, once (the attempt row is locked first).
* **Deadline sweep** (:meth:`Attempts.submit_overdue`, :func:`submit_overdue`): every timed graded attempt
  whose deadline (plus a 2 s grace) has passed is submitted *at its deadline* with its saved answers, without
  waiting for the trainee to come back. Instructor views (gradebook, item analysis) run it before reading.
  Idempotent and race-safe (it uses the conditional submit). It also grades graded attempts that a migration
  closed without a score.

Practice cannot reveal the key of an open graded attempt (:meth:`Attempts.practice_lock`):

* while a **timed exam** attempt is open (exam conditions), no practice of any kind can be started, answered
  ("Check answer") or finished;
* while any other graded attempt is open (a module quiz, timed or not; an untimed exam), no practice, review
  or custom session may contain one of its questions: such a session is refused at start, and a question of it
  cannot be checked in a session opened earlier. Module practice is refused when the module's pool shares a
  question with the open attempt (the same module's graded quiz, or an exam that drew from it).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import DateTime, bindparam, exists, func, literal, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Update

from mesolearn.content.loader import Course
from mesolearn.content.models import Question, ReviewPolicy
from mesolearn.errors import UserError
from mesolearn.quiz import drawing, grading, overrides
from mesolearn.storage import Database, utcnow
from mesolearn.storage.models import Answer, Attempt

Mode = Literal["graded", "practice"]
GRACE = timedelta(seconds=2)  # network latency allowance at the deadline
START_RETRIES = 5  # a start that loses a race looks again (the winner's attempt is then resumed)
# Practice-only sessions whose questions are chosen by mesolearn.learning (spaced review, "build your own
# quiz"), not drawn from a pool: their attempt rows are created by mesolearn.learning.custom.
PRACTICE_SESSIONS = {"review": "Spaced review", "custom": "Custom practice quiz"}


class AttemptError(UserError):
    """A refusal meant for the trainee (e.g. time is up, attempt already submitted)."""


@dataclass(frozen=True)
class PracticeLock:
    """What practice is closed for one trainee now, because a graded attempt of theirs is open."""

    timed: str | None = None  # title of an open timed exam attempt
    questions: dict[str, str] = field(default_factory=dict)  # question id -> title of the open attempt

    def check(self, question_ids: Iterable[str]) -> None:
        """Raise :class:`AttemptError` (a message for the trainee) if practising these questions is closed."""
        if self.timed is not None:
            raise AttemptError(
                f"Practice is closed while your timed {self.timed} is open. Submit it (or let its time run out) first."
            )
        held = [q for q in dict.fromkeys(question_ids) if q in self.questions]
        if held:
            title = self.questions[held[0]]
            what = "One of these questions is" if len(held) == 1 else f"{len(held)} of these questions are"
            raise AttemptError(
                f"{what} in your open graded attempt at {title}. Submit that attempt first, then practise them."
            )


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
        return drawing.view_for(self.question, self.layout, self.response)

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


@dataclass(frozen=True)
class AttemptSummary:
    """One attempt as a list shows it (history, "Previous attempts", the dashboard): plain data, no ORM row."""

    id: int
    quiz_id: str
    kind: str  # "module" | "exam" | "practice"
    mode: Mode
    attempt_number: int | None  # 1, 2, ... for graded attempts
    started_at: datetime
    deadline: datetime | None
    submitted_at: datetime | None
    auto_submitted: bool
    score: float | None  # percent, once graded
    passed: bool | None

    @property
    def minutes(self) -> float | None:
        """Minutes from start to submission (None while open)."""
        return None if self.submitted_at is None else (self.submitted_at - self.started_at).total_seconds() / 60


def _summary(row: Attempt) -> AttemptSummary:
    return AttemptSummary(
        row.id,
        row.quiz_id,
        row.kind,
        cast(Mode, row.mode),
        row.attempt_number,
        row.started_at,
        row.deadline,
        row.submitted_at,
        bool(row.auto_submitted),
        row.score,
        row.passed,
    )


def _changed(s: Session, statement: Update) -> int:
    """Run a (conditional) UPDATE; the number of rows it changed decides who won a race."""
    result = s.execute(statement.execution_options(synchronize_session=False))
    return cast(CursorResult[Any], result).rowcount


def _open_for_answers(mode: Mode) -> Any:
    """SQL condition: attempt ``:aid`` is user ``:uid``'s, in ``mode``, not submitted, and its deadline (if any) is not
    before ``:since`` (now minus the grace). ``FOR UPDATE`` locks the attempt row on PostgreSQL until the end of the
    transaction, so a concurrent submit waits for the answer or the answer sees the submission (SQLite: ignored,
    the statement runs under the database's write lock)."""
    return (
        select(literal(1))
        .where(
            Attempt.id == bindparam("aid"),
            Attempt.user_id == bindparam("uid"),
            Attempt.mode == mode,
            Attempt.submitted_at.is_(None),
            or_(Attempt.deadline.is_(None), Attempt.deadline >= bindparam("since", type_=DateTime())),
        )
        .with_for_update()
        .exists()
    )


# A graded answer: built once (a click only binds its values), run on the session's connection (no ORM bookkeeping).
_SAVE_GRADED = (
    update(Answer)
    .where(Answer.attempt_id == bindparam("aid"), Answer.question_id == bindparam("qid"), _open_for_answers("graded"))
    .values(
        response=bindparam("new_response", type_=Answer.__table__.c.response.type),
        saved_at=bindparam("now", type_=DateTime()),
    )
)


class Attempts:
    def __init__(
        self,
        db: Database,
        course: Course,
        clock: Callable[[], datetime] = utcnow,
        on_submit: Callable[[int], None] | None = None,
    ):
        self.db, self.course, self.clock = db, course, clock
        self.on_submit = on_submit  # runs after every submission, by the trainee or by the deadline

    # ------------------------------------------------------------ specs
    def spec(self, quiz_id: str) -> QuizSpec:
        module = self.course.modules.get(quiz_id)
        if module is not None and module.quiz is not None:
            q = module.quiz
            return QuizSpec(
                quiz_id,
                "module",
                module.title,
                q.questions_per_attempt,
                q.pass_mark,
                q.time_limit_minutes,
                q.max_attempts,
                q.critical_fails,
                q.review,
            )
        exam = self.course.exams.get(quiz_id)
        if exam is not None:
            return QuizSpec(
                quiz_id,
                "exam",
                exam.title,
                exam.questions,
                exam.pass_mark,
                exam.time_limit_minutes,
                exam.max_attempts,
                exam.critical_fails,
                exam.review,
            )
        if quiz_id in PRACTICE_SESSIONS:
            return QuizSpec(quiz_id, "practice", PRACTICE_SESSIONS[quiz_id], 0, 0.0, None, None, False, ReviewPolicy())
        raise AttemptError(f"There is no quiz '{quiz_id}' (it may be unavailable while its content is fixed).")

    def _module_questions(self, module_id: str) -> list[Question]:
        """The questions of a module's quiz: spec() gives kind "module" only to a module with a quiz, and the
        loader keeps only exams whose blueprint modules all have one."""
        quiz = self.course.modules[module_id].quiz
        assert quiz is not None, f"module '{module_id}' has no quiz"
        return quiz.questions

    def _draw(self, spec: QuizSpec, seed: int) -> list[drawing.DrawnQuestion]:
        if spec.kind == "module":
            return drawing.draw(self._module_questions(spec.id), spec.questions, seed)
        exam = self.course.exams[spec.id]
        pools = {b.module: self._module_questions(b.module) for b in exam.blueprint}
        weights = {b.module: b.weight for b in exam.blueprint}
        return drawing.draw_blueprint(pools, weights, spec.questions, seed, cases=exam.cases)

    # ------------------------------------------------------------ counts and limits
    def graded_attempts_used(self, user_id: int, quiz_id: str) -> int:
        with self.db.session() as s:
            return (
                s.scalar(
                    select(func.count(Attempt.id)).where(
                        Attempt.user_id == user_id, Attempt.quiz_id == quiz_id, Attempt.mode == "graded"
                    )
                )
                or 0
            )

    def _last_number(self, user_id: int, quiz_id: str) -> int:
        """The highest graded attempt number used so far (0 for none)."""
        with self.db.session() as s:
            return (
                s.scalar(
                    select(func.coalesce(func.max(Attempt.attempt_number), 0)).where(
                        Attempt.user_id == user_id, Attempt.quiz_id == quiz_id, Attempt.mode == "graded"
                    )
                )
                or 0
            )

    def open_attempt_id(self, user_id: int, quiz_id: str, mode: Mode = "graded") -> int | None:
        """The unsubmitted attempt, if any; an expired one is submitted first and not returned."""
        with self.db.session() as s:
            row = s.scalar(
                select(Attempt)
                .where(
                    Attempt.user_id == user_id,
                    Attempt.quiz_id == quiz_id,
                    Attempt.mode == mode,
                    Attempt.submitted_at.is_(None),
                )
                .order_by(Attempt.id.desc())
            )
            attempt_id = row.id if row else None
        if attempt_id is not None and self._expire_if_due(attempt_id):
            return None
        return attempt_id

    def override(self, user_id: int, quiz_id: str) -> tuple[int, int]:
        """(extra minutes, extra attempts) an instructor granted this trainee for this quiz."""
        with self.db.session() as s:
            return overrides.extra_for(s, user_id, quiz_id)

    def attempts_allowed(self, user_id: int, quiz_id: str) -> int | None:
        spec = self.spec(quiz_id)
        return None if spec.max_attempts is None else spec.max_attempts + self.override(user_id, quiz_id)[1]

    # ------------------------------------------------------------ practice lock
    def practice_lock(self, user_id: int) -> PracticeLock:
        """What practice is closed now (see the module docstring). Expired attempts are submitted first."""
        self.submit_overdue(user_id=user_id)
        timed: str | None = None
        questions: dict[str, str] = {}
        with self.db.session() as s:
            rows = s.execute(
                select(Attempt.quiz_id, Attempt.kind, Attempt.deadline, Attempt.layout)
                .where(Attempt.user_id == user_id, Attempt.mode == "graded", Attempt.submitted_at.is_(None))
                .order_by(Attempt.id)
            ).all()
        for quiz_id, kind, deadline, layout in rows:
            try:
                title = self.spec(quiz_id).title
            except AttemptError:
                title = quiz_id
            if kind == "exam" and deadline is not None and timed is None:
                timed = title
            for entry in layout or []:
                questions.setdefault(entry["question_id"], title)
        return PracticeLock(timed, questions)

    def check_practice(self, user_id: int, question_ids: Iterable[str]) -> None:
        """Refuse (``AttemptError``) practice of these questions while it could reveal an open attempt's key."""
        self.practice_lock(user_id).check(question_ids)

    def _pool(self, spec: QuizSpec) -> list[str]:
        """Every question a draw of this quiz could hold."""
        modules = [spec.id] if spec.kind == "module" else [b.module for b in self.course.exams[spec.id].blueprint]
        return [q.id for m in modules if (quiz := self.course.modules[m].quiz) is not None for q in quiz.questions]

    # ------------------------------------------------------------ lifecycle
    def start(self, user_id: int, quiz_id: str, mode: Mode = "graded", seed: int | None = None) -> int:
        """Resume the open attempt or start a new one (within the attempt limit).

        Safe under concurrency: of several simultaneous starts one inserts, the others resume its attempt.
        """
        spec = self.spec(quiz_id)
        if spec.kind == "practice":
            raise AttemptError("Review and custom sessions are started with mesolearn.learning.custom.")
        if mode == "practice":
            self.check_practice(user_id, self._pool(spec))
        extra_minutes, _ = self.override(user_id, quiz_id)
        allowed = self.attempts_allowed(user_id, quiz_id)
        seed = secrets.randbelow(2**31) if seed is None else seed
        drawn = self._draw(spec, seed)
        for _ in range(START_RETRIES):
            existing = self.open_attempt_id(user_id, quiz_id, mode)
            if existing is not None:
                return existing
            number = None
            if mode == "graded":
                number = self._last_number(user_id, quiz_id) + 1
                if allowed is not None and number > allowed:
                    resumed = self.open_attempt_id(user_id, quiz_id, mode)  # opened by a concurrent start?
                    if resumed is not None:
                        return resumed
                    raise AttemptError(f"You have used all {allowed} attempts at this quiz.")
            now = self.clock()
            deadline = (
                now + timedelta(minutes=spec.time_limit_minutes + extra_minutes)
                if spec.time_limit_minutes and mode == "graded"
                else None
            )
            try:
                with self.db.session() as s:
                    attempt = Attempt(
                        user_id=user_id,
                        quiz_id=quiz_id,
                        kind=spec.kind,
                        mode=mode,
                        seed=seed,
                        attempt_number=number,
                        layout=[{"question_id": d.question_id, "layout": d.layout} for d in drawn],
                        started_at=now,
                        deadline=deadline,
                    )
                    attempt.answers = [Answer(question_id=d.question_id, position=i) for i, d in enumerate(drawn)]
                    s.add(attempt)
                    s.flush()
                    return attempt.id
            except IntegrityError:
                continue  # another request took this number or opened an attempt first: look again
        raise AttemptError("The quiz could not be started just now (many requests at once). Please try again.")

    def _row(self, s, attempt_id: int, user_id: int | None) -> Attempt:
        row = s.get(Attempt, attempt_id)
        if row is None or (user_id is not None and row.user_id != user_id):
            raise AttemptError("That attempt does not exist.")
        return row

    def _expire_if_due(self, attempt_id: int, user_id: int | None = None) -> bool:
        """Submit an attempt whose time ran out. Checks the owner first, so nobody can probe others' attempts.

        True when the attempt is (now) closed because its time ran out."""
        with self.db.session() as s:
            row = self._row(s, attempt_id, user_id) if user_id is not None else s.get(Attempt, attempt_id)
            due = (
                row is not None
                and row.submitted_at is None
                and row.deadline is not None
                and self.clock() > row.deadline + GRACE
            )
        if due:
            self._close(attempt_id, auto=True)
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
                items.append(
                    Item(
                        i, q, entry["layout"], a.response if a else None, a.score if a else None, bool(a and a.flagged)
                    )
                )
            return AttemptState(
                row.id,
                row.user_id,
                spec,
                cast(Mode, row.mode),  # the column is a plain String; start() writes only a Mode
                row.started_at,
                row.deadline,
                row.submitted_at,
                row.auto_submitted,
                row.score,
                row.passed,
                list(row.critical_failed or []),
                items,
            )

    def save_answer(self, attempt_id: int, user_id: int, question_id: str, response: Any) -> float | None:
        """Store a canonical response now. In practice mode returns the score (feedback at once).

        A graded answer is one statement: an UPDATE of the question's answer row guarded, in the same statement,
        by "the trainee's own graded attempt, not submitted, not past its deadline (plus the grace)". The guard
        locks the attempt row on PostgreSQL (``FOR UPDATE`` in the sub-select), so a concurrent submit waits for
        this answer or this answer sees the submission; SQLite runs the statement under its write lock. Only
        when that statement changes no row is the attempt read, to say why (and to submit an expired attempt).
        """
        q = self.course.question(question_id)
        if q is not None and drawing.stepwise(q):
            return self._save_step(attempt_id, user_id, question_id, response)
        now = self.clock()
        params = {"aid": attempt_id, "uid": user_id, "qid": question_id, "since": now - GRACE, "now": now}
        with self.db.session() as s:
            result = s.connection().execute(_SAVE_GRADED, {**params, "new_response": response})
            saved = cast(CursorResult[Any], result).rowcount
        if saved == 1:
            return None
        return self._save_refused(attempt_id, user_id, question_id, response, now)

    def _save_step(self, attempt_id: int, user_id: int, question_id: str, response: Any) -> float | None:
        """Save one more step of a question answered a step at a time (a case's next decision), graded or practice.

        The type's ``accepts`` must take the step (the saved path plus one decision); the write is one UPDATE guarded
        by "not submitted, not past the deadline (in practice, not checked yet) and the saved path is still the one
        this step builds on" (its ``saved_at``), so two tabs cannot both add a decision and nothing lands after a
        concurrent submission.
        """
        if self._expire_if_due(attempt_id, user_id):
            raise AttemptError("Time is up: the attempt was submitted with the answers saved before the deadline.")
        with self.db.session() as s:
            row = self._row(s, attempt_id, user_id)
            practice = row.mode == "practice"
        if practice:
            self.check_practice(user_id, [question_id])
        with self.db.session() as s:
            answer, q = self._locked_answer(s, attempt_id, user_id, question_id, response, checked_is_final=practice)
            now = self.clock()
            still_open = exists().where(
                Attempt.id == attempt_id,
                Attempt.submitted_at.is_(None),
                or_(Attempt.deadline.is_(None), Attempt.deadline >= now - GRACE),
            )
            answer_id = answer.id
            conditions = [Answer.id == answer_id, still_open]
            stepwise = q is not None and drawing.stepwise(q)
            if stepwise:  # the step builds on the saved path, so that path must still be the saved one
                conditions.append(
                    Answer.saved_at.is_(None) if answer.saved_at is None else Answer.saved_at == answer.saved_at
                )
            values: dict[str, Any] = {"response": response, "saved_at": now}
            score: float | None = None
            if practice:
                conditions.append(Answer.score.is_(None))
                # practice is checked at once; a case only when its path has ended (its steps are saved unscored)
                if not (stepwise and not grading.is_answered(q, response)):
                    score = grading.grade(q, response) if q else 0.0
                    values["score"] = score
            done = _changed(s, update(Answer).where(*conditions).values(**values))
            if done != 1:
                if stepwise:  # lost to another tab's decision, unless the attempt closed or the case was checked
                    s.rollback()
                    now_row = s.execute(
                        select(Attempt.submitted_at, Attempt.deadline, Answer.score)
                        .join(Answer, Answer.attempt_id == Attempt.id)
                        .where(Answer.id == answer_id)
                    ).one()
                    in_time = now_row.deadline is None or now_row.deadline >= now - GRACE
                    if now_row.submitted_at is None and in_time and now_row.score is None:
                        raise AttemptError("This case moved on in another tab or window: reload the page.")
                raise AttemptError(
                    "You have already checked this answer."
                    if practice
                    else "This attempt has already been submitted; answers can no longer change."
                )
            return score

    def _locked_answer(
        self, s: Session, attempt_id: int, user_id: int, question_id: str, response: Any, *, checked_is_final: bool
    ) -> tuple[Answer, Question | None]:
        """The answer row a non-graded-fast-path save writes, after the checks every such save makes: the attempt is
        the user's and open (its row locked on PostgreSQL, so a concurrent submit waits for this answer or this waits
        for it), the question is in it, a checked practice answer is final, and the type accepts the change (a case:
        only the saved path plus one decision)."""
        locked = s.scalar(select(Attempt).where(Attempt.id == attempt_id).with_for_update())
        if locked is None or locked.user_id != user_id:
            raise AttemptError("That attempt does not exist.")
        if locked.submitted_at is not None:
            raise AttemptError("This attempt has already been submitted; answers can no longer change.")
        answer = next((a for a in locked.answers if a.question_id == question_id), None)
        if answer is None:
            raise AttemptError("That question is not part of this attempt.")
        if checked_is_final and answer.score is not None:
            raise AttemptError("You have already checked this answer.")
        q = self.course.question(question_id)
        if q is not None and (refusal := grading.accepts(q, answer.response, response)) is not None:
            raise AttemptError(refusal)  # e.g. a case's earlier decision: final once saved
        return answer, q

    def _save_refused(self, attempt_id: int, user_id: int, question_id: str, response: Any, now: datetime) -> float:
        """The graded one-statement save changed nothing: a practice attempt (saved here), or raise why not."""
        with self.db.session() as s:
            row = s.execute(
                select(Attempt.user_id, Attempt.mode, Attempt.submitted_at, Attempt.deadline).where(
                    Attempt.id == attempt_id
                )
            ).first()
            has_question = (
                s.scalar(select(Answer.id).where(Answer.attempt_id == attempt_id, Answer.question_id == question_id))
                is not None
            )
        if row is None or row.user_id != user_id:
            raise AttemptError("That attempt does not exist.")
        if row.submitted_at is None and row.deadline is not None and now > row.deadline + GRACE:
            self._close(attempt_id, auto=True)
            raise AttemptError("Time is up: the attempt was submitted with the answers saved before the deadline.")
        if row.mode == "practice":
            return self._save_practice(attempt_id, user_id, question_id, response)
        if row.submitted_at is None and not has_question:
            raise AttemptError("That question is not part of this attempt.")
        raise AttemptError("This attempt has already been submitted; answers can no longer change.")

    def _save_practice(self, attempt_id: int, user_id: int, question_id: str, response: Any) -> float:
        """Check a practice answer: graded at once, only once, and refused while it could reveal an open graded
        attempt's key (:meth:`practice_lock`)."""
        self.check_practice(user_id, [question_id])
        with self.db.session() as s:
            answer, q = self._locked_answer(s, attempt_id, user_id, question_id, response, checked_is_final=True)
            now = self.clock()
            score = grading.grade(q, response) if q else 0.0
            check = (
                update(Answer)
                .where(Answer.id == answer.id, Answer.score.is_(None), _open_for_answers("practice"))
                .values(response=response, saved_at=now, score=score)
            )
            result = s.connection().execute(check, {"aid": attempt_id, "uid": user_id, "since": now - GRACE})
            if cast(CursorResult[Any], result).rowcount != 1:
                raise AttemptError("You have already checked this answer.")
            return score

    def set_flag(self, attempt_id: int, user_id: int, question_id: str, flagged: bool) -> None:
        """Flag (or unflag) a question of the user's attempt: one UPDATE; the attempt is read only if it changed
        nothing, to refuse an attempt that is not the user's."""
        owned = exists().where(Attempt.id == attempt_id, Attempt.user_id == user_id)
        with self.db.session() as s:
            done = _changed(
                s,
                update(Answer)
                .where(Answer.attempt_id == attempt_id, Answer.question_id == question_id, owned)
                .values(flagged=flagged),
            )
            if not done:
                self._row(s, attempt_id, user_id)  # "That attempt does not exist." unless it is the user's

    def submit(self, attempt_id: int, user_id: int | None, auto: bool = False) -> AttemptState:
        """Submit and grade the attempt; returns it as submitted.

        Only the first submission counts (and runs ``on_submit``); a second or concurrent one changes nothing
        and returns the recorded result. Finishing a practice session that holds a question of an open graded
        attempt is refused (its results would show that question's key).
        """
        with self.db.session() as s:
            row = self._row(s, attempt_id, user_id)
            owner, open_practice = row.user_id, row.mode == "practice" and row.submitted_at is None
            questions = [e["question_id"] for e in row.layout or []]
        if open_practice and not auto:
            self.check_practice(owner, questions)
        if not self._expire_if_due(attempt_id, user_id):
            self._close(attempt_id, auto)
        return self.load(attempt_id, user_id)

    def _close(self, attempt_id: int, auto: bool) -> bool:
        """Submit and grade, if nobody did yet (the conditional update decides). True for the request that did."""
        now = self.clock()
        with self.db.session() as s:
            deadline = s.scalar(select(Attempt.deadline).where(Attempt.id == attempt_id))
            submitted_at = min(now, deadline) if (auto and deadline is not None) else now
            won = (
                _changed(
                    s,
                    update(Attempt)
                    .where(Attempt.id == attempt_id, Attempt.submitted_at.is_(None))
                    .values(submitted_at=submitted_at, auto_submitted=auto),
                )
                == 1
            )
            if won:
                self._grade(s, attempt_id)
        if won:
            self._after_submit(attempt_id)
        return won

    def _grade(self, s: Session, attempt_id: int) -> None:
        """Score the saved answers of a (just closed) attempt, in the caller's transaction."""
        quiz_id = s.scalar(select(Attempt.quiz_id).where(Attempt.id == attempt_id))
        if quiz_id is None:
            return
        spec = self.spec(quiz_id)
        total, critical_failed, n = 0.0, [], 0
        for a in s.scalars(select(Answer).where(Answer.attempt_id == attempt_id).order_by(Answer.position)):
            q = self.course.question(a.question_id)
            if q is None:
                continue
            n += 1
            a.score = grading.grade(q, a.response)
            total += a.score
            if grading.critical_failed(q, a.response, a.score):
                critical_failed.append(q.id)
        score = round(100.0 * total / n, 1) if n else 0.0
        passed = score >= spec.pass_mark and not (spec.critical_fails and critical_failed)
        s.flush()
        s.execute(
            update(Attempt)
            .where(Attempt.id == attempt_id)
            .values(score=score, critical_failed=critical_failed, passed=passed)
            .execution_options(synchronize_session=False)
        )

    def _after_submit(self, attempt_id: int) -> None:
        if self.on_submit is not None:
            try:
                self.on_submit(attempt_id)
            except Exception:  # the submission itself is saved; follow-up work must not undo it
                logging.getLogger(__name__).exception("after-submit work failed for attempt %s", attempt_id)

    def submit_overdue(self, *, user_id: int | None = None, quiz_id: str | None = None) -> list[int]:
        """The deadline sweep: submit every attempt whose time ran out (at its deadline); returns their ids.

        Attempts at quizzes the loaded content does not have are left for later. Also grades graded attempts
        that are submitted but have no score (closed by a migration). Idempotent: an attempt another request or
        replica submits meanwhile is left as that one recorded it.
        """
        now = self.clock()
        # quizzes missing from the content (e.g. hidden while broken) cannot be graded now: they wait
        known = Attempt.quiz_id.in_([m.id for m in self.course.modules.values() if m.quiz] + list(self.course.exams))
        where = [Attempt.submitted_at.is_(None), Attempt.deadline.is_not(None), Attempt.deadline < now - GRACE, known]
        ungraded = [Attempt.mode == "graded", Attempt.submitted_at.is_not(None), Attempt.score.is_(None), known]
        if user_id is not None:
            where.append(Attempt.user_id == user_id)
            ungraded.append(Attempt.user_id == user_id)
        if quiz_id is not None:
            where.append(Attempt.quiz_id == quiz_id)
            ungraded.append(Attempt.quiz_id == quiz_id)
        with self.db.session() as s:
            due = list(s.scalars(select(Attempt.id).where(*where).order_by(Attempt.id)))
            repair = list(s.scalars(select(Attempt.id).where(*ungraded).order_by(Attempt.id)))
        done = [attempt_id for attempt_id in due if self._close(attempt_id, auto=True)]
        for attempt_id in repair:
            with self.db.session() as s:
                claimed = (
                    _changed(
                        s,
                        update(Attempt)
                        .where(Attempt.id == attempt_id, Attempt.score.is_(None))
                        .values(auto_submitted=True),
                    )
                    == 1
                )
                if claimed:
                    self._grade(s, attempt_id)
            if claimed:
                self._after_submit(attempt_id)
        return done

    # ------------------------------------------------------------ history
    def history(self, user_id: int, quiz_id: str | None = None, mode: Mode | None = "graded") -> list[AttemptSummary]:
        """The user's attempts (of one quiz, of one mode; None: all), newest first, as plain data."""
        with self.db.session() as s:
            q = select(Attempt).where(Attempt.user_id == user_id)
            if quiz_id:
                q = q.where(Attempt.quiz_id == quiz_id)
            if mode:
                q = q.where(Attempt.mode == mode)
            return [_summary(r) for r in s.scalars(q.order_by(Attempt.started_at.desc(), Attempt.id.desc()))]


def submit_overdue(
    db: Database,
    course: Course,
    *,
    now: datetime | None = None,
    on_submit: Callable[[int], None] | None = None,
    quiz_id: str | None = None,
) -> list[int]:
    """The deadline sweep for pages that read results (gradebook, item analysis): see the module docstring."""
    clock = utcnow if now is None else (lambda: now)
    return Attempts(db, course, clock=clock, on_submit=on_submit).submit_overdue(quiz_id=quiz_id)
