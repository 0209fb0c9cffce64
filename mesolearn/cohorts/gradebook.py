"""The gradebook: one row per trainee × quiz, and a CSV export that spreadsheets cannot execute."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import select

from mesolearn.cohorts.assignments import NO_RESULT, STATUSES, _Due, effective_assignments, graded_results
from mesolearn.cohorts.base import CohortError
from mesolearn.content.catalogue import quiz_catalogue, quiz_title
from mesolearn.content.loader import Course
from mesolearn.quiz.attempts import submit_overdue
from mesolearn.storage import Database, utcnow
from mesolearn.storage.models import Attempt, Cohort, CohortMember, User

FILTERS = STATUSES + ("overdue",)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class GradebookRow:
    user_id: int
    username: str
    display_name: str
    email: str | None
    quiz_id: str
    quiz_title: str
    kind: str  # "module" | "exam"
    status: str  # "not started" | "in progress" | "not passed" | "passed"
    best_score: float | None  # percent
    attempts: int  # submitted graded attempts
    last_activity: datetime | None
    assigned: bool
    due_at: datetime | None
    overdue: bool


def gradebook(
    db: Database,
    course: Course,
    cohort_id: int | None = None,
    status: str | None = None,
    now: datetime | None = None,
    on_submit: Callable[[int], None] | None = None,
) -> list[GradebookRow]:
    """Rows per trainee (by name) × quiz (modules in course order, then exams).

    Timed attempts whose deadline has passed are submitted (at their deadline) first, so an attempt whose tab
    was closed shows its result without the trainee coming back (``on_submit``: the follow-up work to run).

    ``cohort_id`` keeps that cohort's members; ``status`` keeps rows with that status, or with
    the overdue flag for ``"overdue"``. Due dates merge direct and cohort assignments (earliest
    wins), as the trainee sees them. Four queries whatever the size.
    """
    if status is not None and status not in FILTERS:
        raise ValueError(f"status must be one of {', '.join(FILTERS)}")
    now = now or utcnow()
    submit_overdue(db, course, now=now, on_submit=on_submit)
    quizzes = quiz_catalogue(course)
    with db.session() as s:
        q = select(User.id, User.username, User.display_name, User.email).where(User.role == "trainee")
        if cohort_id is not None:
            if s.get(Cohort, cohort_id) is None:
                raise CohortError("That cohort does not exist (it may have been deleted).")
            q = q.join(CohortMember, CohortMember.user_id == User.id).where(CohortMember.cohort_id == cohort_id)
        users = list(s.execute(q.order_by(User.display_name, User.username)))
        ids = [u.id for u in users]
        # For a whole-school gradebook, reading everything beats a huge IN list.
        scope = ids if cohort_id is not None else None
        results = graded_results(s, scope)
        dues = effective_assignments(s, scope)
    rows = []
    none = _Due()
    for u in users:
        for quiz_id, kind, title in quizzes:
            r = results.get((u.id, quiz_id), NO_RESULT)
            d = dues.get((u.id, quiz_id))
            due = (d or none).due_at
            overdue = due is not None and due < now and r.status != "passed"
            if status == "overdue" and not overdue or status in STATUSES and r.status != status:
                continue
            rows.append(
                GradebookRow(
                    u.id,
                    u.username,
                    u.display_name,
                    u.email,
                    quiz_id,
                    title,
                    kind,
                    r.status,
                    r.best_score,
                    r.attempts,
                    r.last_activity,
                    d is not None,
                    due,
                    overdue,
                )
            )
    return rows


# ---------------------------------------------------------------------- CSV
def safe_cell(value: Any) -> str:
    """A cell as text, with formula injection neutralised: text starting with = + - @ (or a tab or
    carriage return, possibly after spaces) gets a leading single quote so spreadsheets show it
    as text instead of running it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float):
        return f"{value:g}"
    text = str(value)
    if text.lstrip(" ").startswith(FORMULA_PREFIXES) or text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


COLUMNS = [f.name for f in fields(GradebookRow)]


def to_csv(rows: Iterable[GradebookRow | Mapping[str, Any]], columns: list[str] | None = None) -> str:
    """CSV text (header row, then one row per gradebook row); times in UTC, booleans yes/no."""
    columns = columns or COLUMNS
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        if isinstance(row, Mapping):
            writer.writerow([safe_cell(row.get(c)) for c in columns])
        else:
            writer.writerow([safe_cell(getattr(row, c, None)) for c in columns])
    return buffer.getvalue()


@dataclass(frozen=True)
class TraineeAttempt:
    """One submitted attempt of a trainee, for an instructor to open from the gradebook."""

    attempt_id: int
    user_id: int
    quiz_id: str
    quiz_title: str
    mode: str
    started_at: datetime
    submitted_at: datetime
    minutes: float
    score: float | None
    passed: bool | None


def trainee_attempts(db: Database, course: Course, user_id: int) -> list[TraineeAttempt]:
    """The trainee's submitted graded attempts, newest first (the instructor's view; the page checks the role)."""
    with db.session() as s:
        rows = s.execute(
            select(
                Attempt.id,
                Attempt.quiz_id,
                Attempt.mode,
                Attempt.started_at,
                Attempt.submitted_at,
                Attempt.score,
                Attempt.passed,
            )
            .where(Attempt.user_id == user_id, Attempt.mode == "graded", Attempt.submitted_at.is_not(None))
            .order_by(Attempt.submitted_at.desc(), Attempt.id.desc())
        ).all()
    return [
        TraineeAttempt(
            r.id,
            user_id,
            r.quiz_id,
            quiz_title(course, r.quiz_id),
            r.mode,
            r.started_at,
            r.submitted_at,
            (r.submitted_at - r.started_at).total_seconds() / 60,
            r.score,
            r.passed,
        )
        for r in rows
    ]
