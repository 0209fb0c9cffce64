"""Overrides (accommodations): extra minutes and extra graded attempts for one trainee on one quiz.

The rule, in one place:
- At most one override per trainee and quiz; 0 extra minutes and 0 extra attempts means none (the row is removed).
- Extra minutes: 0 to 7 days' worth; they lengthen the time limit of attempts *started afterwards* (the deadline is
  fixed when an attempt starts). Extra attempts: 0 to 100, added to the quiz's ``max_attempts``.
- Instructors grant them through ``mesolearn.cohorts.Cohorts.set_override`` (which checks the trainee and the quiz);
  ``mesolearn.quiz.attempts.Attempts`` reads them with :func:`extra_for`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from mesolearn.storage.models import Override

MAX_EXTRA_MINUTES = 7 * 24 * 60
MAX_EXTRA_ATTEMPTS = 100


@dataclass(frozen=True)
class OverrideInfo:
    user_id: int
    quiz_id: str
    extra_minutes: int
    extra_attempts: int


def problem(extra_minutes: object, extra_attempts: object) -> str | None:
    """Why these values cannot be an override (a message for the instructor), or None."""
    for label, value, top in (
        ("Extra minutes", extra_minutes, MAX_EXTRA_MINUTES),
        ("Extra attempts", extra_attempts, MAX_EXTRA_ATTEMPTS),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
            return f"{label}: a whole number from 0 to {top}."
    return None


def extra_for(s: Session, user_id: int, quiz_id: str) -> tuple[int, int]:
    """(extra minutes, extra attempts) granted to this trainee for this quiz; (0, 0) when none."""
    row = s.scalar(select(Override).where(Override.user_id == user_id, Override.quiz_id == quiz_id))
    return (row.extra_minutes, row.extra_attempts) if row else (0, 0)


def save(s: Session, user_id: int, quiz_id: str, extra_minutes: int, extra_attempts: int) -> OverrideInfo | None:
    """Write the override (values checked by :func:`problem` first); 0 and 0 removes it and returns None."""
    row = s.scalar(select(Override).where(Override.user_id == user_id, Override.quiz_id == quiz_id))
    if extra_minutes == 0 and extra_attempts == 0:
        if row is not None:
            s.delete(row)
        return None
    if row is None:
        row = Override(user_id=user_id, quiz_id=quiz_id)
        s.add(row)
    row.extra_minutes, row.extra_attempts = extra_minutes, extra_attempts
    return OverrideInfo(user_id, quiz_id, extra_minutes, extra_attempts)


def find(s: Session, user_id: int | None = None, quiz_id: str | None = None) -> list[OverrideInfo]:
    """Overrides, all or one trainee's or one quiz's, by trainee then quiz."""
    q = select(Override)
    if user_id is not None:
        q = q.where(Override.user_id == user_id)
    if quiz_id is not None:
        q = q.where(Override.quiz_id == quiz_id)
    return [
        OverrideInfo(o.user_id, o.quiz_id, o.extra_minutes, o.extra_attempts)
        for o in s.scalars(q.order_by(Override.user_id, Override.quiz_id))
    ]
