"""What the cohort modules share: the service's state, the lookups that refuse with a message, the error class.

Rules:
- Errors meant for the person at the keyboard are :class:`CohortError` (a ``UserError`` and a ``ValueError``)
  with a readable message; nothing else is expected to escape.
- Time convention: naive UTC everywhere (``mesolearn.clock.utcnow``); an aware time is converted on the way in
  (:func:`naive_utc`).
- Only trainees join cohorts and get assignments; only instructors manage them (:meth:`CohortsBase._user`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mesolearn.accounts.service import Accounts
from mesolearn.accounts.throttle import Throttle
from mesolearn.clock import utcnow
from mesolearn.content.catalogue import quiz_kind_title
from mesolearn.content.loader import Course
from mesolearn.errors import UserError
from mesolearn.storage import Database
from mesolearn.storage.models import Cohort, CohortMember, User

MAX_NAME = 120


class CohortError(UserError, ValueError):
    """A message meant for the person at the keyboard."""


def naive_utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


class CohortsBase:
    """The state every part of the cohort service works on (see ``mesolearn.cohorts.Cohorts``)."""

    def __init__(
        self, db: Database, accounts: Accounts, clock: Callable[[], datetime] = utcnow, course: Course | None = None
    ):
        self.db, self.accounts, self.clock, self.course = db, accounts, clock, course
        self.throttle = Throttle(db, clock)

    # ------------------------------------------------------------ lookups
    @staticmethod
    def _user(s: Session, user_id: int, role: str | None = None) -> User:
        user = s.get(User, user_id)
        if user is None:
            raise CohortError("That account does not exist.")
        if role == "trainee" and user.role != "trainee":
            raise CohortError(
                f"{user.display_name} is not a trainee account; only trainees join cohorts and get assignments."
            )
        if role == "instructor" and user.role != "instructor":
            raise CohortError("Only instructors can manage cohorts and assignments.")
        return user

    @staticmethod
    def _cohort(s: Session, cohort_id: int) -> Cohort:
        cohort = s.get(Cohort, cohort_id)
        if cohort is None:
            raise CohortError("That cohort does not exist (it may have been deleted).")
        return cohort

    def _add(self, s: Session, cohort_id: int, user_id: int) -> bool:
        """Add a membership in session ``s``; False if it already existed."""
        exists = s.scalar(
            select(CohortMember.id).where(CohortMember.cohort_id == cohort_id, CohortMember.user_id == user_id)
        )
        if exists is not None:
            return False
        s.add(CohortMember(cohort_id=cohort_id, user_id=user_id, joined_at=self.clock()))
        s.flush()
        return True

    def _check_quiz(self, course: Course | None, quiz_id: str) -> None:
        course = course or self.course
        if course is None:
            raise CohortError("No course was given to check the quiz against.")
        if quiz_kind_title(course, quiz_id)[0] == "":
            raise CohortError(
                f"There is no quiz or exam '{quiz_id}' in the course (a module without a valid "
                "quiz cannot be assigned)."
            )
