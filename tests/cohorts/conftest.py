"""Fixtures of the cohort tests (tests/cohorts/ mirrors mesolearn/cohorts/): a course checked to be valid, a
clock starting in 2030, the account and cohort services on the test's database, an instructor and two trainees."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from mesolearn.accounts import Accounts
from mesolearn.cohorts import Cohorts
from mesolearn.content import load_course
from tests.conftest import Clock

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2030, 3, 1, 9, 0, 0)


@pytest.fixture(scope="package")
def course():
    c = load_course(ROOT)
    assert not c.errors
    return c


@pytest.fixture
def clock():
    return Clock(T0)


@pytest.fixture
def accounts(db, clock):
    return Accounts(db, clock)


@pytest.fixture
def cohorts(db, accounts, clock, course):
    return Cohorts(db, accounts, clock, course=course)


@pytest.fixture
def instructor(accounts):
    return accounts.create_user("teacher", "Dr Teacher", "teacher-pass", "instructor", "teacher@example.org")


@pytest.fixture
def alice(accounts):
    return accounts.create_user("alice", "Alice Martin", "alice-pass", "trainee", "alice@example.org")


@pytest.fixture
def bob(accounts):
    return accounts.create_user("bob", "Bob Durand", "bob-pass1", "trainee", "bob@example.org")
