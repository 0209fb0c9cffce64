"""Builders of test data shared by test modules (import from here, not from conftest)."""

from __future__ import annotations

from typing import Any

from mesolearn.accounts import Accounts
from mesolearn.quiz import drawing
from mesolearn.storage import Database

PASSWORD = "correct horse battery"


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
