"""Builders of test data shared by test modules (import from here, not from conftest)."""

from __future__ import annotations

from mesolearn.accounts import Accounts
from mesolearn.storage import Database

PASSWORD = "correct horse battery"


def instructor_and_trainee(db: Database, username: str, name: str, password: str = PASSWORD) -> int:
    """The first instructor ("ada") and one trainee, through the real account service; returns the trainee's id."""
    accounts = Accounts(db)
    accounts.create_first_instructor("ada", "Ada Instructor", password)
    return accounts.create_user(username, name, password, "trainee").id
