"""Trainees' reports of problems with a question, and their resolution by an instructor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from mesolearn.accounts.limits import bad_character
from mesolearn.content.loader import Course
from mesolearn.errors import UserError
from mesolearn.storage import Database, utcnow
from mesolearn.storage.models import QuestionReport, User

MAX_MESSAGE = 2000
MAX_QUESTION_ID = 80
MAX_OPEN_PER_USER = 50  # a flood guard; instructors resolve reports long before this


class ReportError(UserError, ValueError):
    """A message meant for the person at the keyboard."""


@dataclass(frozen=True)
class ReportInfo:
    id: int
    user_id: int
    username: str
    display_name: str
    question_id: str
    message: str
    created_at: datetime
    resolved_at: datetime | None

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None


def _info(r: QuestionReport, u: User) -> ReportInfo:
    return ReportInfo(
        r.id, r.user_id, u.username, u.display_name, r.question_id, r.message, r.created_at, r.resolved_at
    )


def list_reports(db: Database, resolved: bool | None = False) -> list[ReportInfo]:
    """Open reports (default), resolved ones (``True``) or all (``None``); newest first."""
    with db.session() as s:
        q = select(QuestionReport, User).join(User, User.id == QuestionReport.user_id)
        if resolved is True:
            q = q.where(QuestionReport.resolved_at.is_not(None))
        elif resolved is False:
            q = q.where(QuestionReport.resolved_at.is_(None))
        q = q.order_by(QuestionReport.created_at.desc(), QuestionReport.id.desc())
        return [_info(r, u) for r, u in s.execute(q)]


def create_report(
    db: Database,
    user_id: int,
    question_id: str,
    message: str,
    now: datetime | None = None,
    course: Course | None = None,
) -> ReportInfo:
    """Store a trainee's report (message stripped, 1 to 2000 characters).

    Sending the same open report twice (a double click, a page rerun) returns the first one.
    With ``course`` the question id is checked against the course.
    """
    message = (message or "").strip()
    question_id = (question_id or "").strip()
    if not message:
        raise ReportError("Please describe the problem with this question.")
    if len(message) > MAX_MESSAGE:
        raise ReportError(f"Please keep the report under {MAX_MESSAGE} characters (it has {len(message)}).")
    problem = bad_character(message, multiline=True) or bad_character(question_id)
    if problem:
        raise ReportError(f"The report contains {problem}, which is not allowed.")
    if not question_id or len(question_id) > MAX_QUESTION_ID or (course and course.question(question_id) is None):
        raise ReportError("That question does not exist.")
    with db.session() as s:
        user = s.get(User, user_id)
        if user is None:
            raise ReportError("That account does not exist.")
        same = s.scalar(
            select(QuestionReport).where(
                QuestionReport.user_id == user_id,
                QuestionReport.question_id == question_id,
                QuestionReport.message == message,
                QuestionReport.resolved_at.is_(None),
            )
        )
        if same is not None:
            return _info(same, user)
        open_ = s.scalar(
            select(func.count())
            .select_from(QuestionReport)
            .where(QuestionReport.user_id == user_id, QuestionReport.resolved_at.is_(None))
        )
        if (open_ or 0) >= MAX_OPEN_PER_USER:
            raise ReportError("You have many reports waiting for an instructor; please wait until some are resolved.")
        report = QuestionReport(user_id=user_id, question_id=question_id, message=message, created_at=now or utcnow())
        s.add(report)
        s.flush()
        return _info(report, user)


def resolve(db: Database, report_id: int, now: datetime | None = None) -> ReportInfo:
    """Mark a report resolved (resolving it again keeps the first resolution time)."""
    with db.session() as s:
        report = s.get(QuestionReport, report_id)
        if report is None:
            raise ReportError("That report does not exist.")
        if report.resolved_at is None:
            report.resolved_at = now or utcnow()
        return _info(report, s.get_one(User, report.user_id))  # the foreign key guarantees the user
