"""Assignments: a module quiz or an exam given to a cohort or to one trainee, with a due date; and the one rule
of "which quizzes are assigned to me".

Rules:
- An assignment targets exactly one cohort or one trainee; assigning the same quiz to the same target again
  updates its due date. Only quizzes that can be taken now (``mesolearn.content.catalogue``) can be assigned.
- A trainee's assignments are their direct ones and those of every cohort they belong to, merged per quiz: the
  earliest due date wins (:func:`effective_assignments`, the one place this is computed; the gradebook, the
  trainee's list and the certificate's required modules all read it).
- Overdue: a due date in the past and the quiz not passed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import delete, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from mesolearn.cohorts.base import CohortError, CohortsBase, naive_utc
from mesolearn.content.catalogue import quiz_kind_title
from mesolearn.content.loader import Course
from mesolearn.progress.tracker import STATUSES as STATUSES  # re-exported: the gradebook and pages use it
from mesolearn.progress.tracker import Status, module_status
from mesolearn.storage.models import Assignment, Attempt, Cohort, CohortMember


@dataclass(frozen=True)
class AssignmentInfo:
    id: int
    quiz_id: str
    cohort_id: int | None
    user_id: int | None
    due_at: datetime | None
    created_at: datetime
    created_by: int | None


@dataclass(frozen=True)
class QuizResult:
    """A trainee's graded record on one quiz."""

    status: Status
    best_score: float | None
    attempts: int  # submitted graded attempts
    last_activity: datetime | None


NO_RESULT = QuizResult("not started", None, 0, None)


@dataclass(frozen=True)
class EffectiveAssignment:
    """One quiz a trainee has to take: direct and cohort assignments merged, earliest due date."""

    quiz_id: str
    title: str
    kind: str  # "module" | "exam" | "" (quiz no longer in the course)
    due_at: datetime | None
    status: Status
    overdue: bool
    best_score: float | None
    attempts: int
    direct: bool  # assigned to the trainee personally
    cohorts: tuple[str, ...]  # names of the cohorts it came through
    assignment_ids: tuple[int, ...]


def _due_key(due: datetime | None) -> datetime:
    return due if due is not None else datetime.max


def graded_results(s: Session, user_ids: Iterable[int] | None = None) -> dict[tuple[int, str], QuizResult]:
    """(user id, quiz id) → status, best score, submitted graded attempts, last activity.

    One query. ``passed`` = any submitted graded attempt passed; ``in progress`` = no pass and a graded attempt
    is open; ``not passed`` = submitted graded attempts, none passed, none open; otherwise absent (= :data:`NO_RESULT`).
    """
    q = select(
        Attempt.user_id, Attempt.quiz_id, Attempt.started_at, Attempt.submitted_at, Attempt.score, Attempt.passed
    ).where(Attempt.mode == "graded")
    if user_ids is not None:
        ids = list(user_ids)
        if not ids:
            return {}
        q = q.where(Attempt.user_id.in_(ids))
    acc: dict[tuple[int, str], list] = {}
    for user_id, quiz_id, started, submitted, score, passed in s.execute(q):
        entry = acc.setdefault((user_id, quiz_id), [False, None, 0, None, False])
        when = submitted or started
        if entry[3] is None or (when is not None and when > entry[3]):
            entry[3] = when
        if submitted is None:
            entry[4] = True
        else:
            entry[2] += 1
            if passed:
                entry[0] = True
            if score is not None and (entry[1] is None or score > entry[1]):
                entry[1] = score
    return {
        key: QuizResult(module_status(p, is_open, n > 0), best, n, last)
        for key, (p, best, n, last, is_open) in acc.items()
    }


@dataclass
class _Due:
    due_at: datetime | None = None
    has_due: bool = False
    direct: bool = False
    cohorts: list[str] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)

    def add(self, a_id: int, due: datetime | None, cohort: str | None) -> None:
        self.ids.append(a_id)
        if cohort is None:
            self.direct = True
        elif cohort not in self.cohorts:
            self.cohorts.append(cohort)
        if due is not None and (self.due_at is None or due < self.due_at):  # earliest due date wins
            self.due_at, self.has_due = due, True


def effective_assignments(s: Session, user_ids: Iterable[int] | None = None) -> dict[tuple[int, str], _Due]:
    """(user id, quiz id) → merged assignment (direct + through cohorts). Three queries."""
    ids = None if user_ids is None else list(user_ids)
    if ids is not None and not ids:
        return {}
    mq = select(CohortMember.cohort_id, CohortMember.user_id)
    dq = select(Assignment.id, Assignment.quiz_id, Assignment.user_id, Assignment.due_at).where(
        Assignment.user_id.is_not(None)
    )
    if ids is not None:
        mq = mq.where(CohortMember.user_id.in_(ids))
        dq = dq.where(Assignment.user_id.in_(ids))
    members: dict[int, list[int]] = defaultdict(list)
    for cohort_id, user_id in s.execute(mq):
        members[cohort_id].append(user_id)
    names: dict[int, str] = {}
    if members:
        nq = select(Cohort.id, Cohort.name).where(Cohort.id.in_(list(members)))
        names = dict(s.execute(nq).all())
    out: dict[tuple[int, str], _Due] = {}
    for a_id, quiz_id, owner, due in s.execute(dq):
        if owner is None:  # excluded by the query (direct assignments only)
            continue
        out.setdefault((owner, quiz_id), _Due()).add(a_id, due, None)
    if members:
        cq = select(Assignment.id, Assignment.quiz_id, Assignment.cohort_id, Assignment.due_at).where(
            Assignment.cohort_id.in_(list(members))
        )
        for a_id, quiz_id, via, due in s.execute(cq):
            if via is None:  # excluded by the query (cohort assignments only)
                continue
            for user_id in members[via]:
                out.setdefault((user_id, quiz_id), _Due()).add(a_id, due, names.get(via, str(via)))
    return out


def assigned_quiz_ids(s: Session, user_id: int) -> set[str]:
    """The quiz ids assigned to one trainee, directly or through a cohort (see :func:`effective_assignments`)."""
    return {quiz_id for (_, quiz_id) in effective_assignments(s, [user_id])}


class AssignmentManagement(CohortsBase):
    """Assignments (a part of :class:`mesolearn.cohorts.Cohorts`)."""

    def assign(
        self,
        quiz_id: str,
        due_at: datetime | None = None,
        *,
        cohort_id: int | None = None,
        user_id: int | None = None,
        instructor_id: int | None,
        course: Course | None = None,
    ) -> AssignmentInfo:
        """Assign a module quiz or exam to a cohort or to one trainee (exactly one), with a due date.

        Assigning the same quiz to the same target again updates the due date.
        """
        if (cohort_id is None) == (user_id is None):
            raise CohortError("Assign to a cohort or to one trainee (exactly one of the two).")
        self._check_quiz(course, quiz_id)
        due_at = naive_utc(due_at)
        with self.db.session() as s:
            if instructor_id is not None:
                self._user(s, instructor_id, "instructor")
            if cohort_id is not None:
                self._cohort(s, cohort_id)
                where = Assignment.cohort_id == cohort_id
            else:
                self._user(s, user_id, "trainee")  # type: ignore[arg-type]
                where = Assignment.user_id == user_id
            row = s.scalar(select(Assignment).where(where, Assignment.quiz_id == quiz_id))
            if row is None:
                row = Assignment(
                    quiz_id=quiz_id,
                    cohort_id=cohort_id,
                    user_id=user_id,
                    due_at=due_at,
                    created_at=self.clock(),
                    created_by=instructor_id,
                )
                s.add(row)
                s.flush()
            else:
                row.due_at = due_at
            return AssignmentInfo(
                row.id, row.quiz_id, row.cohort_id, row.user_id, row.due_at, row.created_at, row.created_by
            )

    def unassign(self, assignment_id: int) -> bool:
        with self.db.session() as s:
            result = s.execute(delete(Assignment).where(Assignment.id == assignment_id))
            return (cast(CursorResult[Any], result).rowcount or 0) > 0

    def assignments(self, cohort_id: int | None = None, user_id: int | None = None) -> list[AssignmentInfo]:
        """Assignment rows as created (no merging): all, a cohort's, or one trainee's direct ones."""
        with self.db.session() as s:
            q = select(Assignment)
            if cohort_id is not None:
                q = q.where(Assignment.cohort_id == cohort_id)
            if user_id is not None:
                q = q.where(Assignment.user_id == user_id)
            return [
                AssignmentInfo(a.id, a.quiz_id, a.cohort_id, a.user_id, a.due_at, a.created_at, a.created_by)
                for a in s.scalars(q.order_by(Assignment.due_at.is_(None), Assignment.due_at, Assignment.id))
            ]

    def assignments_for(self, user_id: int, now: datetime | None = None) -> list[EffectiveAssignment]:
        """The trainee's assignments (direct and through cohorts), merged per quiz, earliest due first."""
        now = now or self.clock()
        with self.db.session() as s:
            merged = effective_assignments(s, [user_id])
            results = graded_results(s, [user_id])
        out = []
        for (_, quiz_id), due in merged.items():
            r = results.get((user_id, quiz_id), NO_RESULT)
            kind, title = quiz_kind_title(self.course, quiz_id)
            out.append(
                EffectiveAssignment(
                    quiz_id,
                    title,
                    kind,
                    due.due_at,
                    r.status,
                    overdue=due.due_at is not None and due.due_at < now and r.status != "passed",
                    best_score=r.best_score,
                    attempts=r.attempts,
                    direct=due.direct,
                    cohorts=tuple(due.cohorts),
                    assignment_ids=tuple(due.ids),
                )
            )
        out.sort(key=lambda a: (_due_key(a.due_at), a.title))
        return out
